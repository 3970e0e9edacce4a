"""Print a drift report like validate prints findings: lines for people, JSON, GitHub annotations."""

from __future__ import annotations

import json

from iamdocs.drift.compare import Difference, Report
from iamdocs.output import annotation, github_log, printable


def _where(d: Difference) -> str:
    if d.loc.line:
        return f"{printable(str(d.loc.path))}:{d.loc.line}:{d.loc.col or 1}"
    return printable(str(d.loc.path))


def _label(d: Difference) -> str:
    if d.kind in ("removed", "added", "changed") and d.canonical:
        return f"{d.document} (vs {d.canonical})"
    return d.document


def text(report: Report) -> str:
    """One line per difference with file:line where known, then the summary."""
    lines = [f"{_where(d)}: {d.severity}: " + (f"{printable(_label(d))}: " if d.document else "") + printable(d.message)
             for d in report.differences]
    lines.append(printable(report.summary()))  # the summary names the file
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    items = [
        {
            "kind": d.kind,
            "severity": d.severity,
            "document": d.document,
            "canonical": d.canonical,
            "action": d.action,
            "message": d.message,
            "path": str(d.loc.path),
            "line": d.loc.line or None,
            "column": d.loc.col or None,
            "when": d.when or None,
        }
        for d in report.differences
    ]
    return json.dumps({"mode": report.mode, "source": report.source, "documents_checked": report.documents,
                       "drift": report.drift, "nothing_to_compare": report.nothing or None, "differences": items,
                       "summary": report.summary()}, indent=2) + "\n"


def github(report: Report) -> str:
    """GitHub Actions workflow commands: drift as errors, information as notices; the summary as plain text that no
    file name in it can turn into a command."""
    out = []
    for d in report.differences:
        level = "error" if d.severity == "drift" else "notice"
        out.append(annotation(level, f"{_label(d)}: {d.message}" if d.document else d.message, str(d.loc.path),
                              d.loc.line, d.loc.col, f"drift {d.kind}"))
    return "".join(f"{line}\n" for line in out) + github_log([report.summary()])


FORMATS = {"text": text, "json": as_json, "github": github}
