"""Compare copies of the permissions with the canonical policies, grant by grant.

A copy is any policy document found outside policies/: in a template, a built
page, a deployed role, an older commit. Its grants (grants.py: statement layout,
case, wildcards and placeholder spellings do not matter) are compared with the
grants of the canonical policy it most resembles, or the one it is mapped to.
Differences are reported per action, with the resource where that is what differs.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iamdocs.access import Access, coverage, resource_covers, surplus
from iamdocs.errors import UserError
from iamdocs.grants import Grant, action_origins, diff, display_action, document_grants
from iamdocs.iamdb import IAMDatabase
from iamdocs.model import Project
from iamdocs.positions import Location, pos

# A copy is compared with the canonical policy whose grants (action and resource) it covers, however much more it
# grants: a widened copy is drift, not "something else". It may lack fewer than MISSING_SHARE of them (a copy that
# lost a few actions is still that policy, and its missing ones are drift); a one- or two-grant policy must be
# covered wholly, so it matches only where its resource matches too. Below that the copy is not compared.
MISSING_SHARE = 1 / 2

# More extra actions than this for one service are reported as one line, not one each.
EXTRA_LINES_PER_SERVICE = 10


@dataclass
class Copy:
    """One policy document found outside policies/."""

    name: str  # how the report names it, e.g. "ManagerRole/ManagerPolicy"
    document: Any  # the policy document; strings may carry positions (positions.py)
    loc: Location  # where the document starts
    canonical: tuple[str, ...] = ()  # forced match (--map, a file name); empty: the one it covers
    values: Mapping[str, str] = field(default_factory=dict)  # filled-in placeholder values, e.g. REGION
    matched: tuple[str, ...] = ()  # the canonical policies compare_copies compared it with (empty: none)


@dataclass(frozen=True)
class Difference:
    """One line of the report. `severity` is drift (fails the check) or info."""

    kind: str  # removed, added, changed, missing, extra, denied, match, unmatched, unreadable, skipped, read
    severity: str
    loc: Location
    document: str
    canonical: str
    action: str
    message: str
    when: str = ""  # the parameter values under which it occurs, when not under all that were checked


@dataclass
class Report:
    mode: str  # cloudformation, site, role, ref
    source: str  # what was read, for the summary
    documents: int = 0  # policy documents compared
    differences: list[Difference] = field(default_factory=list)
    nothing: str = ""  # why nothing could be compared (a readable source without a matching document), else ""

    @property
    def drift(self) -> bool:
        return any(d.severity == "drift" for d in self.differences)

    def items(self, severity: str = "drift") -> list[tuple[str, str, str]]:
        """(document, kind, action) of every difference of one severity, sorted: what tests compare."""
        return sorted((d.document, d.kind, d.action) for d in self.differences if d.severity == severity)

    def summary(self) -> str:
        docs = f"{self.documents} policy document{'s' if self.documents != 1 else ''}"
        if self.nothing:
            return f"nothing to compare: {self.nothing}"
        drift = [d for d in self.differences if d.severity == "drift"]
        if drift and all(d.message.startswith("not proven: ") for d in drift):  # no drift found, but not all seen
            reasons = "; ".join(d.message.removeprefix("not proven: ") for d in drift)
            return f"not proven: {reasons} ({self.source})"
        if self.mode == "role" and not drift:
            return f"no drift: {self.source} has everything it needs ({docs} read)"
        if not drift:
            return f"no drift: {docs} checked in {self.source}"
        kinds: dict[str, int] = defaultdict(int)
        for d in drift:
            kinds[d.kind] += 1
        parts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        if self.mode == "role":
            return f"drift: {self.source} lacks {len(drift)} permission{'s' if len(drift) != 1 else ''} ({parts}); " \
                   f"{docs} read"
        affected = len({d.document for d in drift})
        return (f"drift: {len(drift)} difference{'s' if len(drift) != 1 else ''} ({parts}) in {affected} of {docs} "
                f"checked in {self.source}")


def canonical_grants(project: Project, db: IAMDatabase) -> dict[str, set[Grant]]:
    """Every policy in policies/ as its set of grants, by file name."""
    return {f.name: document_grants(f.document, db) for f in project.files}


def is_covered(covered: int, needed: int) -> bool:
    """The coverage rule: fewer than MISSING_SHARE of the policy's grants missing."""
    return needed > 0 and needed - covered < MISSING_SHARE * needed


