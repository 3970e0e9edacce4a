from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from iamdocs.iamdb import is_region, partitions
from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile

_ACCOUNT = re.compile(r"[0-9]{12}")

# The ARN fields a customer's own value goes into (arn:partition:service:region:account:resource), with what a
# value of that kind looks like: a placeholder stands for a field when its catalog example is such a value.
_FIELDS: tuple[tuple[int, str, Callable[[str], bool]], ...] = (
    (1, "partition", lambda v: v in partitions()),
    (3, "Region", is_region),
    (4, "account ID", lambda v: bool(_ACCOUNT.fullmatch(v))),
)


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
        "placeholder when the placeholder's catalog example is a value of that field's kind (a Region, an account "
        "ID, a partition) and the field's text fits the placeholder's pattern. Only the project's "
        "own policies are checked: a policy read on its own (another account's) may name its account."
    )
    project_only = True

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        if ctx.catalog is None:
            return
        placeholders = ctx.catalog.placeholders
        for st in f.statements:
            for r in [*st.resources, *st.not_resources]:
                parts = r.text.split(":", 5)
                if parts[0] != "arn" or len(parts) != 6:
                    continue  # not an ARN: E033
                for index, label, of_kind in _FIELDS:
                    value = parts[index]
                    if not _literal(value):
                        continue
                    for name, p in placeholders.items():
                        if of_kind(p.example) and re.search(p.pattern, value):
                            yield self.finding(
                                f'resource "{r.text}" hard-codes the {label} "{value}": write <{name}>, '
                                "the placeholder the catalog declares for it, so each customer fills in their own",
                                r.loc)
