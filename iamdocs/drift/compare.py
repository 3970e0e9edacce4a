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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from iamdocs.access import Access, coverage, effective, resource_covers, surplus
from iamdocs.errors import UserError
from iamdocs.grants import Grant, action_origins, allowed_actions, diff, display_action, document_grants
from iamdocs.iamdb import IAMDatabase
from iamdocs.model import Project
from iamdocs.positions import Location, pos

# A copy is compared with the canonical policy whose grants (action and resource) it covers, however much more it
# grants: a widened copy is drift, not "something else". It may lack fewer than MISSING_SHARE of them (a copy that
# lost a few actions is still that policy, and its missing ones are drift); a one- or two-grant policy must be
# covered wholly, so it matches only where its resource matches too. Below that the copy is not compared.
MISSING_SHARE = 1 / 2

UNMATCHED = ("not compared: covers no policy in policies/ (it grants less than "
             f"{1 - MISSING_SHARE:.0%} of every policy's action-resource pairs)")

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
        affected = len({d.document for d in drift if d.document})
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


@dataclass(frozen=True)
class _Held:
    """Where the copy side says something: the document and the value (action string or statement) that says it."""

    copy: Copy
    origin: Any


def _origins(copies: Iterable[Copy], db: IAMDatabase) -> dict[str, list[_Held]]:
    """For each lower-case action the documents name, the value that first names it in each document."""
    out: dict[str, list[_Held]] = {}
    for c in copies:
        for action, origin in action_origins(c.document, db).items():
            out.setdefault(action, []).append(_Held(c, origin))
    return out


def _grant_lines(d: Any, copies: list[Copy], db: IAMDatabase, label: Any, removed_at: Any,
                 words: tuple[str, str] = ("added", "removed")) -> list[Difference]:
    """One line per removed or changed action, and per pattern that adds actions (`Action: "*"` is one change).

    `label(copy)` names what a copy document is compared with; `removed_at(grants)` says where a
    removed action is reported: (document name, location, canonical label).
    """
    origins = _origins(copies, db)
    added_word, removed_word = words
    out: list[Difference] = []
    by_action_added: dict[str, list[Grant]] = defaultdict(list)
    by_action_removed: dict[str, list[Grant]] = defaultdict(list)
    for g in d.added:
        by_action_added[g.action].append(g)
    for g in d.removed:
        by_action_removed[g.action].append(g)

    def held_line(kind: str, action: str, message: str, holders: list[_Held]) -> None:
        for held in holders or [None]:  # type: ignore[list-item]
            copy = held.copy if held else copies[0]
            where = _loc_of(held.origin if held else None, copy.loc)
            out.append(Difference(kind, "drift", where, copy.name, label(copy), display_action(action, db), message))

    for a in d.removed_actions():
        name = display_action(a, db)
        doc, where, canonical = removed_at(by_action_removed[a])
        res = _describe(by_action_removed[a])
        out.append(Difference("removed", "drift", where, doc, canonical, name,
                              f"{removed_word} {name}" + ("" if res == "*" else f" (on {res})")))
    # Every statement that adds an action is named (two documents of a role may both widen it).
    by_origin: dict[int, tuple[_Held | None, list[str]]] = {}
    for a in d.added_actions():
        for held in origins.get(a) or [None]:  # type: ignore[list-item]
            by_origin.setdefault(id(held.origin) if held else 0, (held, []))[1].append(a)
    for held, group in by_origin.values():
        if len(group) <= EXTRA_LINES_PER_SERVICE or held is None:
            for a in group:
                name = display_action(a, db)
                res = _describe(by_action_added[a])
                held_line("added", a, f"{added_word} {name}" + ("" if res == "*" else f" (on {res})"),
                          [held] if held else [])
            continue
        origin = held.origin
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
        out.append(Difference("added", "drift", _loc_of(origin, held.copy.loc), held.copy.name, label(held.copy),
                              how, text))
    for a in d.changed_resources():
        name = display_action(a, db)
        now, was = _describe(by_action_added[a]), _describe(by_action_removed[a])
        held_line("changed", a, f"changed {name}: {now} instead of {was}", origins.get(a, [])[:1])
    return sorted(out, key=lambda x: (str(x.loc.path), x.loc.line, x.kind, x.action))


def diff_document(copy: Copy, base: set[Grant], base_name: str, db: IAMDatabase,
                  base_origins: Mapping[str, Any] | None = None, base_loc: Location | None = None,
                  words: tuple[str, str] = ("added", "removed")) -> list[Difference]:
    """Differences between one copy and the grants it should have, one per action.

    `base_origins`/`base_loc` locate removed actions in the base (for --ref);
    otherwise they are located at the copy, where the fix goes.
    """
    d = diff(base, document_grants(copy.document, db, copy.values))

    def removed_at(grants: list[Grant]) -> tuple[str, Location, str]:
        where = copy.loc
        if base_origins is not None and base_loc is not None:
            where = _loc_of(base_origins.get(grants[0].action), base_loc)
        return copy.name, where, base_name

    return _grant_lines(d, [copy], db, lambda _c: base_name, removed_at, words)


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
                report.differences.append(Difference("unmatched", "info", copy.loc, copy.name, "", "", UNMATCHED))
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


