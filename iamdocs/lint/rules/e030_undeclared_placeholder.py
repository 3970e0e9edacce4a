from __future__ import annotations

import re
from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile

WELL_FORMED = re.compile(r"[A-Z][A-Z0-9_]*")


class UndeclaredPlaceholder(Rule):
    id = "E030"
    name = "undeclared-placeholder"
    description = "A <PLACEHOLDER> must be declared in the catalog's placeholders and in the policy's own entry."
    explanation = (
        "The guide tells customers what to fill in from the catalog: a placeholder that is not declared there "
        "reaches customers unexplained. Lone files are checked against the project's declared placeholders."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        catalog = ctx.catalog
        if catalog is None:
            return  # E090 reports the catalog; nothing to compare with
        for name, loc in f.placeholders_used():
            if not WELL_FORMED.fullmatch(name):
                continue  # E032
            if name not in catalog.placeholders:
                declared = ", ".join(f"<{n}>" for n in catalog.placeholders) or "none"
                yield self.finding(f"placeholder <{name}> is not declared in the catalog's placeholders "
                                   f"(declared: {declared})", loc)
            elif f.meta is not None and name not in f.meta.placeholders:
                yield self.finding(f"placeholder <{name}> is not listed in the placeholders of {f.name} "
                                   "in the catalog", loc)
