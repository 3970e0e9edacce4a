"""The shared guardrail cases (tests/cases/preflight.json), as files for the CLI and as text for the browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CASES_FILE = Path(__file__).resolve().parent / "cases" / "preflight.json"


def load_cases() -> list[dict[str, Any]]:
    return json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]


def cli_args(case: dict[str, Any], folder: Path) -> list[str]:
    """`iamdocs preflight` arguments for a case, each level written to a file of its own in `folder`."""
    args = ["preflight", "--format", "json", "--account", case["account"]]
    if case["region"]:
        args += ["--region", case["region"]]
    for option in case["options"]:
        args += ["--option", option]
    for role, name in case.get("role_names", {}).items():
        args += ["--role-name", f"{role}={name}"]
    for kind in ("scp", "rcp"):
        for i, level in enumerate(case[kind + "s"]):
            path = folder / f"{kind}-level-{i + 1}.json"
            path.write_text(json.dumps(level, indent=2), encoding="utf-8")
            args += [f"--{kind}", str(path)]
    if case["boundary"]:
        path = folder / "boundary.json"
        path.write_text(json.dumps(case["boundary"], indent=2), encoding="utf-8")
        args += ["--boundary", str(path)]
    return args


def outcome(result: dict[str, Any], expect: dict[str, Any]) -> dict[str, Any]:
    """The result (iamdocs preflight's JSON, or the browser's) in the terms the case's expectation uses."""
    blocked: dict[str, set] = {}
    for b in result["blocked"]:
        blocked.setdefault(b["action"], set()).add(b["statement"])
    conditional: dict[str, set] = {}
    for c in result["conditional"]:
        conditional.setdefault(c["action"], set()).add((c["key"], c["statement"]))
    out: dict[str, Any] = {"allowed": result["allowed"], "blocked": len(blocked), "conditional": len(conditional)}
    if "some_blocked" in expect:
        out["some_blocked"] = {a: s if s in blocked.get(a, set()) else sorted(map(str, blocked.get(a, set())))
                               for a, s in expect["some_blocked"].items()}
    if "not_blocked" in expect:
        out["not_blocked"] = [a for a in expect["not_blocked"] if a not in blocked]
    if "some_conditional" in expect:
        found = {a: conditional.get(a, set()) for a in expect["some_conditional"]}
        out["some_conditional"] = {a: ks if tuple(ks) in found[a] else sorted(found[a])
                                   for a, ks in expect["some_conditional"].items()}
    return out
