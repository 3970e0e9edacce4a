"""The catalog's common guardrails: each one checked as `iamdocs preflight` checks it, with and without its exception.

The exception is made from the catalog and the policies, never written out twice: an exemption
of AI Unlimited's roles is added to each Deny statement of the guardrail, and an Allow statement
lists the services or the exact actions the options need (from the policy files).
"""

from __future__ import annotations

import copy
from typing import Any

from iamdocs import placeholders
from iamdocs.grants import display_action, expand_actions
from iamdocs.iamdb import IAMDatabase
from iamdocs.model import Guardrail, SoundProject
from iamdocs.preflight.check import Result, preflight
from iamdocs.preflight.inputs import AWS_MANAGED, Document, layer

EXCEPTION_SID = "AllowAIUnlimited"


def needed_actions(project: SoundProject, db: IAMDatabase, options: list[str]) -> list[str]:
    """Every action the options' policies grant, as AWS spells them, sorted."""
    found: set[str] = set()
    for option in options:
        for setup in project.catalog.options[option].roles.values():
            for name in setup.policies:
                for st in project.policy(name).statements:
                    if st.effect == "Allow":
                        found |= expand_actions([v.text for v in st.actions], db)
    return sorted({display_action(a, db) for a in found}, key=str.lower)


def exception_statements(project: SoundProject, db: IAMDatabase, g: Guardrail) -> list[dict[str, Any]]:
    """The statements that let AI Unlimited through: the guardrail's Deny statements with the exemption of its
    roles, or the Allow statement it lacks."""
    if g.exception_kind == "exempt-roles":
        out = []
        for st in g.document["Statement"]:
            if st.get("Effect") != "Deny":
                continue
            st = copy.deepcopy(st)
            tests = st.setdefault("Condition", {}).setdefault("ArnNotLike", {})
            before = tests.get("aws:PrincipalArn", [])
            tests["aws:PrincipalArn"] = [*(before if isinstance(before, list) else [before]), *g.exception_roles]
            out.append(st)
        return out
    actions = needed_actions(project, db, g.options)
    if g.exception_kind == "allow-services":
        actions = sorted({a.split(":", 1)[0] + ":*" for a in actions})
    return [{"Sid": EXCEPTION_SID, "Effect": "Allow", "Action": actions, "Resource": "*"}]


def with_exception(project: SoundProject, db: IAMDatabase, g: Guardrail) -> dict[str, Any]:
    """The guardrail with its exception: Deny statements replaced by their exempting form, or the Allow added."""
    doc = copy.deepcopy(g.document)
    extra = exception_statements(project, db, g)
    if g.exception_kind == "exempt-roles":
        changed = iter(extra)
        doc["Statement"] = [next(changed) if st.get("Effect") == "Deny" else st for st in doc["Statement"]]
    else:
        doc["Statement"] = [*doc["Statement"], *extra]
    return doc


def check(project: SoundProject, db: IAMDatabase, g: Guardrail, document: dict[str, Any]) -> Result:
    """The guardrail (or its amended form) as preflight decides it, for the options, Region and role names
    the catalog gives, and the catalog's example account (which fills <ACCOUNT_ID>)."""
    account = placeholders.examples(project.catalog).get("ACCOUNT_ID", "")
    filled = placeholders.fill(document, {"ACCOUNT_ID": account, "REGION": g.region})
    where = f"catalog guardrail {g.id}"
    docs = [Document(where, filled)]
    if g.attached == "scp":  # a Deny beside FullAWSAccess, as organisations attach them; an allow-list replaces it
        docs.insert(0, Document("FullAWSAccess", copy.deepcopy(AWS_MANAGED["p-FullAWSAccess"])))
    if g.attached == "boundary":
        return preflight(project, db, g.options, boundary=layer("boundary", 0, docs, [where]), region=g.region,
                         account=account, role_names=g.role_names)
    return preflight(project, db, g.options, scps=[layer("scp", 1, docs, [where])], region=g.region, account=account,
                     role_names=g.role_names)
