"""Mutations of a product-shaped template, for the differential test of drift (test_drift_differential.py).

A mutation is the product's template (the manager role with the manager policy as a RolePolicy and the
Session Manager policy behind NEEDSROLEANDSESSIONMANAGER) with one change, made here on the documents as
data: so the test knows exactly which documents the manager role gets under the branch it fixes, and can
hand them to the oracle. Each mutation also carries the probes its change makes worth asking (the action it
adds or removes, a resource outside a narrowed pattern, a context that fails an added condition).

Nothing here asks iamdocs what a document means: the IAM data (actions, resource types, ARN formats) is
read only to write plausible documents and requests, and the canonical policies come from the loader.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from oracle.iam_simulate import MODULES

PARTITION, REGION, ACCOUNT = "aws", "us-east-1", "111122223333"
# CloudFormation's pseudo parameters, as the test deploys them (the oracle's principal is in this account).
PSEUDO = {"${AWS::Partition}": PARTITION, "${AWS::Region}": REGION, "${AWS::AccountId}": ACCOUNT}
# The policies' placeholders, spelled as CloudFormation fills them.
PLACEHOLDERS = {"<PARTITION>": "${AWS::Partition}", "<REGION>": "${AWS::Region}", "<ACCOUNT_ID>": "${AWS::AccountId}"}

MANAGER = "ManagerRole"
OTHER = "OtherRole"
NEEDSROLE = "NEEDSROLE"
WITH_SESSION = "NEEDSROLEANDSESSIONMANAGER"

# Conditions for Allow and Deny statements: (condition, context that satisfies it, context that fails it).
# Only global keys, which every request may carry. An empty context is probed too (the key is absent).
CONDITIONS: list[tuple[dict[str, Any], dict[str, str], dict[str, str]]] = [
    ({"StringEquals": {"aws:RequestedRegion": REGION}}, {"aws:RequestedRegion": REGION},
     {"aws:RequestedRegion": "eu-west-1"}),
    ({"StringEqualsIfExists": {"aws:RequestedRegion": [REGION, "us-west-2"]}}, {"aws:RequestedRegion": "us-west-2"},
     {"aws:RequestedRegion": "ap-south-1"}),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.20.30.40"}, {"aws:SourceIp": "192.0.2.7"}),
    ({"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}, {"aws:SourceIp": "10.1.1.1"}, {"aws:SourceIp": "192.0.2.9"}),
    ({"StringEquals": {"aws:PrincipalTag/team": "ai-unlimited"}}, {"aws:PrincipalTag/team": "ai-unlimited"},
     {"aws:PrincipalTag/team": "web"}),
    ({"StringLike": {"aws:PrincipalTag/project": "aiu-*"}}, {"aws:PrincipalTag/project": "aiu-7"},
     {"aws:PrincipalTag/project": "other"}),
    ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, {"aws:SecureTransport": "false"}),
]

# Random requests carry one of these contexts now and then (most carry none).
CONTEXTS: list[dict[str, str]] = [
    {"aws:RequestedRegion": REGION}, {"aws:SourceIp": "10.20.30.40"}, {"aws:PrincipalTag/team": "ai-unlimited"},
    {"aws:SecureTransport": "true"},
]


# Requests ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request to decide: an action on a resource, with a context (key, value) pairs."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()

    @staticmethod
    def of(action: str, resource: str, context: Mapping[str, str] | None = None) -> Request:
        return Request(action, resource, tuple(sorted((context or {}).items())))

    def show(self) -> str:
        ctx = ", ".join(f"{k}={v}" for k, v in self.context)
        return f"{self.action} on {self.resource}" + (f" with {ctx}" if ctx else "")

    def for_oracle(self, documents: list[Any]) -> dict[str, Any]:
        return {"identity": documents, "action": self.action, "resource": self.resource, "context": dict(self.context)}


# The IAM data, read for writing documents and requests ------------------------------------------------------------


@lru_cache(maxsize=1)
def oracle_actions() -> frozenset[str]:
    """Lower-case service:action names the oracle's own IAM data has (its package's data files).

    Targeted probes pick actions from both data sets, so that the probe that shows a change is one
    the oracle can decide; random requests do not, and the oracle's refusals of those are counted.
    """
    folder = MODULES / "@cloud-copilot" / "iam-data" / "data" / "actions"
    out: set[str] = set()
    for path in folder.glob("*.json"):
        out.update(f"{path.stem}:{name}" for name in json.loads(path.read_text(encoding="utf-8")))
    return frozenset(out)


_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def _fill_arn(fmt: str, name: Callable[[], str]) -> str:
    """An ARN format of the IAM data (`arn:${Partition}:s3:::${BucketName}`) filled in: names from `name()`."""
    fixed = {"Partition": PARTITION, "Region": REGION, "Account": ACCOUNT}
    return _VARIABLE.sub(lambda m: fixed.get(m.group(1)) or name(), fmt)


class Data:
    """What the tests need from the IAM data: actions, resource shapes, and the canonical policies' actions."""

    def __init__(self, db: Any, manager: dict[str, Any], session: dict[str, Any]) -> None:
        self.db = db
        self.known = oracle_actions()
        self.services = sorted(db.service_prefixes)
        self.canonical = sorted({a for doc in (manager, session) for a in statement_actions(doc)})
        self.canonical_low = {a.lower() for a in self.canonical}

    def random_action(self, rng: random.Random, both: bool = False, avoid: Iterable[str] = ()) -> str:
        """An action of the IAM data (with `both`: one the oracle knows too), not one of `avoid` (lower case)."""
        avoided = set(avoid)
        while True:
            actions = self.db.actions(rng.choice(self.services))
            if not actions:
                continue
            name = rng.choice(actions).full_name
            if name.lower() in avoided or (both and name.lower() not in self.known):
                continue
            return name

    def service_actions(self, service: str) -> list[str]:
        return sorted(a.full_name for a in self.db.actions(service))

    def resource_for(self, rng: random.Random, action: str, name: Callable[[], str] | None = None) -> str:
        """A resource of the right shape for the action ("*" when it has no resource type)."""
        a = self.db.action(action)
        if a is None or not a.resource_types:
            return "*"
        service = action.split(":", 1)[0].lower()
        formats = [f for rt in a.resource_types for f in self.db.arn_formats(service, rt)]
        if not formats:
            return "*"
        return _fill_arn(rng.choice(formats), name or (lambda: random_name(rng)))

    def shaped_formats(self, action: str) -> list[str]:
        """ARN formats of the action's resource types that have a name to narrow (some `${Name}` besides
        partition, Region and account)."""
        a = self.db.action(action)
        if a is None:
            return []
        service = action.split(":", 1)[0].lower()
        out = []
        for rt in a.resource_types:
            for f in self.db.arn_formats(service, rt):
                names = [v for v in _VARIABLE.findall(f) if v not in ("Partition", "Region", "Account")]
                if names:
                    out.append(f)
        return out


