"""Print findings: one line each for people, JSON for machines, annotations for GitHub Actions."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from iamdocs.lint.base import Finding
from iamdocs.output import annotation, printable


@dataclass(frozen=True)
class Run:
    """What a report says about the run besides its findings; every formatter takes the same two arguments."""

    files: int  # policy files checked
    show_accepted: bool = False  # text: also print accepted findings
    iam_data: dict[str, str] | None = None  # json: the IAM data packages and versions used


def _summary(findings: list[Finding], files: int) -> str:
    counts = Counter("accepted" if f.accepted else f.severity for f in findings)
    plural = {"error": "errors", "warning": "warnings", "info": "info", "accepted": "accepted"}
    parts = [f"{counts[k]} {k if counts[k] == 1 else plural[k]}" for k in plural if counts[k]]
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    return f"{checked}: {', '.join(parts) if parts else 'no findings'}"


def text(findings: list[Finding], run: Run) -> str:
    lines = []
    for f in findings:
        if f.accepted and not run.show_accepted:
            continue
        tag = f"{f.severity} (accepted)" if f.accepted else f.severity
        lines.append(f"{_where(f)}: {f.rule} {tag}: {printable(f.message)}")
    lines.append(_summary(findings, run.files))
    return "\n".join(lines) + "\n"


def _where(f: Finding) -> str:
    line = f.loc.line or 1
    col = f.loc.col or 1
    return f"{printable(str(f.loc.path))}:{line}:{col}"


def as_json(findings: list[Finding], run: Run) -> str:
    """The report for machines, naming the IAM data packages and versions the run used."""
    items = [
        {
            "rule": f.rule,
            "severity": f.severity,
            "message": f.message,
            "path": str(f.loc.path),
            "line": f.loc.line or 1,
            "column": f.loc.col or 1,
            "accepted": f.accepted,
        }
        for f in findings
    ]
    report = {"files_checked": run.files, "findings": items, "summary": _summary(findings, run.files)}
    if run.iam_data is not None:
        report["iam_data"] = run.iam_data
    return json.dumps(report, indent=2) + "\n"


def github(findings: list[Finding], run: Run) -> str:
    """GitHub Actions workflow commands: each finding becomes an annotation on its line."""
    out = []
    for f in findings:
        if f.accepted:
            continue
        level = {"error": "error", "warning": "warning", "info": "notice"}[f.severity]
        out.append(annotation(level, f"{f.rule}: {f.message}", str(f.loc.path), f.loc.line or 1, f.loc.col or 1,
                              f.rule))
    out.append(_summary(findings, run.files))
    return "\n".join(out) + "\n"


FORMATS = {"text": text, "json": as_json, "github": github}