def covered_scores(grants: set[Grant], canonical: Mapping[str, set[Grant]]) -> dict[str, tuple[int, int, int, int]]:
    """Each canonical policy that `grants` covers, scored (differences, surplus, covered, needed).

    Differences are the missing grants plus the surplus (what the copy grants beyond the
    policy); drift's choice and sync's tie check both read these scores.
    """
    # Which policy a copy is, is told by what it allows; its Denies are then compared like any other grant.
    have = Access(frozenset(g for g in grants if g.effect == "Allow"), frozenset())
    scores = {}
    for name, theirs in canonical.items():
        covered, needed = coverage(have, theirs)
        if is_covered(covered, needed):
            extra = surplus(have, theirs)
            scores[name] = (needed - covered + extra, extra, covered, needed)
    return scores


def best_covered(grants: set[Grant], canonical: Mapping[str, set[Grant]]) -> tuple[str, int, int] | None:
    """The canonical policy `grants` covers, as (name, covered, needed); None when it covers none.

    Of several covered policies the one with the fewest differences wins, then the smaller
    surplus, then the file name: a copy lacking one grant of a large policy is that policy,
    not a small one it covers.
    """
    scores = covered_scores(grants, canonical)
    if not scores:
        return None
    name = min(scores, key=lambda n: (scores[n][0], scores[n][1], n))
    return name, scores[name][2], scores[name][3]


def _show_resource(resource: str, values: Mapping[str, str] | None = None) -> str:
    """A normalized resource as a reader writes it: placeholders back in <NAME> form, or filled from `values`."""
    v = values or {}
    out = resource.replace("{partition}", v.get("PARTITION", "aws"))
    out = out.replace("{region}", v.get("REGION", "<REGION>"))
    return out.replace("{account}", v.get("ACCOUNT_ID", "<ACCOUNT_ID>"))


def _describe(grants: Iterable[Grant], values: Mapping[str, str] | None = None) -> str:
    """Resources (and conditions) of grants for one action, short."""
    parts = []
    for g in sorted(grants):
        negated = g.resource.startswith("!")
        r = _show_resource(g.resource[1:] if negated else g.resource, values)
        text = f"NotResource {r}" if negated else r
        if g.condition:
            text += f" when {g.condition}"
        if g.effect != "Allow":
            text = f"{g.effect} on {text}"
        parts.append(text)
    return ", ".join(parts)


def _show_origin(origin: Any) -> str:
    """How a report names what granted a group of actions: the pattern, or a statement's NotAction."""
    if isinstance(origin, dict):
        na = origin.get("NotAction")
        items = na if isinstance(na, list) else [na]
        return f"{origin.get('Effect', '')} NotAction [{', '.join(str(x) for x in items)}]".strip()
    return f"Action {origin}"


def _loc_of(value: Any, fallback: Location) -> Location:
    line, col = pos(value)
    return Location(fallback.path, line, col) if line else fallback