def match_copies(project: Project, copies: list[Copy], db: IAMDatabase) -> None:
    """Set each copy's `matched` to the canonical policy it covers on its own (or the one --map names).

    This is only a first guess for the documents of a role: `relate` revises it once the
    role's policy set is known (a part of a split policy stands for nothing on its own).
    """
    canon = canonical_grants(project, db)
    for copy in copies:
        unknown = [n for n in copy.canonical if n not in canon]
        if unknown:
            raise UserError(f"{copy.name}: no policy {', '.join(unknown)} in policies/",
                            hint=f"policies: {', '.join(sorted(canon))}")
        best = None if copy.canonical else best_covered(document_grants(copy.document, db, copy.values), canon)
        copy.matched = copy.canonical or ((best[0],) if best else ())


def relate(copies: list[Copy], expected: ExpectedRole, canon: Mapping[str, set[Grant]],
           db: IAMDatabase) -> list[Difference]:
    """What each document of a role stands for within the role's policy set, as information lines.

    A document that covers one of the set's policies stands for it; one that grants part of
    the set is a part of it (a split policy); one that grants nothing of the set keeps the
    policy it covers on its own, so that a policy on the wrong role is said as such.
    """
    policies = {p: canon[p] for p in expected.policies if p in canon}
    want = effective(set().union(*policies.values()))
    out: list[Difference] = []
    for c in copies:
        if c.canonical:
            label = " + ".join(c.canonical)
            out.append(Difference("match", "info", c.loc, c.name, label, "", f"compared with {label} (as mapped)"))
            continue
        grants = document_grants(c.document, db, c.values)
        best = best_covered(grants, policies)
        if best is not None:
            name, covered, needed = best
            c.matched = (name,)
            out.append(Difference("match", "info", c.loc, c.name, name, "",
                                  f"compared with {name} (it covers {covered} of its {needed} grants)"))
        elif any(want.covers(g) for g in grants if g.effect == "Allow"):
            c.matched = ()
            out.append(Difference("match", "info", c.loc, c.name, expected.label, "",
                                  f"compared as part of the role's {expected.label}"))
    return out


@dataclass(frozen=True)
class ExpectedRole:
    """A catalog role with one set of policies that an option, or one of the product's templates, gives it."""

    role: str
    policies: tuple[str, ...]
    where: tuple[str, ...]  # what gives a role these policies, for reports

    @property
    def label(self) -> str:
        return " + ".join(self.policies)

    @property
    def source(self) -> str:
        """What gives it, in a few words: the product's templates by name, the options' combinations counted."""
        named = [w for w in self.where if not w.startswith("option ")]
        options = [w for w in self.where if w.startswith("option ")]
        if len(options) == 1:
            named.append(options[0])
        elif options:
            named.append(f"{len(options)} combinations of options")
        return ", ".join(named)


def expected_roles(project: Project) -> list[ExpectedRole]:
    """Every set of policies a role of the product may have, from the catalog (never a set it does not name)."""
    catalog = project.catalog
    found: dict[tuple[str, tuple[str, ...]], list[str]] = {}

    def add(role: str, policies: Iterable[str], where: str) -> None:
        names = tuple(sorted(set(policies)))
        if names:
            found.setdefault((role, names), []).append(where)

    if catalog is None:
        return []
    for combination in catalog.combinations():  # what a reader sets up: a base with its additions, never one alone
        for rid, setup in combination.roles.items():
            add(rid, setup.policies, f"option {combination.id}")
    cfn = catalog.cloudformation
    add(cfn.role, cfn.inline_policies, "the template")
    if cfn.session_policies:
        add(cfn.role, [*cfn.inline_policies, *cfn.session_policies], "the template with Session Manager")
        # The product's Jupyter templates give their instance role the Session Manager policy alone.
        add(cfn.role, cfn.session_policies, "the Jupyter template")
    return [ExpectedRole(r, p, tuple(w)) for (r, p), w in found.items()]


def grants_of(copies: Iterable[Copy], db: IAMDatabase) -> set[Grant]:
    """Every grant of several documents together (what one role gets from all its policies)."""
    grants: set[Grant] = set()
    for c in copies:
        grants |= document_grants(c.document, db, c.values)
    return grants


def access_of(copies: Iterable[Copy], db: IAMDatabase) -> Access:
    return effective(grants_of(copies, db))


