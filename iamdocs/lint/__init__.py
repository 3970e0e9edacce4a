"""Lint rules for policy documents and the catalog.

Each rule lives in its own module under `iamdocs/lint/rules/`, is discovered by
walking that folder, and only yields findings; formatters print them. The
first letter of a rule ID is its severity: E error, W warning, I information.
"""

from iamdocs.lint.base import Context, Finding, Rule, discover_rules, iter_findings, run

__all__ = ["Context", "Finding", "Rule", "discover_rules", "iter_findings", "run"]
