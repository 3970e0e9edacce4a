"""Effective access of a set of identity policies: the project's one definition of IAM evaluation.

Drift compares roles with what they should grant, and a later preflight will ask
whether a role may make one request; both must agree on what a policy means, so
both use this module. It builds on grants.py (which expands Action/NotAction
against the IAM data with its single expansion function) and adds what a set of
grants means together: an explicit Deny wins over any Allow, a resource pattern
covers the resources it matches, and a conditioned statement is conditional.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from iamdocs.grants import NOT_SEPARATOR, Grant, document_grants
from iamdocs.iamdb import IAMDatabase, wildcard_match
from iamdocs.placeholders import normalize

ALLOWED = "allowed"
DENIED = "denied"  # an explicit Deny without a condition applies
CONDITIONAL = "conditional"  # allowed or denied only when a statement's condition holds
IMPLICIT = "implicitly denied"  # no Allow applies


def _literal(pattern: str) -> bool:
    return "*" not in pattern and "?" not in pattern


def pattern_covers(outer: str, inner: str) -> bool:
    """Whether every text the IAM wildcard pattern `inner` matches is matched by `outer`.

    Sound, not complete: a `*` of `inner` must meet a `*` of `outer`, a `?` a `?` or `*`. A
    "yes" is always right, so no grant is ever hidden behind one that does not really cover it.
    """
    if outer == inner or outer == "*":
        return True
    if _literal(inner):
        return wildcard_match(inner, outer)
    n, m = len(outer), len(inner)
    # reach[j]: outer[:i] can produce everything inner[:j] produces
    reach = [True] + [False] * m
    for i in range(n):
        o = outer[i]
        nxt = [False] * (m + 1)
        if o == "*":
            seen = False
            for j in range(m + 1):
                seen = seen or reach[j]
                nxt[j] = seen
        else:
            for j in range(m):
                if reach[j] and (inner[j] == o if o != "?" else inner[j] != "*"):
                    nxt[j + 1] = True
        reach = nxt
    return reach[m]


@lru_cache(maxsize=65536)
def disjoint(a: str, b: str, b_in_segment: bool = False) -> bool:
    """Whether no text matches both IAM wildcard patterns (exact: a search over the pair of patterns).

    With `b_in_segment`, a `*` of `b` stands for a name within one ARN segment (no ":"), as
    in a needed resource like `secret:compute-engine/*`, whose names cannot hold a colon.
    """
    if _literal(a):
        return not wildcard_match(a, b)
    if _literal(b) and not b_in_segment:
        return not wildcard_match(b, a)

    def closure(i: int, j: int) -> set[tuple[int, int]]:
        out, todo = set(), [(i, j)]
        while todo:
            x, y = todo.pop()
            if (x, y) in out:
                continue
            out.add((x, y))
            if x < len(a) and a[x] == "*":
                todo.append((x + 1, y))
            if y < len(b) and b[y] == "*":
                todo.append((x, y + 1))
        return out

    def step(p: str, i: int, c: str, segment: bool = False) -> int | None:
        if i >= len(p):
            return None
        if p[i] == "*":
            return None if segment and c == ":" else i
        return i + 1 if p[i] in ("?", c) else None

    # the characters that matter: those the patterns name, and one they do not
    alphabet = {c for c in a + b if c not in "*?"} | {"\x00", ":"}
    seen: set[tuple[int, int]] = set()
    todo = list(closure(0, 0))
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return False
        for c in alphabet:
            x, y = step(a, i, c), step(b, j, c, b_in_segment)
            if x is not None and y is not None:
                todo.extend(closure(x, y) - seen)
    return True


def _excluded(resource: str) -> list[str]:
    """The patterns of a NotResource value ("!a<sep>b")."""
    return resource[1:].split(NOT_SEPARATOR)


def resource_covers(pattern: str, resource: str, names: bool = False) -> bool:
    """Whether a granted resource value covers a needed one (an ARN, a pattern, or a NotResource value).

    NotResource covers what it cannot match: a pattern disjoint from every pattern it names,
    or a NotResource value that excludes no more than it. With `names`, a `*` in the needed
    resource stands for names within one ARN segment (what a product's resource pattern means).
    """
    if pattern == "*":
        return True
    if pattern.startswith("!"):
        if resource.startswith("!"):
            theirs = _excluded(resource)
            return all(any(pattern_covers(t, mine) for t in theirs) for mine in _excluded(pattern))
        return all(disjoint(x, resource, names) for x in _excluded(pattern))
    if resource.startswith("!"):
        return False
    return pattern_covers(pattern, resource)


def may_overlap(a: str, b: str) -> bool:
    """Whether some resource may be matched by both values (sound: "yes" when unsure)."""
    if a.startswith("!") or b.startswith("!"):
        return True
    return not disjoint(a, b)


def policies_grants(documents: Iterable[Any], db: IAMDatabase, values: Mapping[str, str] | None = None) -> set[Grant]:
    """Every grant of several documents together (what one role gets from all its policies)."""
    out: set[Grant] = set()
    for doc in documents:
        out |= document_grants(doc, db, values)
    return out


@dataclass(frozen=True)
class Access:
    """What a set of grants allows, in a normal form: equal forms mean equal access.

    Two roles whose policies are laid out, split or repeated differently get the same
    form; a grant another one covers, an Allow an unconditioned Deny takes away, and a
    Deny that meets no Allow are gone. A form may still differ where the access does not
    (patterns this module cannot prove equal), never the other way round.
    """

    allowed: frozenset[Grant]  # Allow grants not covered by another Allow nor removed by an unconditioned Deny
    denies: frozenset[Grant]  # Deny grants that may still take something away from `allowed`

    @property
    def grants(self) -> frozenset[Grant]:
        return self.allowed | self.denies

    @cached_property
    def _by_action(self) -> dict[str, tuple[list[Grant], list[Grant]]]:
        out: dict[str, tuple[list[Grant], list[Grant]]] = {}
        for g in self.allowed:
            out.setdefault(g.action, ([], []))[0].append(g)
        for d in self.denies:
            out.setdefault(d.action, ([], []))[1].append(d)
        return out

    def covers(self, need: Grant) -> bool:
        """Whether this access grants `need` (same action, a covering resource, its condition or none)."""
        allows, denies = self._by_action.get(need.action, ((), ()))
        return any(g.condition in ("", need.condition) and resource_covers(g.resource, need.resource)
                   for g in allows) and not any(
            not d.condition and resource_covers(d.resource, need.resource) for d in denies)


def _minimal(grants: list[Grant]) -> list[Grant]:
    """Grants of one action and effect without those another one covers (same or no condition)."""
    ordered = sorted(grants, key=lambda g: (g.condition != "", len(g.resource), g))
    kept: list[Grant] = []
    for g in ordered:
        if not any(k.condition in ("", g.condition) and resource_covers(k.resource, g.resource) for k in kept):
            kept.append(g)
    return kept


def effective(grants: Iterable[Grant]) -> Access:
    """Allow minus Deny, in normal form (see Access)."""
    allows: dict[str, list[Grant]] = {}
    denies: dict[str, list[Grant]] = {}
    for g in grants:
        (allows if g.effect == "Allow" else denies).setdefault(g.action, []).append(g)
    kept_allows: set[Grant] = set()
    kept_denies: set[Grant] = set()
    for action, mine in allows.items():
        theirs = _minimal(denies.get(action, []))
        hard = [d for d in theirs if not d.condition]
        left = _minimal([g for g in mine if not any(resource_covers(d.resource, g.resource) for d in hard)])
        kept_allows.update(left)
        kept_denies.update(d for d in theirs if any(may_overlap(d.resource, g.resource) for g in left))
    return Access(frozenset(kept_allows), frozenset(kept_denies))


def decide(action: str, resource: str, documents: Iterable[Any], db: IAMDatabase,
           values: Mapping[str, str] | None = None) -> str:
    """The answer for one request (action, resource ARN) against a set of identity policies.

    An explicit Deny wins; a conditioned statement that would decide it makes the
    answer CONDITIONAL, since conditions are not evaluated offline.
    """
    act = action.lower()
    res = normalize(resource, values)
    grants = [g for g in policies_grants(documents, db, values) if g.action == act
              and resource_covers(g.resource, res)]
    if any(g.effect != "Allow" and not g.condition for g in grants):
        return DENIED
    allows = [g for g in grants if g.effect == "Allow"]
    if any(g.effect != "Allow" for g in grants):
        return CONDITIONAL if allows else IMPLICIT
    if any(not g.condition for g in allows):
        return ALLOWED
    return CONDITIONAL if allows else IMPLICIT


def coverage(have: Access, need: Iterable[Grant]) -> tuple[int, int]:
    """(covered, needed): how many of the Allow grants in `need` this access grants."""
    wanted = [g for g in need if g.effect == "Allow"]
    return sum(1 for g in wanted if have.covers(g)), len(wanted)


def surplus(have: Access, need: Iterable[Grant]) -> int:
    """How many Allow grants `have` has beyond `need` (ties between covered options go to the smaller)."""
    return len(have.allowed - set(need))
