from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile


class UnusedPlaceholder(Rule):
    id = "W031"
    name = "unused-placeholder"
    description = "A placeholder listed for a policy in the catalog should appear in that policy."
    explanation = (
        "The guide asks customers to fill in every placeholder listed for a policy; one the policy does not "
        "use is a step for nothing, or a sign that the policy lost a resource ARN."
    )
    project_only = True

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        if f.meta is None or f.root is None or ctx.catalog is None:
            return
        used = {name for name, _ in f.placeholders_used()}
        for i, name in enumerate(f.meta.placeholders):
            if name not in used:
                yield self.finding(f"placeholder <{name}> is listed for {f.name} but the policy does not use it",
                                   ctx.catalog.locate(["policies", f.name, "placeholders", i]))
