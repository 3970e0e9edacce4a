from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule


class PolicyServesNothing(Rule):
    id = "W052"
    name = "policy-serves-nothing"
    description = "Every policy file should be used by some role option or by the CloudFormation template."
    explanation = (
        "A policy that no option attaches is never explained to customers and never deployed in the sandbox; "
        "add it to an option or remove it."
    )
    project_only = True

    def check_project(self, ctx: Context) -> Iterable[Finding]:
        catalog = ctx.catalog
        used = {n for o in catalog.options.values() for s in o.roles.values() for n in s.policies}
        used |= {*catalog.cloudformation.inline_policies, *catalog.cloudformation.session_policies}
        for f in ctx.project.files:
            if f.name not in used:
                yield self.finding(f"{f.name} is not attached to any role in the catalog's options or cloudformation",
                                   f.loc(f.root))