def choose_expected(copies: list[Copy], db: IAMDatabase, expected: list[ExpectedRole],
                    canon: Mapping[str, set[Grant]]) -> tuple[ExpectedRole, int, int] | None:
    """The policy set a role is, by coverage of its grants; None when it covers none (a role of someone else).

    Which set a role is, is told by what it allows (its Denies are then compared like any
    other grant, so a Deny that empties it is drift, not "someone else's role"). Of the sets
    it covers, one that holds every policy its documents stand for and the fewest others is
    preferred, then the fewest differences, then the smaller surplus. A document that grants
    nothing beyond a set is a part of it, whatever it resembles on its own (a split policy's
    parts stand for the policy they were cut from). Policies a document is mapped to (--map)
    are in the set whatever it covers.
    """
    homes = {m for c in copies for m in c.matched}
    forced = {p for c in copies for p in c.canonical}
    access = allowed = effective(g for g in grants_of(copies, db) if g.effect == "Allow")
    candidates = [e for e in expected if forced <= set(e.policies)] if forced else list(expected)
    if forced and not candidates:
        candidates = [ExpectedRole("", tuple(sorted(forced)), ("--map",))]
    best: tuple[tuple[Any, ...], ExpectedRole, int, int] | None = None
    allows = [[g for g in document_grants(c.document, db, c.values) if g.effect == "Allow"] for c in copies]
    alone = {p: effective(canon[p]) for e in candidates for p in e.policies if p in canon}
    for e in candidates:
        want = effective(set().union(*(canon[p] for p in e.policies if p in canon)))
        covered, needed = coverage(allowed, want.allowed)
        if not forced and not is_covered(covered, needed):
            continue
        extra = len(access.grants - want.grants)
        # A document that grants nothing beyond the set is a part of it (a split policy): it stands for the set's
        # policies it grants from, whatever it resembles on its own (a part with `secretsmanager:*` on "*" covers
        # the one-grant engine policy); any other document stands for the policy it covers on its own.
        outside: set[str] = set()
        stands: set[str] = set()
        for c, mine in zip(copies, allows, strict=True):
            if mine and all(want.covers(g) for g in mine):
                stands.update(p for p in e.policies if p in alone and any(alone[p].covers(g) for g in mine))
            else:
                outside.update(c.matched)
        others = len(set(e.policies) - stands - outside) if homes else 0  # policies none of its documents stands for
        key = (not outside <= set(e.policies), others, needed - covered + extra, extra, e.label, e.role)
        if best is None or key < best[0]:
            best = (key, e, covered, needed)
    return (best[1], best[2], best[3]) if best else None


def _denied_lines(d: Any, copies: list[Copy], db: IAMDatabase, label: Any) -> list[Difference]:
    """Removed grants that the copies do allow but take away with their own Deny: one line per Deny statement.

    They leave `d.removed`, so that a `Deny NotAction` is one line saying what it removes.
    """
    raw: set[Grant] = set()
    for c in copies:
        raw |= document_grants(c.document, db, c.values)
    allows = effective(g for g in raw if g.effect == "Allow")
    hard = [g for g in raw if g.effect != "Allow" and not g.condition]
    denied = {g for g in d.removed if allows.covers(g) and any(
        h.action == g.action and resource_covers(h.resource, g.resource) for h in hard)}
    if not denied:
        return []
    d.removed -= denied
    origins: dict[str, _Held] = {}
    for c in copies:
        for action, origin in action_origins(c.document, db, "Deny").items():
            origins.setdefault(action, _Held(c, origin))
    groups: dict[int, list[Grant]] = defaultdict(list)
    for g in sorted(denied):
        groups[id(origins[g.action].origin) if g.action in origins else 0].append(g)
    out = []
    for grants in groups.values():
        held = origins.get(grants[0].action)
        copy = held.copy if held else copies[0]
        actions = sorted({g.action for g in grants})
        what = display_action(actions[0], db) if len(actions) == 1 else f"{len(actions):,} actions"
        how = _show_origin(held.origin) if held else "a Deny"
        out.append(Difference("added", "drift", _loc_of(held.origin if held else None, copy.loc), copy.name,
                              label(copy), how,
                              f"added a Deny of {what} through {how}: it removes "
                              f"{'it' if len(actions) == 1 else 'them'} from what the policy grants"))
    return out


