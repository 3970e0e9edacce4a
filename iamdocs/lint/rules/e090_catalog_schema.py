from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule


class CatalogSchema(Rule):
    id = "E090"
    name = "catalog-schema"
    description = "policies/catalog.yaml must be valid YAML that matches policies/schema/catalog.schema.json."
    explanation = (
        "The catalog holds the role options, relations, accepted findings and history that the guide, "
        "the sandbox deploy and the other rules rely on. Fix the named key; the schema lists what each key allows."
    )

    def check_project(self, ctx: Context) -> Iterable[Finding]:
        for message, loc in ctx.project.catalog_problems:
            yield self.finding(message, loc)
