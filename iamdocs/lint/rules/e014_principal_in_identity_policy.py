from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile


class PrincipalInIdentityPolicy(Rule):
    id = "E014"
    name = "principal-in-identity-policy"
    description = "An identity policy must not have Principal or NotPrincipal."
    explanation = (
        "The principal of an identity policy is the role it is attached to. IAM rejects Principal in such a "
        "policy; who may assume the role belongs in the role's trust policy, which the catalog describes."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        for st in f.statements:
            for key, _ in st.node.pairs:
                if key.value in ("Principal", "NotPrincipal"):
                    yield self.finding(
                        f"{key.value} is not allowed in an identity policy; put it in the role's trust policy",
                        f.loc(key),
                    )
