"""The requests a combination of role options makes: action, resource and request context.

For every statement of every policy an option gives a role, each action it names is one need per
resource: the statement's own ARN (placeholders filled), or, where the statement says `*`, the
ARN format of each resource type the action acts on (its variable parts unknown). The request
context is what the product's requests carry: the Region they are sent to (us-east-1 for a global
service such as IAM), the account, TLS, an assumed role's session; the service a role is passed
to (EC2, through the engine's instance profile). Everything else a request may carry (tags, source
IP, the role's own name and tags) is unknown, and a key the action cannot carry is absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from iamdocs import iamdb, placeholders
from iamdocs.access import Request, disjoint, pattern_covers, statement_label
from iamdocs.conditions import Context, Shape, like
from iamdocs.grants import display_action, expand_actions
from iamdocs.iamdb import IAMDatabase
from iamdocs.model import SoundProject

# Where the Region, account and partition go in a template: placeholders' one comparable spelling.
REGION, ACCOUNT, PARTITION = (placeholders.token(n) for n in ("REGION", "ACCOUNT_ID", "PARTITION"))

# Keys every request of the product carries, with their values (templates filled by context_for).
ALWAYS: dict[str, str] = {
    "aws:securetransport": "true",  # the SDKs call AWS over TLS
    "aws:principaltype": "AssumedRole",  # instance-profile credentials are a role session
    "aws:principalisawsservice": "false",
    "aws:principalaccount": ACCOUNT,
    "aws:resourceaccount": ACCOUNT,
    # present with temporary credentials (a role session), true only after an MFA sign-in, which no instance has
    "aws:multifactorauthpresent": "false",
}
# Keys none of its requests carries: they belong to service principals or IAM users.
ABSENT = frozenset({"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths",
                    "aws:principalservicename", "aws:principalservicenameslist", "aws:username",
                    "aws:multifactorauthage", "aws:assumedroot"})
# Global keys present only where the Service Authorization Reference lists them for the action.
LISTED_GLOBAL = ("aws:requesttag/", "aws:tagkeys", "aws:resourcetag/")
# The service a passed role goes to: the engine role reaches its instances through an instance profile.
PASSED_TO = {"iam:passrole": "ec2.amazonaws.com"}

_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Need:
    """One request the product makes, and why."""

    role: str
    policy: str  # the policy file that grants it
    statement: str  # its Sid, or #N
    action: str  # as AWS spells it
    resource: str  # ARN template: {region}, {account}, {partition} are filled in later; * where unknown
    keys: tuple[str, ...]  # condition keys it carries on this resource besides the global ones (data's spelling)
    requested_region: str  # "" for the Region the request is sent to; us-east-1 for IAM and other global services


def _template(arn: str) -> str:
    """An ARN format of the reference with the parts iamdocs fills in as tokens and the rest as *."""
    def one(m: re.Match[str]) -> str:
        return {"partition": PARTITION, "region": REGION, "account": ACCOUNT}.get(m.group(1).lower(), "*")

    return _VARIABLE.sub(one, arn)


def _policy_template(text: str) -> str:
    """A resource of a policy file with its placeholders as tokens (the catalog's REGION, ACCOUNT_ID)."""
    out = placeholders.fill(text, {"REGION": REGION, "ACCOUNT_ID": ACCOUNT, "PARTITION": PARTITION})
    return f"arn:{PARTITION}:" + out[len("arn:aws:"):] if out.startswith("arn:aws:") else out


def policy_needs(project: SoundProject, db: IAMDatabase, name: str) -> list[tuple[str, str, str, tuple[str, ...], str]]:
    """(statement, action, resource template, condition keys, requested Region) for every request a policy grants,
    in the order of its statements, actions and resources."""
    out: list[tuple[str, str, str, tuple[str, ...], str]] = []
    for st in project.policy(name).statements:
        if st.effect != "Allow":
            continue
        label = statement_label({"Sid": st.sid}, st.index)
        for action in sorted(expand_actions([v.text for v in st.actions], db)):
            for res in st.resources:
                out.extend((label, *need) for need in _needs_of(db, display_action(action, db), res.text))
    return out


def needs(project: SoundProject, db: IAMDatabase, options: Sequence[str]) -> list[Need]:
    """Every request the options make together: option by option, role by role, policy by policy, once each."""
    out: dict[Need, None] = {}
    for option_id in options:
        for role, setup in project.catalog.options[option_id].roles.items():
            for name in setup.policies:
                for need in policy_needs(project, db, name):
                    out[Need(role, name, *need)] = None
    return list(out)


def _needs_of(db: IAMDatabase, action: str, resource: str) -> list[tuple[str, str, tuple[str, ...], str]]:
    """(action, resource template, keys, requested Region) per resource the request acts on."""
    service = action.split(":", 1)[0].lower()
    region = iamdb.global_service_region(service) or ""
    known = db.action(action)
    types = known.resource_types if known else ()
    if resource != "*" or not types:
        keys = db.condition_keys_on(action, types[0] if len(types) == 1 else "")
        return [(action, _policy_template(resource), keys, region)]
    return [(action, _template(fmt), db.condition_keys_on(action, rtype), region)
            for rtype in types for fmt in db.arn_formats(service, rtype) or ["*"]]


def _supports(keys: Iterable[str], key: str) -> bool:
    """Whether the request carries a key: one the data lists for it (aws:RequestTag/${TagKey} covers any tag)."""
    return any(iamdb.key_matches(key, k) for k in keys)


def fill(template: str, region: str, account: str) -> str:
    """A template with the Region, account and partition filled in; * for what is not given."""
    partition = iamdb.partition_of(region) if region else "aws"
    return template.replace(PARTITION, partition).replace(REGION, region or "*").replace(ACCOUNT, account or "*")


def context_for(need: Need, region: str, account: str, role_names: Mapping[str, str] | None = None) -> Context:
    """The request context of a need: known keys with values, absent keys, and every other key unknown.

    With the account and the role's name (--role-name), the caller's ARN is known too (aws:PrincipalArn).
    """
    values: dict[str, str | Shape] = {}
    name = (role_names or {}).get(need.role)
    partition = iamdb.partition_of(region) if region else "aws"
    if name and account:
        values["aws:principalarn"] = f"arn:{partition}:iam::{account}:role/{name}"
    else:  # a role of this account, whatever its name: never the root user, an IAM user or another account's role
        values["aws:principalarn"] = Shape(f"arn:{partition}:iam::{account or '*'}:role/*", shape_relation)
    requested = need.requested_region or region
    if requested:
        values["aws:requestedregion"] = requested
    for key, value in ALWAYS.items():
        if ACCOUNT not in value or account:
            values[key] = value.replace(ACCOUNT, account)
    service = need.action.split(":", 1)[0].lower()
    if region and _supports(need.keys, f"{service}:region"):
        values[f"{service}:region"] = region
    passed = PASSED_TO.get(need.action.lower())
    if passed and _supports(need.keys, "iam:passedtoservice"):
        values["iam:passedtoservice"] = passed

    def unknown(key: str) -> bool:
        if key in ABSENT:
            return False
        if key.startswith("aws:") and not key.startswith(LISTED_GLOBAL):
            return True
        return _supports(need.keys, key)

    return Context(values, unknown)


def shape_relation(shape: str, pattern: str, wildcards: bool) -> bool | None:
    """Whether every (True), none (False) or some (None) of the texts `shape` stands for match a policy value."""
    if not wildcards:
        return None if like(pattern, shape) else False
    if pattern_covers(pattern, shape):
        return True
    return False if disjoint(pattern, shape, True) else None


def request_for(need: Need, region: str, account: str, role_names: Mapping[str, str] | None = None) -> Request:
    resource = fill(need.resource, region, account)
    return Request(need.action, resource, context_for(need, region, account, role_names),
                   pattern=resource != "*" and ("*" in resource or "?" in resource))


def placeholder_values(region: str, account: str) -> Mapping[str, str]:
    """The placeholder values a role's own policies are filled in with; * for what is not given."""
    return {"REGION": region or "*", "ACCOUNT_ID": account or "*",
            "PARTITION": iamdb.partition_of(region) if region else "aws"}
