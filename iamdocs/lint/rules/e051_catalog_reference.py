from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from iamdocs.lint.base import Context, Finding, Rule


class CatalogReference(Rule):
    id = "E051"
    name = "catalog-reference"
    description = (
        "Options, relations, accepted findings, history and cloudformation must name existing policy files, roles "
        "and options."
    )
    explanation = (
        "The guide, the template and the sandbox deploy follow these names. A misspelt file or role would "
        "publish a link to nothing or deploy a role without its policy. History may also name a policy by a "
        "former name (renamed entries, former_names)."
    )
    project_only = True

    def check_project(self, ctx: Context) -> Iterable[Finding]:
        catalog = ctx.catalog
        files = set(ctx.project.policy_names)
        former = {n for h in catalog.history for n in h.renamed}
        former |= {n for meta in catalog.policies.values() for n in meta.former_names}

        def role(rid: str, path: list[Any], what: str) -> Iterator[Finding]:
            if rid not in catalog.roles:
                yield self.finding(f'{what} names role "{rid}", which is not defined under roles '
                                   f"(roles: {', '.join(catalog.roles)})", catalog.locate(path))

        def policy(name: str, path: list[Any], what: str, history: bool = False) -> Iterator[Finding]:
            if name in files or (history and name in former):
                return
            yield self.finding(f'{what} names policy file "{name}", which does not exist in policies/',
                               catalog.locate(path))

        for name, meta in catalog.policies.items():
            yield from role(meta.role, ["policies", name, "role"], f"policies.{name}.role")
        for oid, option in catalog.options.items():
            for rid, setup in option.roles.items():
                yield from role(rid, ["options", oid, "roles", rid], f"option {oid}")
                for kind in ("managed", "inline"):
                    for i, name in enumerate(getattr(setup, kind)):
                        yield from policy(name, ["options", oid, "roles", rid, kind, i], f"option {oid}")
            for i, other in enumerate(option.combines_with):
                target = catalog.options.get(other)
                if target is None or target.is_addition or other == oid:
                    why = ("which is not an option" if target is None else "itself" if other == oid
                           else "which is itself an addition")
                    bases = ", ".join(o.id for o in catalog.bases()) or "none"
                    yield self.finding(f'option {oid} combines with "{other}", {why}; it can go on top of an option '
                                       f"that is complete on its own (options without combines_with: {bases})",
                                       catalog.locate(["options", oid, "combines_with", i]))
        for i, rel in enumerate(catalog.relations):
            yield from policy(rel.policy, ["relations", i, "policy"], "a relation")
            yield from policy(rel.equals, ["relations", i, "equals"], "a relation")
        for i, acc in enumerate(catalog.accepted_findings):
            for j, name in enumerate(acc.policies):
                yield from policy(name, ["accepted_findings", i, "policies", j], f"the accepted {acc.rule} finding")
        for i, entry in enumerate(catalog.history):
            for j, change in enumerate(entry.changes):
                for k, name in enumerate(change.policies):
                    yield from policy(name, ["history", i, "changes", j, "policies", k],
                                      f"the history entry of {entry.date}", history=True)
            for old, new in entry.renamed.items():
                yield from policy(new, ["history", i, "renamed", old], f"the history entry of {entry.date}",
                                  history=True)
        cfn = catalog.cloudformation
        yield from role(cfn.role, ["cloudformation", "role"], "cloudformation.role")
        for kind in ("inline_policies", "session_policies"):
            for i, name in enumerate(getattr(cfn, kind)):
                yield from policy(name, ["cloudformation", kind, i], f"cloudformation.{kind}")
        for key, oid in (("new_role", cfn.new_role_option), ("session", cfn.session_option),
                         ("boundary", cfn.boundary_option)):
            if oid is not None and oid not in catalog.options:
                yield self.finding(f'cloudformation.options.{key} names option "{oid}", which is not defined under '
                                   f"options (options: {', '.join(catalog.options)})",
                                   catalog.locate(["cloudformation", "options", key]))
