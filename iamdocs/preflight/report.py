"""A preflight result as text for a person and JSON for a program."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from iamdocs.output import count, printable
from iamdocs.preflight.check import Finding, Result, where
from iamdocs.preflight.needs import fill


def _place(f: Finding) -> str:
    o = f.origin
    return f"{o.file}:{o.line}:{o.col}" if o.line else o.file


def _resource(f: Finding, result: Result) -> str:
    return fill(f.resource, result.region, result.account)


def text(result: Result) -> str:
    head = (f"iamdocs preflight: {', '.join(result.options)} in {result.region or 'any Region (--region not given)'}"
            f", account {result.account or 'not given'}")
    lines = [printable(head), *(printable(f"  checked against {g}") for g in result.guardrails or ["no guardrails"])]
    for f in result.blocked:
        lines.append(printable(f"blocked: {f.action} ({f.role} role, {_resource(f, result)})"))
        statement = f" statement {f.origin.statement}" if f.origin.statement else ""
        lines.append(printable(f"  {_place(f)}{statement} ({where(f.origin)}): {f.reason}"))
        lines.append(printable(f"  breaks: {f.breaks} [{f.policy}, {f.sid}]"))
    for f in result.conditional:
        subject = "the name of the resource" if f.key == "Resource" else f.key
        lines.append(printable(f"conditional: {f.action} ({f.role} role, {_resource(f, result)}): "
                               f"depends on {subject}"))
        lines.append(printable(f"  {_place(f)} statement {f.origin.statement} ({where(f.origin)})"))
        lines.append(printable(f"  breaks if not met: {f.breaks} [{f.policy}, {f.sid}]"))
    blocked = len({f.action for f in result.blocked})
    conditional = len({f.action for f in result.conditional})
    if result.allowed:
        lines.append(f"allowed: all {count(result.actions, 'action')} the options need")
    else:
        lines.append(f"not allowed: {blocked} of {count(result.actions, 'action')} blocked, {conditional} conditional")
    return "\n".join(lines) + "\n"


def as_data(result: Result) -> dict[str, Any]:
    def common(f: Finding) -> dict[str, Any]:
        return {"action": f.action, "file": f.origin.file, "line": f.origin.line, "column": f.origin.col,
                "statement": f.origin.statement or None, "part": f.origin.part, "level": f.origin.level,
                "role": f.role, "resource": _resource(f, result), "policy": f.policy, "policy_statement": f.sid,
                "breaks": f.breaks}

    return {
        "allowed": result.allowed,
        "options": result.options,
        "region": result.region or None,
        "account": result.account or None,
        "actions": result.actions,
        "blocked": [{**common(f), "reason": f.reason} for f in result.blocked],
        "conditional": [{**common(f), "key": f.key} for f in result.conditional],
    }


def as_json(result: Result) -> str:
    return json.dumps(as_data(result), indent=2) + "\n"


FORMATS: dict[str, Callable[[Result], str]] = {"text": text, "json": as_json}
