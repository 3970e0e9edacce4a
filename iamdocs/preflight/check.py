"""Every request a combination of options makes, decided against the customer's guardrails.

The role's own policies (the catalog's, placeholders filled) are its identity policies; the SCP
levels, RCPs and boundary are the customer's. Each request is decided by access.Evaluator; an
action is blocked when any of its requests is denied (explicitly, or for want of an Allow at some
level), conditional when one depends on a value nobody knows before the install (naming the key).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from iamdocs import placeholders
from iamdocs.access import (
    CONDITIONAL,
    DENIED,
    IMPLICIT,
    RESOURCE_KEY,
    Decision,
    Evaluator,
    Layer,
    Origin,
    Policies,
    Rule,
    compile_statement,
    statement_label,
)
from iamdocs.iamdb import IAMDatabase
from iamdocs.model import SoundProject
from iamdocs.preflight.needs import Need, needs, placeholder_values, request_for


@dataclass(frozen=True)
class Finding:
    """A blocked or conditional action, the statement that decides it, and what breaks without it."""

    action: str
    role: str
    resource: str
    origin: Origin
    reason: str  # blocked: why; conditional: "" (the key says it)
    key: str = ""  # conditional: the key whose value decides, as the statement spells it ("Resource" for a name)
    policy: str = ""  # the catalog policy that needs the action
    sid: str = ""
    breaks: str = ""  # the catalog's purpose of that statement


@dataclass
class Result:
    options: list[str]
    region: str
    account: str
    actions: int  # how many distinct actions were checked
    guardrails: list[str]  # what was checked against, in words
    blocked: list[Finding] = field(default_factory=list)
    conditional: list[Finding] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.blocked and not self.conditional


def where(origin: Origin) -> str:
    """The part of the evaluation a statement belongs to, in words."""
    if origin.part == "scp":
        return f"SCP level {origin.level}"
    if origin.part == "rcp":
        return f"RCP level {origin.level}"
    if origin.part == "boundary":
        return "the permissions boundary"
    return "the role's own policies"


def _identity(project: SoundProject, role: str, options: Sequence[str], values: dict[str, str]) -> Layer:
    """The role's policies in these options, as the role has them once the placeholders are filled."""
    names: dict[str, None] = {}
    for option in options:
        setup = project.catalog.options[option].roles.get(role)
        for name in setup.policies if setup else []:
            names[name] = None
    rules: list[Rule] = []
    for name in names:
        pf = project.policy(name)
        doc = placeholders.fill(pf.document, values)
        for st, raw in zip(pf.statements, doc.get("Statement", []), strict=False):
            origin = Origin("identity", 0, f"policies/{name}", st.loc.line, st.loc.col, statement_label(raw, st.index))
            rules.append(compile_statement(raw, st.index, origin))
    return Layer("identity", 0, tuple(f"policies/{n}" for n in names), tuple(rules))


def preflight(project: SoundProject, db: IAMDatabase, options: Sequence[str], scps: Sequence[Layer] = (),
              rcps: Sequence[Layer] = (), boundary: Layer | None = None, region: str = "",
              account: str = "", role_names: Mapping[str, str] | None = None) -> Result:
    """Decide every request of the combination; the findings sorted by action."""
    values = dict(placeholder_values(region, account))
    wanted = needs(project, db, options)
    evaluators: dict[str, Evaluator] = {}
    spelled: dict[Origin, Rule] = {}
    for role in dict.fromkeys(n.role for n in wanted):
        policies = Policies(_identity(project, role, options, values), tuple(scps), tuple(rcps), boundary)
        evaluators[role] = Evaluator(policies)
        for layer_ in [*policies.layers(), *policies.rcps]:
            spelled.update((r.origin, r) for r in layer_.rules)
    result = Result(list(options), region, account, len({n.action for n in wanted}), _described(scps, rcps, boundary))
    seen: set[tuple] = set()
    blocked_actions: set[str] = set()
    pending: list[Finding] = []
    for need in wanted:
        # what makes the request (and so the guardrails' answer) one: everything request_for reads
        key = (need.action, need.resource, need.keys, need.requested_region, (role_names or {}).get(need.role),
               region, account)
        decision = evaluators[need.role].decide(request_for(need, region, account, role_names), key)
        for finding in _findings(project, need, decision, spelled):
            ident = (finding.action, finding.origin, finding.key, finding.reason)
            if ident in seen:
                continue
            seen.add(ident)
            if finding.key:
                pending.append(finding)
            else:
                result.blocked.append(finding)
                blocked_actions.add(finding.action)
    result.conditional = [f for f in pending if f.action not in blocked_actions]
    result.blocked.sort(key=lambda f: f.action)
    result.conditional.sort(key=lambda f: (f.action, f.key))
    return result


def _findings(project: SoundProject, need: Need, decision: Decision, spelled: dict[Origin, Rule]) -> list[Finding]:
    meta = project.policy(need.policy).meta
    breaks = meta.statements.get(need.statement, "") if meta else ""
    resource = need.resource
    common = {"action": need.action, "role": need.role, "resource": resource, "policy": need.policy,
              "sid": need.statement, "breaks": breaks}
    if decision.verdict == DENIED and decision.origin is not None:
        return [Finding(origin=decision.origin, reason=f"an explicit Deny in {where(decision.origin)}", **common)]
    if decision.verdict == IMPLICIT and decision.origin is not None:
        return [Finding(origin=decision.origin, reason=f"no statement of {where(decision.origin)} allows it",
                        **common)]
    if decision.verdict != CONDITIONAL:
        return []
    out = []
    for origin, keys in decision.conditions:
        rule = spelled.get(origin)
        for key in sorted(keys):
            out.append(Finding(origin=origin, reason="", key=_spelling(rule, key), **common))
    return out


def _spelling(rule: Rule | None, key: str) -> str:
    """A key as the deciding statement writes it (aws:RequestTag/CostCenter), or Resource for a resource name."""
    if key == RESOURCE_KEY:
        return "Resource"
    for test in rule.tests if rule else ():
        if test.key.lower() == key:
            return test.key
    return key


def _described(scps: Sequence[Layer], rcps: Sequence[Layer], boundary: Layer | None) -> list[str]:
    out = [f"SCP level {layer.level}: {', '.join(layer.files)}" for layer in scps]
    out += [f"RCP level {layer.level}: {', '.join(layer.files)}" for layer in rcps]
    if boundary is not None:
        out.append(f"permissions boundary: {', '.join(boundary.files)}")
    return out