def diff_document(copy: Copy, base: set[Grant], base_name: str, db: IAMDatabase,
                  base_origins: Mapping[str, Any] | None = None, base_loc: Location | None = None,
                  words: tuple[str, str] = ("added", "removed")) -> list[Difference]:
    """Differences between a copy and the grants it should have, one per action.

    `base_origins`/`base_loc` locate removed actions in the base (for --ref);
    otherwise they are located at the copy, where the fix goes.
    """
    grants = document_grants(copy.document, db, copy.values)
    d = diff(base, grants)
    origins = action_origins(copy.document, db)
    added_word, removed_word = words
    out: list[Difference] = []
    by_action_added: dict[str, list[Grant]] = defaultdict(list)
    by_action_removed: dict[str, list[Grant]] = defaultdict(list)
    for g in d.added:
        by_action_added[g.action].append(g)
    for g in d.removed:
        by_action_removed[g.action].append(g)

    def line(kind: str, action: str, message: str, loc: Location) -> None:
        out.append(Difference(kind, "drift", loc, copy.name, base_name, display_action(action, db), message))

    for a in d.removed_actions():
        name = display_action(a, db)
        where = copy.loc
        if base_origins is not None and base_loc is not None:
            where = _loc_of(base_origins.get(a), base_loc)
        res = _describe(by_action_removed[a])
        line("removed", a, f"{removed_word} {name}" + ("" if res == "*" else f" (on {res})"), where)
    # Actions a wildcard or NotAction adds are reported as one line per pattern: `Action: "*"` is one change.
    by_origin: dict[int, list[str]] = defaultdict(list)
    for a in d.added_actions():
        by_origin[id(origins.get(a))].append(a)
    for group in by_origin.values():
        if len(group) <= EXTRA_LINES_PER_SERVICE:
            for a in group:
                name = display_action(a, db)
                res = _describe(by_action_added[a])
                line("added", a, f"{added_word} {name}" + ("" if res == "*" else f" (on {res})"),
                     _loc_of(origins.get(a), copy.loc))
            continue
        origin = origins.get(group[0])
        grants_of = [g for a in group for g in by_action_added[a]]
        effects = {str(origin.get("Effect"))} if isinstance(origin, dict) else {g.effect for g in grants_of}
        resources = sorted({_describe([Grant("Allow", "", g.resource)]) for g in grants_of})
        on = "" if resources == ["*"] else f" on {', '.join(resources[:3])}" + ("..." if len(resources) > 3 else "")
        how = _show_origin(origin)
        what = f"a Deny of {len(group):,} actions" if effects == {"Deny"} else f"{len(group):,} actions"
        if effects == {"Deny"}:
            text = f"{added_word} {what}{on} through {how}: it removes them from what the policy grants"
        else:
            text = f"{added_word} {what}{on} through {how} (widened access)"
        line("added", how, text, _loc_of(origin, copy.loc))
    for a in d.changed_resources():
        name = display_action(a, db)
        now, was = _describe(by_action_added[a]), _describe(by_action_removed[a])
        line("changed", a, f"changed {name}: {now} instead of {was}", _loc_of(origins.get(a), copy.loc))
    return sorted(out, key=lambda x: (x.loc.line, x.kind, x.action))


def compare_copies(project: Project, copies: list[Copy], db: IAMDatabase, mode: str, source: str) -> Report:
    """Each copy against its mapped or covered canonical policy: must grant exactly the same."""
    canon = canonical_grants(project, db)
    report = Report(mode, source)
    for copy in copies:
        if copy.canonical:
            unknown = [n for n in copy.canonical if n not in canon]
            if unknown:
                raise UserError(f"{copy.name}: no policy {', '.join(unknown)} in policies/",
                                hint=f"policies: {', '.join(sorted(canon))}")
            names = copy.canonical
            how = "as mapped"
        else:
            best = best_covered(document_grants(copy.document, db, copy.values), canon)
            if best is None:
                report.differences.append(Difference(
                    "unmatched", "info", copy.loc, copy.name, "", "",
                    "not compared: covers no policy in policies/ (it grants less than "
                    f"{1 - MISSING_SHARE:.0%} of every policy's action-resource pairs)"))
                continue
            name, covered, needed = best
            names = (name,)
            how = f"it covers {covered} of its {needed} grants"
        copy.matched = tuple(names)
        base: set[Grant] = set().union(*(canon[n] for n in names))
        label = " + ".join(names)
        report.documents += 1
        report.differences.append(
            Difference("match", "info", copy.loc, copy.name, label, "", f"compared with {label} ({how})"))
        report.differences.extend(diff_document(copy, base, label, db))
    return report


