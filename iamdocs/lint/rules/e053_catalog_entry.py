from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule


class CatalogEntry(Rule):
    id = "E053"
    name = "catalog-entry"
    description = "Every policy file in policies/ needs an entry under the catalog's policies, and every entry a file."
    explanation = (
        "The catalog gives each policy its title, purpose, role and statement descriptions for the guide; a file "
        "without an entry would be published without explanation, and an entry without a file links to nothing."
    )
    project_only = True

    def check_project(self, ctx: Context) -> Iterable[Finding]:
        catalog = ctx.catalog
        names = set(ctx.project.policy_names)
        for f in ctx.project.files:
            if f.name not in catalog.policies:
                yield self.finding(f"{f.name} has no entry under policies in {catalog.path.name}", f.loc(f.root))
        for name in catalog.policies:
            if name not in names:
                yield self.finding(f'policies entry "{name}" has no file policies/{name}',
                                   catalog.locate(["policies", name]))
