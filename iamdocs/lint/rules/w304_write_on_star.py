from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule, statement_key
from iamdocs.lint.statements import allow_statements_on_star
from iamdocs.model import PolicyFile
from iamdocs.output import count, short_list


class WriteOnStar(Rule):
    id = "W304"
    name = "write-on-star"
    description = 'Write and tagging actions that accept resource ARNs should not be allowed on Resource "*".'
    explanation = (
        "An action that AWS lets you restrict to resource ARNs but that is granted on every resource reaches "
        "resources the product never created. Actions that support only \"*\" are not counted: there is nothing "
        "narrower to write. One finding per statement gives the count and the first names; the catalog accepts "
        "it by Sid and exact set of actions. NotResource and NotAction count for what they allow."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        for st, star, reach in allow_statements_on_star(f):
            names = sorted(a.full_name for a, _ in ctx.granted_actions(st).values()
                           if a.access_level in ("Write", "Tagging") and a.resource_types)
            if names:
                yield self.finding(f"{count(len(names), 'write action')} on {reach} could be limited to "
                                   f"resource ARNs: {short_list(names, 4)}", star.loc, statement_key(st, names))
