"""The shared role-check cases (tests/cases/role-check.json), made into paste text for both implementations."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

CASES_FILE = Path(__file__).resolve().parents[1] / "cases" / "role-check.json"


def load_cases() -> list[dict[str, Any]]:
    return json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]


def _policy(spec: dict[str, Any], project) -> Any:
    doc = copy.deepcopy(project.policy(spec["$policy"]).document)
    if "fill" in spec:  # placeholders filled in as a customer does: {"REGION": "eu-west-1", ...}
        text = json.dumps(doc)
        for name, value in spec["fill"].items():
            text = text.replace(f"<{name}>", value)
        doc = json.loads(text)
    drop = {a.lower() for a in spec.get("without", [])}
    recase = {"lower": str.lower, "upper": str.upper}.get(spec.get("case", ""), lambda s: s)
    for st in doc["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        st["Action"] = [recase(a) for a in actions if a.lower() not in drop]
    doc["Statement"] = [st for st in doc["Statement"] if st["Action"]]
    return doc


def _fill(value: Any, project) -> Any:
    if isinstance(value, dict):
        if "$policy" in value:
            return _policy(value, project)
        return {k: _fill(v, project) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, project) for v in value]
    return value


def paste_text(case: dict[str, Any], project) -> str:
    """What the reader pastes for this case: the command's JSON output, or raw text."""
    paste = case["paste"]
    if isinstance(paste, dict) and "$text" in paste:
        return paste["$text"]
    return json.dumps(_fill(paste, project), indent=4)


def outcome(result: dict[str, Any], expect: dict[str, Any]) -> dict[str, Any]:
    """The result in the case's terms: an error is compared by the words the case names."""
    if "error" in expect:
        return {"error": expect["error"] if expect["error"] in result.get("error", "") else result}
    return result


# Every valid combination of the catalog's options, and the policies a customer gives each of its roles (managed,
# inline), written out by hand from the facts file: what the guide's steps or the template create.
WS, WO, ENG, SM = ("ai-unlimited-workspaces.json", "ai-unlimited-without-iam-role-permissions.json",
                   "ai-unlimited-engine.json", "session-manager.json")
COMBINATIONS: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "engine-a": {"manager": ([WS], [])},
    "engine-a+session-manager": {"manager": ([WS, SM], [])},
    "engine-a+permissions-boundary": {"manager": ([WS], [])},
    "engine-a+session-manager+permissions-boundary": {"manager": ([WS, SM], [])},
    "engine-b": {"manager": ([WO], []), "engine": ([ENG], [])},
    "engine-b+session-manager": {"manager": ([WO, SM], []), "engine": ([ENG], [])},
    "engine-b+permissions-boundary": {"manager": ([WO], []), "engine": ([ENG], [])},
    "engine-b+session-manager+permissions-boundary": {"manager": ([WO, SM], []), "engine": ([ENG], [])},
    "cloudformation-new-role": {"manager": ([], [WS])},
    "cloudformation-new-role+session-manager": {"manager": ([], [WS, SM])},
    "cloudformation-new-role+permissions-boundary": {"manager": ([], [WS])},
    "cloudformation-new-role+session-manager+permissions-boundary": {"manager": ([], [WS, SM])},
}
ACCOUNT, REGION = "111122223333", "eu-west-1"


def combination_cases() -> list[dict[str, Any]]:
    """For every combination and each of its roles, the paste of a role made for it: nothing missing, nothing extra."""
    out = []
    fill = {"PARTITION": "aws", "REGION": REGION, "ACCOUNT_ID": ACCOUNT}
    for combo, roles in COMBINATIONS.items():
        for role, (managed, inline) in roles.items():
            name = f"{role}-role"
            attached, policies = [], []
            for i, f in enumerate(managed):
                arn = f"arn:aws:iam::{ACCOUNT}:policy/p{i}"
                attached.append({"PolicyName": f"p{i}", "PolicyArn": arn})
                policies.append({"PolicyName": f"p{i}", "Arn": arn, "DefaultVersionId": "v1", "PolicyVersionList": [
                    {"Document": {"$policy": f, "fill": fill}, "VersionId": "v1", "IsDefaultVersion": True}]})
            paste = {"RoleDetailList": [{
                "RoleName": name, "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "AttachedManagedPolicies": attached,
                "RolePolicyList": [{"PolicyName": f"inline{i}", "PolicyDocument": {"$policy": f, "fill": fill}}
                                   for i, f in enumerate(inline)]}], "Policies": policies}
            out.append({"name": f"{combo} as {role}", "paste": paste, "role": name, "option": combo, "as": role,
                        "region": REGION, "expect": {"missing": [], "denied": [], "extra": []}})
    return out
