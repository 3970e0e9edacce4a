from __future__ import annotations

import re
from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile

# The ARN fields a customer's own value goes into (arn:partition:service:region:account:resource).
_FIELDS = ((1, "partition"), (3, "Region"), (4, "account ID"))


def _literal(field: str) -> bool:
    """A field that is written out, not a placeholder, a wildcard or a policy variable."""
    return bool(field) and not any(c in field for c in "<>*?$")


class LiteralForPlaceholder(Rule):
    id = "E034"
    name = "literal-for-placeholder"
    description = "An ARN must not hard-code a Region or account ID where the catalog declares a placeholder."
    explanation = (
        "A canonical policy serves every customer: a literal us-east-1 or account ID in it is the writer's own "
        "value, and a customer who copies it grants access in the wrong Region or account. A field matches a "
        "placeholder when its text fits the pattern the catalog declares for that placeholder. Only the project's "
        "own policies are checked: a policy read on its own (another account's) may name its account."
    )
    project_only = True

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        if ctx.catalog is None:
            return
        declared = [(name, re.compile(p.pattern)) for name, p in ctx.catalog.placeholders.items()]
        for st in f.statements:
            for r in [*st.resources, *st.not_resources]:
                parts = r.text.split(":", 5)
                if parts[0] != "arn" or len(parts) != 6:
                    continue  # not an ARN: E033
                for index, label in _FIELDS:
                    value = parts[index]
                    if not _literal(value):
                        continue
                    for name, pattern in declared:
                        if pattern.search(value):
                            yield self.finding(
                                f'resource "{r.text}" hard-codes the {label} "{value}": write <{name}>, '
                                "the placeholder the catalog declares for it, so each customer fills in their own",
                                r.loc)
