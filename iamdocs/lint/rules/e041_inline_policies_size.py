from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.positions import Location
from iamdocs.sizes import minified_size


class InlinePoliciesSize(Rule):
    id = "E041"
    name = "inline-policies-size"
    description = (
        "A role's inline policies together must fit limits.inline_policy_chars_per_role (10,240) in every "
        "combination."
    )
    explanation = (
        "IAM limits the sum of a role's inline policies, counted without whitespace. The check covers every "
        "combination of the catalog's options (an addition's policies on top of the option it goes with) "
        "and the CloudFormation template's role with its Session Manager policies."
    )
    project_only = True

    def check_project(self, ctx: Context) -> Iterable[Finding]:
        catalog = ctx.catalog
        sizes = {f.name: minified_size(f.document) for f in ctx.project.files if f.root is not None}
        limit = catalog.limits.inline_policy_chars_per_role
        cases: list[tuple[str, list[str], Location]] = []
        for combo in catalog.combinations():
            for setup in combo.roles.values():
                cases.append((f"option {combo.id}: the {setup.role} role", setup.inline, setup.loc))
        cfn = catalog.cloudformation
        cases.append((f"the CloudFormation template's {cfn.role} role (IamRole = New, Session = true)",
                      [*cfn.inline_policies, *cfn.session_policies], cfn.loc))
        for what, names, loc in cases:
            known = [n for n in names if n in sizes]  # missing files are E051's
            total = sum(sizes[n] for n in known)
            if total > limit:
                parts = ", ".join(f"{n} {sizes[n]:,}" for n in known)
                yield self.finding(f"{what} has inline policies of {total:,} characters together ({parts}); "
                                   f"a role's inline policies may have at most {limit:,}", loc)
