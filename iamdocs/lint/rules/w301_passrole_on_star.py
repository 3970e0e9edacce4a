from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule, statement_key
from iamdocs.lint.statements import allow_statements_on_star, through
from iamdocs.model import PolicyFile


class PassRoleOnStar(Rule):
    id = "W301"
    name = "passrole-on-star"
    description = 'iam:PassRole should not be allowed on Resource "*".'
    explanation = (
        "With iam:PassRole on every role, the holder can hand any role in the account to a service it controls. "
        "NotResource counts as every resource it does not name, and NotAction as every action it does not name. "
        "Narrow the resource to the roles that must be passed, or accept the finding in the catalog (by Sid) with "
        "the reason and the way customers can narrow it (permissions boundary, role prefix, SCP)."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        for st, _star, reach in allow_statements_on_star(f):
            hit = ctx.granted_actions(st).get("iam:passrole")
            if hit is not None:
                _, entry = hit
                yield self.finding(f"iam:PassRole on {reach}{through(entry, st, 'iam:PassRole')} lets this role pass "
                                   "any role in the account to an AWS service", entry.loc,
                                   statement_key(st, ["iam:PassRole"]))