def compare_role(project: Project, role_name: str, copies: list[Copy], required: list[str], option: str,
                 db: IAMDatabase, loc: Location) -> Report:
    """Does a deployed role grant everything the option needs? Missing is drift; extra is information."""
    canon = canonical_grants(project, db)
    report = Report("role", f"role {role_name} (option {option})", documents=len(copies))
    # The role's account and Region, as read_role found them: shown in place of <ACCOUNT_ID> and <REGION>, so that a
    # resource mismatch reads as the ARN that was checked, not as a placeholder the role cannot contain.
    values: Mapping[str, str] = next((c.values for c in copies if c.values), {})
    have: dict[str, list[Grant]] = defaultdict(list)
    for c in copies:
        report.differences.append(Difference("read", "info", c.loc, c.name, "", "", "read"))
        for g in document_grants(c.document, db, c.values):
            have[g.action].append(g)
    need: dict[str, list[tuple[Grant, str]]] = defaultdict(list)
    for name in required:
        for g in canon[name]:
            need[g.action].append((g, name))
    for action in sorted(need):
        name = display_action(action, db)
        for g, policy in sorted(need[action]):
            held = have.get(action, [])
            denied = [h for h in held if h.effect == "Deny" and not h.condition
                      and resource_covers(h.resource, g.resource)]
            allowed = [h for h in held if h.effect == "Allow" and h.condition in ("", g.condition)
                       and resource_covers(h.resource, g.resource)]
            res = "" if g.resource == "*" else f" on {_show_resource(g.resource, values)}"
            if denied:
                report.differences.append(Difference(
                    "denied", "drift", loc, role_name, policy, name,
                    f"denied {name}{res}: the role's own policies deny it ({policy} needs it)"))
            elif not allowed:
                partly = [h for h in held if h.effect == "Allow"]
                granted = f"; the role grants it only on {_describe(partly, values)}" if partly else ""
                report.differences.append(Difference(
                    "missing", "drift", loc, role_name, policy, name,
                    f"missing {name}{res} (needed by {policy}){granted}"))
    extra_by_service: dict[str, list[str]] = defaultdict(list)
    for action, held in have.items():
        if action not in need and any(h.effect == "Allow" for h in held):
            extra_by_service[action.partition(":")[0]].append(action)
    for service, actions in sorted(extra_by_service.items()):
        if len(actions) > EXTRA_LINES_PER_SERVICE:
            report.differences.append(Difference(
                "extra", "info", loc, role_name, "", f"{service}:*",
                f"extra: {len(actions)} {service} actions that option {option} does not need"))
            continue
        for a in sorted(actions):
            name = display_action(a, db)
            report.differences.append(Difference(
                "extra", "info", loc, role_name, "", name, f"extra {name}: option {option} does not need it"))
    return report


def compare_versions(old: Mapping[str, Copy], new: Mapping[str, Copy], renamed: Mapping[str, str],
                     db: IAMDatabase, ref: str) -> Report:
    """What changed in policies/ between a git ref (old) and now (new), file by file."""
    report = Report("ref", f"policies/ since {ref}")
    matched_old: set[str] = set()
    for name, now in sorted(new.items()):
        before_name = name if name in old else next((o for o, n in renamed.items() if n == name and o in old), None)
        if before_name is None:
            report.documents += 1
            report.differences.append(Difference("new-file", "drift", now.loc, name, "", "",
                                                  f"new policy file {name} (not in policies/ at {ref})"))
            continue
        matched_old.add(before_name)
        before = old[before_name]
        report.documents += 1
        if before_name != name:
            report.differences.append(Difference("renamed", "drift", now.loc, name, before_name, "",
                                                 f"renamed from {before_name}"))
        base = document_grants(before.document, db, before.values)
        report.differences.extend(diff_document(
            now, base, before_name, db, base_origins=action_origins(before.document, db), base_loc=before.loc,
            words=("added", "removed")))
    for name in sorted(set(old) - matched_old):
        report.documents += 1
        report.differences.append(Difference("deleted-file", "drift", old[name].loc, name, "", "",
                                             f"policy file {name} deleted since {ref}"))
    return report


@dataclass
class RoleCopy:
    """A role a template creates: its trust policy and the documents that end up attached to it."""

    name: str  # logical ID
    loc: Location
    trust: Any  # the evaluated AssumeRolePolicyDocument, or None
    trust_loc: Location
    documents: list[Copy]  # compared by compare_copies first, so each knows its `matched` policies


