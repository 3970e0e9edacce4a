from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule, accepts, discover_rules
from iamdocs.output import count


class StaleAcceptance(Rule):
    id = "W091"
    name = "stale-acceptance"
    description = "Each accepted finding in the catalog must still match a warning of its rule in each policy it names."
    explanation = (
        "The guide publishes accepted findings with their justification. Each policy of an entry must still have "
        "a finding the entry accepts, and each escalation path and statement (Sid with its exact actions) the "
        "entry names must still match a finding in one of its policies; otherwise the justification describes a "
        "risk that is gone or has changed. Only warnings can be accepted; errors must be fixed."
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
            keys: set[tuple] = set()
            for j, name in enumerate(acc.policies):
                f = files.get(name)
                if f is None or f.root is None:
                    continue  # E051 / E001
                found = list(rule.check_file(f, ctx))
                keys.update(x.key for x in found)
                where = catalog.locate(["accepted_findings", i, "policies", j])
                if not found:
                    yield self.finding(f"{acc.rule} is accepted for {name}, but {name} has no {acc.rule} finding: "
                                       "remove it from this accepted_findings entry", where)
                elif not any(accepts(acc, x.key) for x in found):
                    yield self.finding(f"{acc.rule} is accepted for {name}, but this entry names none of its "
                                       f"{acc.rule} findings: list their paths or statements, or remove {name}", where)
            for k, path in enumerate(acc.paths):
                if ("path", path) not in keys:
                    yield self.finding(f"escalation path {path} is accepted, but no policy of this entry has it: "
                                       "remove it", catalog.locate(["accepted_findings", i, "paths", k]))
            for k, (sid, actions) in enumerate(acc.statements):
                wanted = tuple(sorted({a.lower() for a in actions}))
                if ("statement", sid, wanted) not in keys:
                    yield self.finding(f"statement {sid} with {count(len(wanted), 'action')} matches no {acc.rule} "
                                       "finding of this entry's policies (the statement or its actions changed): "
                                       "update or remove it",
                                       catalog.locate(["accepted_findings", i, "statements", k]))
