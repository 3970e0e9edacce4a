from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule, discover_rules


class StaleAcceptance(Rule):
    id = "W091"
    name = "stale-acceptance"
    description = "Each accepted finding in the catalog must still match a warning of its rule in each policy it names."
    explanation = (
        "The guide publishes accepted findings with their justification. When a policy no longer triggers the "
        "warning, the justification describes a risk that is gone: remove the policy from the entry. Only "
        "warnings can be accepted; errors must be fixed."
    )
    project_only = True

    def check_project(self, ctx: Context) -> Iterable[Finding]:
        catalog = ctx.catalog
        rules = {r.id: r for r in discover_rules()}
        files = {f.name: f for f in ctx.project.files}
        for i, acc in enumerate(catalog.accepted_findings):
            rule_cls = rules.get(acc.rule)
            if rule_cls is None or acc.rule[0] != "W":
                why = "no such rule" if rule_cls is None else "only warnings can be accepted; errors must be fixed"
                yield self.finding(f"accepted_findings names {acc.rule}: {why}",
                                   catalog.locate(["accepted_findings", i, "rule"]))
                continue
            rule = rule_cls()
            for j, name in enumerate(acc.policies):
                f = files.get(name)
                if f is None or f.root is None:
                    continue  # E051 / E001
                if not any(True for _ in rule.check_file(f, ctx)):
                    yield self.finding(f"{acc.rule} is accepted for {name}, but {name} has no {acc.rule} finding: "
                                       "remove it from this accepted_findings entry",
                                       catalog.locate(["accepted_findings", i, "policies", j]))