def catalog_role_policies(project: Project) -> dict[str, set[str]]:
    """Catalog role ID -> every policy some option (or the product's template) puts on that role."""
    catalog = project.catalog
    out: dict[str, set[str]] = defaultdict(set)
    if catalog is None:
        return out
    for option in catalog.options.values():
        for rid, setup in option.roles.items():
            out[rid].update(setup.policies)
    cfn = catalog.cloudformation
    out[cfn.role].update([*cfn.inline_policies, *cfn.session_policies])
    return out


def trust_grants(doc: Any) -> set[tuple[str, str, str, str, str]]:
    """A trust policy as (effect, action, principal type, principal, condition) tuples: layout does not matter."""
    out: set[tuple[str, str, str, str, str]] = set()
    if not isinstance(doc, dict):
        return out
    statements = doc.get("Statement")
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict):
            continue
        actions = st.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        principal = st.get("Principal", {})
        pairs = [("*", "*")] if principal == "*" else [
            (str(t), str(v)) for t, vs in (principal.items() if isinstance(principal, dict) else [])
            for v in (vs if isinstance(vs, list) else [vs])]
        cond = json.dumps(st.get("Condition"), sort_keys=True) if st.get("Condition") else ""
        for a in actions:
            for t, v in pairs:
                out.add((str(st.get("Effect", "")), str(a).lower(), t, v.lower(), cond))
    return out


def _show_trust(g: tuple[str, str, str, str, str]) -> str:
    effect, action, ptype, principal, cond = g
    return f"{effect} {action} by {ptype} {principal}" + (f" when {cond}" if cond else "")


def compare_roles(project: Project, roles: list[RoleCopy]) -> list[Difference]:
    """Roles a template creates against the catalog's roles: the right policies together, the right trust.

    A role is recognised by the policies attached to it, not by its logical ID:
    it is the catalog role that some option (or the product's template) gives all
    of them. When no catalog role gets them all, a policy is on the wrong role.
    """
    catalog = project.catalog
    if catalog is None:
        return []
    allowed = catalog_role_policies(project)
    out: list[Difference] = []
    for role in roles:
        have = sorted({m for c in role.documents for m in c.matched})
        if not have:
            continue  # none of its documents is a canonical policy: not a role the catalog knows
        fits = [rid for rid in catalog.roles if set(have) <= allowed.get(rid, set())]
        if not fits:
            where = "; ".join(
                f"{p} goes on the " + (" or ".join(sorted(r for r in allowed if p in allowed[r])) or "no") + " role"
                for p in have)
            out.append(Difference("wrong-role", "drift", role.loc, role.name, " + ".join(have), "",
                                  f"{role.name} gets {', '.join(have)}; no role in the catalog gets all of them "
                                  f"({where})"))
            continue
        actual = trust_grants(role.trust)
        fits.sort(key=lambda rid: (trust_grants(catalog.roles[rid].trust_policy()) != actual,
                                   rid != catalog.cloudformation.role, rid))
        rid = fits[0]
        out.append(Difference("role", "info", role.loc, role.name, rid, "",
                              f"{role.name} matches the catalog's {catalog.roles[rid].title.lower()} "
                              f"(it gets {', '.join(have)})"))
        expected = trust_grants(catalog.roles[rid].trust_policy())
        if role.trust is None:
            out.append(Difference("trust", "drift", role.loc, role.name, rid, "",
                                  f"{role.name} has no AssumeRolePolicyDocument; the {rid} role's trust policy "
                                  f"allows {', '.join(_show_trust(g) for g in sorted(expected))}"))
            continue
        for g in sorted(expected - actual):
            out.append(Difference("trust", "drift", role.trust_loc, role.name, rid, g[1],
                                  f"trust policy lacks {_show_trust(g)} (the {rid} role's trust policy has it)"))
        for g in sorted(actual - expected):
            out.append(Difference("trust", "drift", role.trust_loc, role.name, rid, g[1],
                                  f"trust policy also allows {_show_trust(g)} (the {rid} role's trust policy "
                                  "does not)"))
    return out
