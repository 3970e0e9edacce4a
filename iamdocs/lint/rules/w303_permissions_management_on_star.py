from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule, statement_key
from iamdocs.lint.statements import allow_statements_on_star
from iamdocs.model import PolicyFile
from iamdocs.output import count, short_list


class PermissionsManagementOnStar(Rule):
    id = "W303"
    name = "permissions-management-on-star"
    description = 'Actions of access level "Permissions management" should not be allowed on Resource "*".'
    explanation = (
        "Permissions-management actions (iam:PutRolePolicy, iam:CreateRole ...) change who may do what; on every "
        "resource they reach roles and policies far beyond the product's own. Access levels come from the IAM "
        "action database. One finding per statement lists the actions; the catalog accepts it by Sid and exact "
        "set of actions, so an added action is a new finding. NotResource and NotAction count for what they allow."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        for st, star, reach in allow_statements_on_star(f):
            names = sorted(a.full_name for a, _ in ctx.granted_actions(st).values()
                           if a.access_level == "Permissions management")
            if names:
                yield self.finding(f"{count(len(names), 'permissions-management action')} on {reach}: "
                                   f"{short_list(names, 6)}", star.loc, statement_key(st, names))
