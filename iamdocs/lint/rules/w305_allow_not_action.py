from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule, statement_key
from iamdocs.lint.statements import allow_statements_on_star
from iamdocs.model import PolicyFile
from iamdocs.output import short_list


class AllowNotAction(Rule):
    id = "W305"
    name = "allow-not-action"
    description = 'Allow with NotAction on every resource grants every other action: close to administrator.'
    explanation = (
        "NotAction in an Allow statement allows every action of every service except the few it names, including "
        "services AWS adds later. On Resource \"*\" (or with NotResource) that is close to AdministratorAccess; "
        "\"NotAction: iam:*\" still allows everything outside IAM. Name the actions the role needs instead. The "
        "other security rules (W301-W304) also count what NotAction allows."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        for st, _star, reach in allow_statements_on_star(f):
            if st.actions or not st.not_actions:
                continue
            excluded = [v.text for v in st.not_actions]
            yield self.finding(f"Allow with NotAction on {reach} grants every action of every service but "
                               f"{short_list(excluded, 3)}: close to administrator", st.not_actions[0].loc,
                               statement_key(st, excluded))
