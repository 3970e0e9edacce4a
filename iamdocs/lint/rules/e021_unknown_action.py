from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.actions import action_problem, suggest_action
from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile


class UnknownAction(Rule):
    id = "E021"
    name = "unknown-action"
    description = "Every action must exist in the IAM action database; a wildcard must match at least one action."
    explanation = (
        "Names are compared case-insensitively, as IAM does, and wildcards are expanded. An unknown action grants "
        "nothing, so a typo silently removes a permission the product needs. A misspelling is reported once, "
        "here: the rules that compare policies with each other or with the history (E050, E060) leave it out."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        db = ctx.iam
        for st in f.statements:
            for v in [*st.actions, *st.not_actions]:
                problem = action_problem(v.text, db)
                if problem == "not-an-action":
                    yield self.finding(f'"{v.text}" is not an action: write service:ActionName, e.g. ec2:RunInstances',
                                       v.loc)
                elif problem == "no-match":
                    yield self.finding(f'"{v.text}" matches no {v.text.partition(":")[0].lower()} action', v.loc)
                elif problem == "unknown":
                    meant = suggest_action(v.text, db)
                    hint = f' (did you mean "{meant}"?)' if meant else ""
                    yield self.finding(f'unknown action "{v.text}"{hint}', v.loc)
