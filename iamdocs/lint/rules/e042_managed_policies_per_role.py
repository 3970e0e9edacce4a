from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule


class ManagedPoliciesPerRole(Rule):
    id = "E042"
    name = "managed-policies-per-role"
    description = (
        "A role may have at most limits.managed_policies_per_role managed policies in any combination of options."
    )
    explanation = (
        "AWS attaches at most 10 managed policies to a role unless the account's quota was raised; set "
        "limits.managed_policies_per_role in the catalog to the quota of your account."
    )
    project_only = True

    def check_project(self, ctx: Context) -> Iterable[Finding]:
        catalog = ctx.catalog
        limit = catalog.limits.managed_policies_per_role
        for combo in catalog.combinations():
            for setup in combo.roles.values():
                if len(setup.managed) > limit:
                    yield self.finding(f"option {combo.id}: the {setup.role} role gets {len(setup.managed)} managed "
                                       f"policies; the quota is {limit} (limits.managed_policies_per_role)", setup.loc)
