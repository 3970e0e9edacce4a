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
