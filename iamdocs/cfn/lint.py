"""Run cfn-lint on the generated template through its Python API.

cfn-lint is imported only here and only when called: it takes about a second
to load its schemas, which `iamdocs validate` and the site build should not pay.
"""

from __future__ import annotations

from dataclasses import dataclass

from iamdocs.cfn.template import template_yaml
from iamdocs.model import Project

LEVELS = {"E": "error", "W": "warning", "I": "informational"}


@dataclass(frozen=True)
class CfnFinding:
    rule: str  # cfn-lint rule ID, e.g. E3012; the first letter is the severity
    level: str  # error, warning or informational
    message: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: {self.rule} {self.message}"


def lint_text(text: str, regions: list[str] | None = None) -> list[CfnFinding]:
    """cfn-lint's findings for a template given as YAML or JSON text."""
    from cfnlint.api import lint  # lazy: cfn-lint takes about a second to import; only the template check needs it

    out = []
    for m in lint(text, regions=regions or ["us-east-1"]):
        rule = m.rule.id
        out.append(CfnFinding(rule, LEVELS.get(rule[:1], "error"), m.message, m.linenumber, m.columnnumber))
    return out


def lint_template(project: Project, regions: list[str] | None = None) -> list[CfnFinding]:
    """cfn-lint's findings for the manager template that iamdocs generates from `project`."""

    return lint_text(template_yaml(project), regions)


def errors(findings: list[CfnFinding]) -> list[CfnFinding]:
    """Only errors fail the check: cfn-lint warnings and informational findings are reported, not fatal."""
    return [f for f in findings if f.level == "error"]