def random_name(rng: random.Random, prefix: str = "x") -> str:
    return prefix + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))


# Documents ----------------------------------------------------------------------------------------------------------


def plain(document: Any) -> Any:
    """A loader document as plain JSON data, placeholders in CloudFormation's spelling."""
    text = json.dumps(document)
    for placeholder, variable in PLACEHOLDERS.items():
        text = text.replace(placeholder, variable)
    return json.loads(text)


def concrete(document: Any) -> Any:
    """A document as deployed in the test's account and Region: pseudo parameters filled in."""
    if isinstance(document, str):
        for variable, value in PSEUDO.items():
            document = document.replace(variable, value)
        return document
    if isinstance(document, list):
        return [concrete(v) for v in document]
    if isinstance(document, dict):
        return {k: concrete(v) for k, v in document.items()}
    return document


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statement_actions(document: Mapping[str, Any]) -> list[str]:
    return [a for st in document["Statement"] for a in as_list(st.get("Action", []))]


@dataclass
class Doc:
    """One policy document of the template, and how it is attached."""

    logical_id: str
    document: dict[str, Any]
    kind: str = "RolePolicy"  # RolePolicy, Policy, ManagedPolicy (its Roles), ManagedArn (the role's
    # ManagedPolicyArns), Inline (the role's Policies)
    role: str = MANAGER
    condition: str | None = NEEDSROLE

    def exists(self, session: bool) -> bool:
        """Whether the template creates it with IamRole=New and the given Session value."""
        return self.condition != WITH_SESSION or session


@dataclass
class Mutation:
    number: int
    kind: str  # added, removed, widened, narrowed, denied, conditioned, elsewhere, split, redundant, reordered,
    # never-had
    what: str
    session: bool
    docs: list[Doc]
    probes: list[Request] = field(default_factory=list)
    yaml: bool = False

    @property
    def params(self) -> dict[str, str]:
        return {"IamRole": "New", "Session": "true" if self.session else "false", "IamRoleName": "",
                "IamPermissionsBoundary": ""}

    def role_documents(self) -> list[Any]:
        """The manager role's documents under the mutation's branch, as deployed."""
        return [concrete(d.document) for d in self.docs if d.role == MANAGER and d.exists(self.session)]

    def template_text(self) -> str:
        body = template(self.docs)
        if self.yaml:
            return yaml.safe_dump(body, sort_keys=False, width=120)
        return json.dumps(body, indent=2)


