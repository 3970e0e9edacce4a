"""Print findings: one line each for people, JSON for machines, annotations for GitHub Actions.

Each format takes the findings as they come (in report order) and yields its text piece by piece, so that a
run over many lone files writes each file's findings when it is done with it and keeps none of them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from iamdocs.lint.base import Finding
from iamdocs.output import annotation, printable


@dataclass(frozen=True)
class Run:
    """What a report says about the run besides its findings; every formatter takes the same two arguments."""

    files: int  # policy files checked
    show_accepted: bool = False  # text: also print accepted findings
    iam_data: dict[str, str] | None = None  # json: the IAM data packages and versions used


def _kind(f: Finding) -> str:
    return "accepted" if f.accepted else f.severity


def _summary(counts: Counter, files: int) -> str:
    plural = {"error": "errors", "warning": "warnings", "info": "info", "accepted": "accepted"}
    parts = [f"{counts[k]} {k if counts[k] == 1 else plural[k]}" for k in plural if counts[k]]
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    return f"{checked}: {', '.join(parts) if parts else 'no findings'}"


def text(findings: Iterable[Finding], run: Run) -> Iterator[str]:
    counts: Counter = Counter()
    for f in findings:
        counts[_kind(f)] += 1
        if f.accepted and not run.show_accepted:
            continue
        tag = f"{f.severity} (accepted)" if f.accepted else f.severity
        yield f"{_where(f)}: {f.rule} {tag}: {printable(f.message)}\n"
    yield _summary(counts, run.files) + "\n"


def _where(f: Finding) -> str:
    line = f.loc.line or 1
    col = f.loc.col or 1
    return f"{printable(str(f.loc.path))}:{line}:{col}"


def as_json(findings: Iterable[Finding], run: Run) -> Iterator[str]:
    """The report for machines, naming the IAM data packages and versions the run used.

    The text is what `json.dumps(report, indent=2)` gives for the whole report, written one finding at a time.
    """
    counts: Counter = Counter()
    yield f'{{\n  "files_checked": {json.dumps(run.files)},\n  "findings": ['
    sep = "\n    "
    for f in findings:
        counts[_kind(f)] += 1
        item = {
            "rule": f.rule,
            "severity": f.severity,
            "message": f.message,
            "path": str(f.loc.path),
            "line": f.loc.line or 1,
            "column": f.loc.col or 1,
            "accepted": f.accepted,
        }
        yield sep + json.dumps(item, indent=2).replace("\n", "\n    ")  # JSON strings hold no raw newline
        sep = ",\n    "
    yield "]" if not counts else "\n  ]"
    rest: dict = {"summary": _summary(counts, run.files)}
    if run.iam_data is not None:
        rest["iam_data"] = run.iam_data
    yield "," + json.dumps(rest, indent=2)[1:] + "\n"


def github(findings: Iterable[Finding], run: Run) -> Iterator[str]:
    """GitHub Actions workflow commands: each finding becomes an annotation on its line."""
    counts: Counter = Counter()
    for f in findings:
        counts[_kind(f)] += 1
        if f.accepted:
            continue
        level = {"error": "error", "warning": "warning", "info": "notice"}[f.severity]
        yield annotation(level, f"{f.rule}: {f.message}", str(f.loc.path), f.loc.line or 1, f.loc.col or 1,
                         f.rule) + "\n"
    yield _summary(counts, run.files) + "\n"


FORMATS = {"text": text, "json": as_json, "github": github}
