from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from iamdocs.iamdb import IAMDatabase
from iamdocs.lint.actions import is_wildcard
from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile, Statement, Value
from iamdocs.placeholders import normalize


def _scope(st: Statement) -> tuple:
    """Statements with the same scope grant the same thing for each action they name."""
    resources = frozenset(normalize(r.text) for r in st.resources)
    return (st.effect, resources, repr(sorted((st.condition or {}).items())))


@dataclass
class _Seen:
    """Action entries seen so far, indexed so that each lookup is cheap on large policies."""

    names: dict[str, tuple[Value, Statement]] = field(default_factory=dict)
    wildcards: list[tuple[Value, Statement, set[str]]] = field(default_factory=list)

    def add(self, v: Value, st: Statement, db: IAMDatabase) -> None:
        self.names.setdefault(v.text.lower(), (v, st))
        if is_wildcard(v.text):
            self.wildcards.append((v, st, {a.full_name.lower() for a in db.expand(v.text)}))

    def duplicate_of(self, v: Value, db: IAMDatabase) -> tuple[str, Value, Statement] | None:
        hit = self.names.get(v.text.lower())
        if hit is not None:
            return "already listed as", hit[0], hit[1]
        if is_wildcard(v.text) or not self.wildcards:
            return None
        mine = {a.full_name.lower() for a in db.expand(v.text)}
        for other, st, covered in self.wildcards:
            if mine and mine <= covered:
                return "already covered by", other, st
        return None


class DuplicateAction(Rule):
    id = "W022"
    name = "duplicate-action"
    description = (
        "An action should be named once per statement and once across Allow statements with the same resources."
    )
    explanation = (
        "A repeated action (in any letter case) or one that a wildcard beside it already covers adds nothing; "
        "when the two copies are later edited apart, the policy no longer says what its reader thinks."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        db = ctx.iam
        by_scope: dict[tuple, _Seen] = {}  # Allow statements with the same resources and condition
        for st in f.statements:
            if not st.actions:
                continue
            scope = _scope(st) if st.effect == "Allow" and st.resources else None
            here = _Seen()
            across = by_scope.get(scope) if scope is not None else None
            for v in st.actions:
                hit = here.duplicate_of(v, db)
                suffix = ""
                if hit is None and across is not None:
                    hit = across.duplicate_of(v, db)
                    if hit is not None:
                        name = f' "{hit[2].sid}"' if hit[2].sid else ""
                        suffix = f" in statement{name} on line {hit[2].loc.line}, which has the same resources"
                if hit is not None:
                    how, other, _ = hit
                    yield self.finding(f'"{v.text}" is {how} "{other.text}" on line {other.loc.line}{suffix}', v.loc)
                here.add(v, st, db)
            if scope is not None:
                seen = by_scope.setdefault(scope, _Seen())
                for v in st.actions:
                    seen.add(v, st, db)
