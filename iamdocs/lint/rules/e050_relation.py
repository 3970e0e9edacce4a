from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from iamdocs.grants import Grant, display_action, document_grants, expand_actions
from iamdocs.lint.actions import misspelled
from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import Relation
from iamdocs.output import short_list


def _by_action(grants: set[Grant]) -> dict[str, set[tuple[str, str, str]]]:
    out: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for g in grants:
        out[g.action].add((g.effect, g.resource, g.condition))
    return out


class RelationHolds(Rule):
    id = "E050"
    name = "relation"
    description = "Each relation in the catalog (policy = other policy - minus + plus) must hold."
    explanation = (
        "Relations state what customers are told, e.g. that the two manager policies differ by exactly three "
        "actions. When a policy is edited alone, the relation fails and names the actions that differ. Actions "
        "are compared case-insensitively with wildcards expanded; shared actions must also have the same "
        "resources and conditions."
    )
    project_only = True

    def check_project(self, ctx: Context) -> Iterable[Finding]:
        files = {f.name: f for f in ctx.project.files if f.root is not None}
        for rel in ctx.catalog.relations:
            if rel.policy in files and rel.equals in files:
                problems = self._problems(rel, files[rel.policy].document, files[rel.equals].document, ctx)
                if problems:
                    yield self.finding(f"{rel.policy} should equal {self._formula(rel)}, but " + "; ".join(problems),
                                       rel.loc)

    @staticmethod
    def _formula(rel: Relation) -> str:
        out = rel.equals
        if rel.minus:
            out += f" minus {', '.join(rel.minus)}"
        if rel.plus:
            out += f" plus {', '.join(rel.plus)}"
        return out

    @staticmethod
    def _problems(rel: Relation, policy: object, base: object, ctx: Context) -> list[str]:
        db = ctx.iam
        show = lambda names: short_list([display_action(a, db) for a in sorted(names)], 8)  # noqa: E731
        minus = expand_actions(rel.minus, db)
        plus = expand_actions(rel.plus, db)
        mine = _by_action(document_grants(policy, db))
        theirs = _by_action(document_grants(base, db))
        actual = {a for a, gs in mine.items() if any(e == "Allow" for e, _, _ in gs)}
        base_allowed = {a for a, gs in theirs.items() if any(e == "Allow" for e, _, _ in gs)}
        expected = (base_allowed - minus) | plus
        # A misspelled action is E021's finding, not a broken relation: leave it and what it means out.
        quiet = misspelled([policy, base], db)
        actual -= quiet
        expected -= quiet
        problems = []
        if missing := expected - actual:
            problems.append(f"it lacks {show(missing)}")
        if extra := actual - expected:
            problems.append(f"it also allows {show(extra)}")
        if absent := minus - base_allowed:
            problems.append(f"minus names {show(absent)}, which {rel.equals} does not allow")
        if present := plus & base_allowed:
            problems.append(f"plus names {show(present)}, which {rel.equals} already allows")
        differ = {a for a in (expected - plus) & actual if mine[a] != theirs.get(a)}
        if differ:
            problems.append(f"resources, effect or conditions differ for {show(differ)}")
        return problems