def _cfn(value: Any) -> Any:
    """Strings with a pseudo parameter become Fn::Sub, as a template writes them."""
    if isinstance(value, str):
        return {"Fn::Sub": value} if "${AWS::" in value else value
    if isinstance(value, list):
        return [_cfn(v) for v in value]
    if isinstance(value, dict):
        return {k: _cfn(v) for k, v in value.items()}
    return value


def _when(doc: Doc, value: Any) -> Any:
    """A value in a role's property, present only when the document's condition holds."""
    return value if doc.condition is None else {"Fn::If": [doc.condition, value, {"Ref": "AWS::NoValue"}]}


def template(docs: list[Doc]) -> dict[str, Any]:
    """The product-shaped template with these documents (parameters, conditions and the instance as the product's)."""
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]}
    roles: dict[str, dict[str, Any]] = {MANAGER: {
        "Type": "AWS::IAM::Role", "Condition": NEEDSROLE,
        "Properties": {
            "Path": "/",
            "RoleName": {"Fn::If": ["HASIAMROLENAME", {"Ref": "IamRoleName"}, {"Ref": "AWS::NoValue"}]},
            "PermissionsBoundary": {"Fn::If": ["HASIAMPERMISSIONSBOUNDARY", {"Ref": "IamPermissionsBoundary"},
                                               {"Ref": "AWS::NoValue"}]},
            "AssumeRolePolicyDocument": trust}}}
    if any(d.role == OTHER for d in docs):
        roles[OTHER] = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": copy.deepcopy(trust)}}
    policies: dict[str, dict[str, Any]] = {}
    for d in docs:
        document = _cfn(d.document)
        props = roles[d.role]["Properties"]
        head: dict[str, Any] = {"Condition": d.condition} if d.condition else {}
        if d.kind == "Inline":
            props.setdefault("Policies", []).append(_when(d, {"PolicyName": d.logical_id, "PolicyDocument": document}))
        elif d.kind == "RolePolicy":
            policies[d.logical_id] = {"Type": "AWS::IAM::RolePolicy", **head, "Properties": {
                "RoleName": {"Ref": d.role}, "PolicyName": d.logical_id, "PolicyDocument": document}}
        elif d.kind == "Policy":
            policies[d.logical_id] = {"Type": "AWS::IAM::Policy", **head, "Properties": {
                "PolicyName": {"Fn::Sub": d.logical_id + "-${AWS::StackName}"}, "Roles": [{"Ref": d.role}],
                "PolicyDocument": document}}
        elif d.kind == "ManagedPolicy":
            policies[d.logical_id] = {"Type": "AWS::IAM::ManagedPolicy", **head, "Properties": {
                "Roles": [{"Ref": d.role}], "PolicyDocument": document}}
        elif d.kind == "ManagedArn":
            policies[d.logical_id] = {"Type": "AWS::IAM::ManagedPolicy", **head, "Properties": {
                "PolicyDocument": document}}
            props.setdefault("ManagedPolicyArns", []).append(_when(d, {"Ref": d.logical_id}))
        else:
            raise ValueError(d.kind)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Manager instance with its role (differential test mutation, product shape)",
        "Parameters": {
            "Subnet": {"Type": "AWS::EC2::Subnet::Id"},
            "IamRole": {"Type": "String", "AllowedValues": ["New", "Existing"], "Default": "New"},
            "IamRoleName": {"Type": "String", "Default": ""},
            "IamPermissionsBoundary": {"Type": "String", "Default": ""},
            "Session": {"Type": "String", "AllowedValues": ["true", "false"], "Default": "false"},
        },
        "Conditions": {
            NEEDSROLE: {"Fn::Equals": [{"Ref": "IamRole"}, "New"]},
            "USESESSIONMANAGER": {"Fn::Equals": [{"Ref": "Session"}, "true"]},
            WITH_SESSION: {"Fn::And": [{"Condition": NEEDSROLE}, {"Condition": "USESESSIONMANAGER"}]},
            "HASIAMPERMISSIONSBOUNDARY": {"Fn::Not": [{"Fn::Equals": [{"Ref": "IamPermissionsBoundary"}, ""]}]},
            "HASIAMROLENAME": {"Fn::Not": [{"Fn::Equals": [{"Ref": "IamRoleName"}, ""]}]},
        },
        "Resources": {
            **roles,
            **policies,
            "InstanceProfile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {
                "Roles": [{"Fn::If": [NEEDSROLE, {"Ref": MANAGER}, {"Ref": "IamRoleName"}]}]}},
            "Instance": {"Type": "AWS::EC2::Instance", "Properties": {
                "ImageId": "ami-0123456789abcdef0", "SubnetId": {"Ref": "Subnet"},
                "IamInstanceProfile": {"Ref": "InstanceProfile"}}},
        },
    }