def compare_role_access(name: str, loc: Location, copies: list[Copy], expected: ExpectedRole,
                        canon: Mapping[str, set[Grant]], db: IAMDatabase) -> list[Difference]:
    """A role's documents, together, against the access its policy set gives: widening and narrowing are drift.

    Each difference is reported once, at the document and statement that causes it; a
    removed grant at the document that stands for the policy it belongs to. A document
    with nothing of the expected access is one line.
    """
    policies = {p: canon[p] for p in expected.policies if p in canon}
    want = effective(set().union(*policies.values()))
    have = access_of(copies, db)
    out: list[Difference] = []
    foreign: list[Copy] = []
    for c in copies:
        grants = document_grants(c.document, db, c.values)
        if c.matched or not grants or any(g.effect != "Allow" for g in grants) or any(want.covers(g) for g in grants):
            continue
        foreign.append(c)
        actions = sorted(display_action(a, db) for a in allowed_actions(c.document, db))
        shown = ", ".join(actions[:5]) + (f" and {len(actions) - 5} more" if len(actions) > 5 else "")
        out.append(Difference("added", "drift", c.loc, name, "", shown,
                              f"{name} also gets {c.name}, which is no policy in policies/: "
                              f"adds {len(actions)} action{'s' if len(actions) != 1 else ''} ({shown})"))
    rest = [c for c in copies if c not in foreign]
    d = diff(set(want.grants), set(have.grants))
    if foreign:  # what the foreign documents alone add is said above
        alone = access_of(rest, db).grants
        d.added = {g for g in d.added if g in alone}
    home: dict[str, Copy] = {}
    for c in rest:
        for m in c.matched:
            home.setdefault(m, c)
    fallback = rest[0] if rest else None

    def label(copy: Copy) -> str:
        return " + ".join(copy.matched) if copy.matched else expected.label

    def removed_at(grants: list[Grant]) -> tuple[str, Location, str]:
        owner = next((p for p in sorted(policies) if any(g in policies[p] for g in grants)), expected.label)
        copy = home.get(owner, fallback)
        return (copy.name, copy.loc, owner) if copy else (name, loc, owner)

    out.extend(_denied_lines(d, rest, db, label))
    if rest:
        out.extend(_grant_lines(d, rest, db, label, removed_at))
    else:
        for a in d.removed_actions():
            out.append(Difference("removed", "drift", loc, name, expected.label, display_action(a, db),
                                  f"removed {display_action(a, db)}"))
    return out


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
                       and resource_covers(h.resource, g.resource, names=True)]
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


def compare_roles(project: Project, roles: list[RoleCopy],
                  setups: Sequence[ExpectedRole | None] = ()) -> list[Difference]:
    """Roles a template creates against the catalog's roles: the right policies together, the right trust.

    A role is recognised by the policies attached to it, not by its logical ID:
    it is the catalog role that some option (or the product's template) gives all
    of them. When no catalog role gets them all, a policy is on the wrong role; so it
    is when two roles are the same catalog role and their policies together are a set
    of it that neither has (the Session Manager policy on a role of its own, while the
    role with the manager policy goes without it).
    """
    catalog = project.catalog
    if catalog is None:
        return []
    allowed = catalog_role_policies(project)
    out: list[Difference] = []
    placed: dict[str, list[tuple[RoleCopy, list[str]]]] = defaultdict(list)
    for n, role in enumerate(roles):
        setup = setups[n] if n < len(setups) else None
        have = sorted({m for c in role.documents for m in c.matched}) or (list(setup.policies) if setup else [])
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
        placed[rid].append((role, have))
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
    out.extend(_split_over_roles(project, placed))
    return out


def _split_over_roles(project: Project, placed: Mapping[str, list[tuple[RoleCopy, list[str]]]]) -> list[Difference]:
    """Roles that are the same catalog role, whose policies together are one of its sets that none of them has.

    Each role alone may be a set of the catalog (the manager policy alone is option engine-a; the Session
    Manager policy alone is the Jupyter template's role), but the template gives the catalog role's
    policies to several roles: the one that should have them all lacks some. Said at the roles that have less.
    """
    sets = {(e.role, frozenset(e.policies)): e for e in expected_roles(project)}
    out: list[Difference] = []
    for rid, held in placed.items():
        union = frozenset(p for _, have in held for p in have)
        e = sets.get((rid, union))
        if len(held) < 2 or e is None or any(set(have) == union for _, have in held):
            continue
        # the role that should have them all: the one with the template's own policies (or else the most)
        inline = set(project.catalog.cloudformation.inline_policies) if project.catalog else set()
        main, main_has = min(held, key=lambda h: (not inline <= set(h[1]), -len(h[1]), h[0].name))
        title = project.catalog.roles[rid].title.lower() if project.catalog else rid
        for role, have in held:
            if role is main:
                continue
            rest = sorted(union - set(have))
            out.append(Difference(
                "wrong-role", "drift", role.loc, role.name, " + ".join(have), "",
                f"{role.name} gets {', '.join(have)}, which the catalog's {title} gets together with "
                f"{', '.join(rest)} ({e.source}); {main.name} gets {', '.join(main_has)} without "
                f"{'it' if len(have) == 1 else 'them'}"))
    return out