def write(mutation: Mutation, folder: Path) -> Path:
    path = folder / f"mutation-{mutation.number:03d}.{'yaml' if mutation.yaml else 'json'}"
    path.write_text(mutation.template_text(), encoding="utf-8")
    return path


# Mutations -----------------------------------------------------------------------------------------------------

# How many mutations of each kind, and of the sub-kinds that make drift expand every action of the IAM data
# (`Action: "*"`, `NotAction`): those take drift seconds each, so a few of them stand for the rest.
COUNTS = {"added": 24, "removed": 22, "widened": 26, "narrowed": 22, "denied": 26, "conditioned": 24,
          "elsewhere": 22, "split": 22, "redundant": 22, "reordered": 20, "never-had": 20}
EVERY_ACTION_SHARE = 0.12  # share of widened and denied mutations that are `Action: "*"` or `NotAction`
ATTACHMENTS = ("RolePolicy", "Policy", "Inline", "ManagedPolicy", "ManagedArn")


class Generator:
    """Mutations of the product-shaped template, each from a fixed random.Random: the same list every run."""

    def __init__(self, data: Data, manager: dict[str, Any], session: dict[str, Any], rng: random.Random) -> None:
        self.data, self.rng = data, rng
        self.manager, self.session = plain(manager), plain(session)
        self.number = 0

    # helpers ---------------------------------------------------------------------------------------------------

    def base(self) -> list[Doc]:
        return [Doc("ManagerPolicy", copy.deepcopy(self.manager), "RolePolicy", MANAGER, NEEDSROLE),
                Doc("SessionManagerPolicies", copy.deepcopy(self.session), "Policy", MANAGER, WITH_SESSION)]

    def new(self, kind: str, what: str, docs: list[Doc], session: bool, probes: list[Request]) -> Mutation:
        self.number += 1
        return Mutation(self.number, kind, what, session, docs, probes, yaml=self.rng.random() < 0.4)

    def probe(self, action: str, context: Mapping[str, str] | None = None, resource: str | None = None) -> Request:
        return Request.of(action, resource or self.data.resource_for(self.rng, action), context)

    def expected_actions(self, session: bool) -> set[str]:
        """Lower-case actions of the catalog's policies for the branch (what the role should have)."""
        docs = [self.manager, self.session] if session else [self.manager]
        return {a.lower() for d in docs for a in statement_actions(d)}

    def target(self, docs: list[Doc], session_share: float = 0.3) -> Doc:
        """The document to change: mostly the manager policy, sometimes the Session Manager policy (which the
        branch may not create: then the change is invisible)."""
        return docs[1] if self.rng.random() < session_share else docs[0]

    def statement_with_actions(self, doc: Doc) -> dict[str, Any]:
        return self.rng.choice([st for st in doc.document["Statement"] if "Action" in st])

    def some_actions(self, doc: Doc, n: int) -> list[str]:
        actions = statement_actions(doc.document)
        return self.rng.sample(actions, min(n, len(actions)))

    def insert_statement(self, doc: Doc, statement: dict[str, Any]) -> None:
        statements = doc.document["Statement"]
        statements.insert(self.rng.randrange(len(statements) + 1), statement)

    def remove_actions(self, doc: Doc, actions: Iterable[str]) -> None:
        gone = {a.lower() for a in actions}
        kept = []
        for st in doc.document["Statement"]:
            if "Action" in st:
                st["Action"] = [a for a in as_list(st["Action"]) if a.lower() not in gone]
                if not st["Action"]:
                    continue
            kept.append(st)
        doc.document["Statement"] = kept

    def named(self, fmt: str, first: str) -> str:
        """An ARN format with its first name `first` and any other name random (partition, Region, account as
        deployed)."""
        names = iter([first])
        return _fill_arn(fmt, lambda: next(names, None) or random_name(self.rng))

    def pattern(self, fmt: str, first: str) -> str:
        """An ARN format as a template's resource pattern: pseudo parameters, the first name `first`, others `*`."""
        fixed = {"Partition": "${AWS::Partition}", "Region": "${AWS::Region}", "Account": "${AWS::AccountId}"}
        names = iter([first])
        return _VARIABLE.sub(lambda m: fixed.get(m.group(1)) or next(names, "*"), fmt)

    def shaped(self, actions: Iterable[str]) -> list[tuple[str, str]]:
        """(action, ARN format) pairs whose resource has a name to narrow."""
        return [(a, f) for a in actions for f in self.data.shaped_formats(a)]

    # kinds -------------------------------------------------------------------------------------------------------

    def added(self) -> Mutation:
        docs, session = self.base(), self.rng.random() < 0.5
        doc = self.target(docs)
        action = self.data.random_action(self.rng, both=True, avoid=self.data.canonical_low)
        if self.rng.random() < 0.3:
            self.insert_statement(doc, {"Effect": "Allow", "Action": self.rng.choice([action, [action]]),
                                        "Resource": "*"})
            how = "in a statement of its own"
        else:
            st = self.statement_with_actions(doc)
            st["Action"] = as_list(st["Action"])
            st["Action"].insert(self.rng.randrange(len(st["Action"]) + 1), action)
            how = f"to statement {st.get('Sid', '?')}"
        probes = [self.probe(action), self.probe(action, self.rng.choice(CONTEXTS))]
        return self.new("added", f"added {action} {how} of {doc.logical_id}", docs, session, probes)

    def removed(self) -> Mutation:
        docs, session = self.base(), self.rng.random() < 0.5
        doc = self.target(docs)
        gone = self.some_actions(doc, self.rng.randint(1, 3))
        self.remove_actions(doc, gone)
        probes = [self.probe(a) for a in gone] + [self.probe(a) for a in gone]
        return self.new("removed", f"removed {', '.join(gone)} from {doc.logical_id}", docs, session, probes)

    def widened(self) -> Mutation:
        docs, session = self.base(), self.rng.random() < 0.5
        doc = self.target(docs, 0.2)
        roll = self.rng.random()
        expected = self.expected_actions(session)
        if roll < EVERY_ACTION_SHARE / 2:
            self.insert_statement(doc, {"Effect": "Allow", "Action": "*", "Resource": "*"})
            extra = [self.data.random_action(self.rng, both=True, avoid=expected) for _ in range(4)]
            probes = [self.probe(a) for a in extra]
            return self.new("widened", f'added Allow Action "*" to {doc.logical_id}', docs, session, probes)
        if roll < EVERY_ACTION_SHARE:
            spared = self.rng.sample(["iam:*", "organizations:*", "account:*", "sts:*", "kms:*"],
                                     self.rng.randint(1, 3))
            self.insert_statement(doc, {"Effect": "Allow", "NotAction": spared, "Resource": "*"})
            services = {s.split(":")[0] for s in spared}
            extra = [a for a in (self.data.random_action(self.rng, both=True, avoid=expected) for _ in range(8))
                     if a.split(":")[0].lower() not in services][:4]
            probes = [self.probe(a) for a in extra]
            inside = [a for a in self.data.service_actions(spared[0].split(":")[0])
                      if a.lower() not in expected and a.lower() in self.data.known]
            probes += [self.probe(a) for a in self.rng.sample(inside, min(2, len(inside)))]
            return self.new("widened", f"added Allow NotAction {spared} to {doc.logical_id}", docs, session, probes)
        actions = statement_actions(doc.document)
        if roll < 0.6:  # every action of one service -> service:*
            service = self.rng.choice(sorted({a.split(":")[0] for a in actions}))
            mine = [a for a in actions if a.split(":")[0] == service]
            pattern = f"{service}:*"
        else:  # the actions of one service that start alike -> service:Prefix*
            first = self.rng.choice(actions)
            service, name = first.split(":")
            prefix = re.match(r"[A-Z][a-z]+", name).group()  # type: ignore[union-attr]
            mine = [a for a in actions if a.split(":")[0] == service and a.split(":")[1].startswith(prefix)]
            pattern = f"{service}:{prefix}*"
        st = next(st for st in doc.document["Statement"] if any(a in mine for a in as_list(st.get("Action", []))))
        self.remove_actions(doc, mine)
        if st not in doc.document["Statement"]:
            st["Action"] = []
            self.insert_statement(doc, st)
        st["Action"] = [*as_list(st["Action"]), pattern]
        low = pattern.lower()[:-1]
        new = [a for a in self.data.service_actions(service)
               if a.lower().startswith(low) and a.lower() not in expected and a.lower() in self.data.known]
        probes = [self.probe(a) for a in self.rng.sample(new, min(4, len(new)))]
        probes += [self.probe(a) for a in self.rng.sample(mine, min(2, len(mine)))]
        return self.new("widened", f"{', '.join(mine)} -> {pattern} in {doc.logical_id}", docs, session, probes)

    def narrowed(self) -> Mutation:
        docs, session = self.base(), self.rng.random() < 0.5
        doc = self.target(docs, 0.2)
        candidates = [st for st in doc.document["Statement"] if self.shaped(as_list(st.get("Action", [])))]
        st = self.rng.choice(candidates)
        action, fmt = self.rng.choice(self.shaped(as_list(st["Action"])))
        st["Resource"] = self.pattern(fmt, "aiu-*")
        if self.rng.random() < 0.3:
            st["Resource"] = [st["Resource"], self.pattern(fmt, "engine-*")]
        probes = [self.probe(action, resource=self.named(fmt, random_name(self.rng, "aiu-"))),
                  self.probe(action, resource=self.named(fmt, random_name(self.rng, "zz"))),
                  self.probe(action, resource=self.named(fmt, random_name(self.rng, "engine-")))]
        others = [a for a in as_list(st["Action"]) if a != action]
        probes += [self.probe(a) for a in self.rng.sample(others, min(3, len(others)))]
        return self.new("narrowed", f"statement {st.get('Sid', '?')} of {doc.logical_id} on {st['Resource']} "
                                    "instead of *", docs, session, probes)

    def denied(self) -> Mutation:
        docs, session = self.base(), self.rng.random() < 0.5
        doc = self.target(docs, 0.2)
        roll = self.rng.random()
        needed = sorted(statement_actions(self.manager) + (statement_actions(self.session) if session else []))
        if roll < EVERY_ACTION_SHARE:
            services = sorted({a.split(":")[0] for a in needed})
            spared = [f"{s}:*" for s in self.rng.sample(services, self.rng.randint(1, 2))]
            self.insert_statement(doc, {"Effect": "Deny", "NotAction": spared, "Resource": "*"})
            outside = [a for a in needed if f"{a.split(':')[0]}:*" not in spared]
            probes = [self.probe(a) for a in self.rng.sample(outside, min(4, len(outside)))]
            return self.new("denied", f"added Deny NotAction {spared} to {doc.logical_id}", docs, session, probes)
        actions = self.rng.sample(needed, self.rng.randint(1, 3))
        statement: dict[str, Any] = {"Effect": "Deny", "Action": actions, "Resource": "*"}
        probes = [self.probe(a) for a in actions]
        how = "Deny"
        if roll < 0.55:
            cond, yes, no = self.rng.choice(CONDITIONS)
            statement["Condition"] = cond
            probes = [self.probe(a, c) for a in actions for c in (yes, no)] + probes
            how = f"Deny when {json.dumps(cond)}"
        elif roll < 0.75:
            pairs = self.shaped(actions)
            if pairs:
                action, fmt = self.rng.choice(pairs)
                statement = {"Effect": "Deny", "Action": action, "Resource": self.pattern(fmt, "aiu-*")}
                probes = [self.probe(action, resource=self.named(fmt, random_name(self.rng, "aiu-"))),
                          self.probe(action, resource=self.named(fmt, random_name(self.rng, "zz")))]
                actions, how = [action], f"Deny on {statement['Resource']}"
        self.insert_statement(doc, statement)
        return self.new("denied", f"added {how} of {', '.join(actions)} to {doc.logical_id}", docs, session, probes)

    def conditioned(self) -> Mutation:
        docs, session = self.base(), self.rng.random() < 0.5
        doc = self.target(docs)
        st = self.statement_with_actions(doc)
        cond, yes, no = self.rng.choice(CONDITIONS)
        st["Condition"] = cond
        probes = [self.probe(a, c) for a in self.rng.sample(as_list(st["Action"]), min(2, len(as_list(st["Action"]))))
                  for c in (yes, no, {})]
        return self.new("conditioned", f"statement {st.get('Sid', '?')} of {doc.logical_id} only when "
                                       f"{json.dumps(cond)}", docs, session, probes)

    def elsewhere(self) -> Mutation:
        docs = self.base()
        roll = self.rng.random()
        if roll < 0.4:  # the Session Manager policy on another role instead
            session = self.rng.random() < 0.75
            docs[1].role = OTHER
            docs[1].kind = self.rng.choice(["Policy", "ManagedPolicy"])
            probes = [self.probe(a) for a in self.some_actions(docs[1], 4)]
            return self.new("elsewhere", f"Session Manager policy ({docs[1].kind}) on {OTHER} instead of {MANAGER}",
                            docs, session, probes)
        session = self.rng.random() < 0.5
        # On another role as well, only where the manager role has it too: the oracle judges the manager role, so
        # an extra role holding the policy in a branch where the manager role does not (a Jupyter-shaped role
        # beside it, which drift takes as the Jupyter template's role) is a question this test cannot answer.
        if roll < 0.55:
            docs.append(Doc("OtherSession", copy.deepcopy(self.session), self.rng.choice(ATTACHMENTS), OTHER,
                            WITH_SESSION))
            probes = [self.probe(a) for a in self.some_actions(docs[1], 3)]
            return self.new("elsewhere", f"Session Manager policy also on {OTHER}", docs, session, probes)
        statements = docs[0].document["Statement"]
        moved = self.rng.sample(range(len(statements)), self.rng.randint(1, 3))
        part = {"Version": "2012-10-17", "Statement": [statements[i] for i in sorted(moved)]}
        docs[0].document["Statement"] = [st for i, st in enumerate(statements) if i not in moved]
        docs.append(Doc("MovedPolicy", part, self.rng.choice(ATTACHMENTS), OTHER, self.rng.choice([None, NEEDSROLE])))
        gone = [a for st in part["Statement"] for a in as_list(st["Action"])]
        probes = [self.probe(a) for a in self.rng.sample(gone, min(4, len(gone)))]
        sids = ", ".join(str(st.get("Sid")) for st in part["Statement"])
        return self.new("elsewhere", f"manager policy statements {sids} on {OTHER} ({docs[-1].kind})", docs, session,
                        probes)

    def split(self) -> Mutation:
        docs, session = self.base(), self.rng.random() < 0.5
        which = 1 if self.rng.random() < 0.2 else 0
        doc = docs[which]
        statements = doc.document["Statement"]
        if self.rng.random() < 0.4:  # cut one statement's actions in two as well
            i = self.rng.choice([n for n, st in enumerate(statements) if len(as_list(st["Action"])) > 1])
            acts = as_list(statements[i]["Action"])
            cut = self.rng.randrange(1, len(acts))
            second = {**copy.deepcopy(statements[i]), "Action": acts[cut:]}
            second.pop("Sid", None)
            statements[i]["Action"] = acts[:cut]
            statements.insert(i + 1, second)
        n = min(self.rng.randint(2, 3), len(statements))
        order = list(range(len(statements)))
        self.rng.shuffle(order)
        parts: list[list[dict[str, Any]]] = [[] for _ in range(n)]
        for k, i in enumerate(order):
            parts[k % n if k < n else self.rng.randrange(n)].append(statements[i])
        doc.document["Statement"] = parts[0]
        kinds = []
        for k, part in enumerate(parts[1:], start=2):
            kind = self.rng.choice(ATTACHMENTS)
            kinds.append(kind)
            docs.append(Doc(f"{doc.logical_id}Part{k}", {"Version": "2012-10-17", "Statement": part}, kind,
                            MANAGER, doc.condition))
        probes = [self.probe(a) for a in self.rng.sample(statement_actions(self.session if which else self.manager),
                                                           4)]
        return self.new("split", f"{doc.logical_id} split in {n} documents (the others: {', '.join(kinds)})", docs,
                        session, probes)

    def redundant(self) -> Mutation:
        docs, session = self.base(), self.rng.random() < 0.5
        doc = self.target(docs, 0.2)
        st = copy.deepcopy(self.statement_with_actions(doc))
        st.pop("Sid", None)
        roll = self.rng.random()
        actions = as_list(st["Action"])
        if roll < 0.25:
            self.insert_statement(doc, st)
            what = "a statement repeated in the same document"
        elif roll < 0.5:
            docs.append(Doc("Repeated", {"Version": "2012-10-17", "Statement": [st]}, self.rng.choice(ATTACHMENTS),
                            MANAGER, doc.condition))
            what = "a statement repeated in another document of the role"
        elif roll < 0.75:
            st["Action"] = self.rng.sample(actions, max(1, len(actions) // 2))
            pairs = self.shaped(st["Action"])
            if pairs:
                st["Resource"] = self.pattern(self.rng.choice(pairs)[1], "aiu-*")
            self.insert_statement(doc, st)
            what = f"a subset of a statement's actions again, on {st['Resource']}"
        else:
            st["Action"] = self.rng.sample(actions, max(1, len(actions) // 2))
            st["Condition"], _, _ = self.rng.choice(CONDITIONS)
            self.insert_statement(doc, st)
            what = f"a subset of a statement's actions again, when {json.dumps(st['Condition'])}"
        contexts = [{}, *[c for _, c, _ in CONDITIONS[:3]], *[c for _, _, c in CONDITIONS[:3]]]
        probes = [self.probe(a, self.rng.choice(contexts)) for a in self.rng.sample(actions, min(4, len(actions)))]
        return self.new("redundant", f"{what} ({doc.logical_id})", docs, session, probes)

    def reordered(self) -> Mutation:
        docs, session = self.base(), self.rng.random() < 0.5
        recased: list[str] = []
        for doc in docs:
            self.rng.shuffle(doc.document["Statement"])
            for st in doc.document["Statement"]:
                acts = as_list(st["Action"])
                self.rng.shuffle(acts)
                for i, a in enumerate(acts):
                    if self.rng.random() < 0.15:
                        service, name = a.split(":")
                        acts[i] = self.rng.choice([service.upper(), service]) + ":" + self.rng.choice(
                            [name.lower(), name.upper(), name.swapcase()])
                        recased.append(a)
                st["Action"] = acts[0] if len(acts) == 1 and self.rng.random() < 0.5 else acts
                if self.rng.random() < 0.3:
                    st["Resource"] = as_list(st["Resource"])
        probes = [self.probe(a) for a in self.rng.sample(recased, min(4, len(recased)))]
        return self.new("reordered", f"statements and actions shuffled, {len(recased)} actions recased", docs,
                        session, probes)

    def never_had(self) -> Mutation:
        docs, session = self.base(), self.rng.random() < 0.5
        expected = self.expected_actions(session)
        if not session and self.rng.random() < 0.3:  # the Session Manager actions, in a branch without them
            actions = self.rng.sample(statement_actions(self.session), self.rng.randint(1, 3))
        elif self.rng.random() < 0.3:  # every action of a service the role does not use
            used = {a.split(":")[0].lower() for a in expected}
            service = next(s for s in iter(lambda: self.rng.choice(self.data.services), None) if s not in used
                           and any(a.lower() in self.data.known for a in self.data.service_actions(s)))
            actions = [f"{service}:*"]
        else:
            actions = [self.data.random_action(self.rng, both=True, avoid=expected)
                       for _ in range(self.rng.randint(1, 3))]
        statement: dict[str, Any] = {"Effect": "Deny", "Action": actions, "Resource": "*"}
        if self.rng.random() < 0.3:
            statement["Condition"] = self.rng.choice(CONDITIONS)[0]
        doc = docs[0]
        if self.rng.random() < 0.3:
            docs.append(Doc("Guard", {"Version": "2012-10-17", "Statement": [statement]},
                            self.rng.choice(ATTACHMENTS), MANAGER, NEEDSROLE))
        else:
            self.insert_statement(doc, statement)
        shown = [a for a in actions if not a.endswith(":*")] or [
            a for a in self.data.service_actions(actions[0].split(":")[0]) if a.lower() in self.data.known][:3]
        probes = [self.probe(a) for a in shown[:3]]
        return self.new("never-had", f"added a Deny of {', '.join(actions)}, which the role never had"
                        + (" (when a condition holds)" if "Condition" in statement else ""), docs, session, probes)

    def all(self) -> list[Mutation]:
        makers = {"added": self.added, "removed": self.removed, "widened": self.widened, "narrowed": self.narrowed,
                  "denied": self.denied, "conditioned": self.conditioned, "elsewhere": self.elsewhere,
                  "split": self.split, "redundant": self.redundant, "reordered": self.reordered,
                  "never-had": self.never_had}
        schedule = [k for k, n in COUNTS.items() for _ in range(n)]
        self.rng.shuffle(schedule)
        return [makers[k]() for k in schedule]


def random_requests(data: Data, rng: random.Random, n: int) -> list[Request]:
    """Requests that are not about any one mutation: the canonical actions and any action of the IAM data, on a
    resource of the right shape, now and then with a context."""
    out = []
    for _ in range(n):
        action = rng.choice(data.canonical) if rng.random() < 0.6 else data.random_action(rng)
        context = rng.choice(CONTEXTS) if rng.random() < 0.25 else {}
        out.append(Request.of(action, data.resource_for(rng, action), context))
    return out
