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
from typing import Any

from iamdocs.grants import Grant, document_grants
from iamdocs.iamdb import IAMDatabase, wildcard_match
from iamdocs.placeholders import normalize

ALLOWED = "allowed"
DENIED = "denied"  # an explicit Deny without a condition applies
CONDITIONAL = "conditional"  # allowed or denied only when a statement's condition holds
IMPLICIT = "implicitly denied"  # no Allow applies


def resource_covers(pattern: str, resource: str) -> bool:
    """Whether a granted resource (pattern) covers a needed one. NotResource covers what it does not name."""
    if pattern.startswith("!"):
        return not resource.startswith("!") and not wildcard_match(resource, pattern[1:])
    if resource.startswith("!"):
        return pattern == "*"
    return wildcard_match(resource, pattern)


def policies_grants(documents: Iterable[Any], db: IAMDatabase, values: Mapping[str, str] | None = None) -> set[Grant]:
    """Every grant of several documents together (what one role gets from all its policies)."""
    out: set[Grant] = set()
    for doc in documents:
        out |= document_grants(doc, db, values)
    return out


@dataclass(frozen=True)
class Access:
    """What a set of grants allows once its unconditioned Denies are taken away."""

    allowed: frozenset[Grant]  # Allow grants not wholly removed by an unconditioned Deny
    denies: frozenset[Grant]  # the Deny grants, kept: a conditioned Deny or one on part of a resource stays visible

    def covers(self, need: Grant) -> bool:
        """Whether this access grants `need` (same action, a covering resource, its condition or none)."""
        return any(g.action == need.action and g.condition in ("", need.condition)
                   and resource_covers(g.resource, need.resource) for g in self.allowed) and not any(
            d.action == need.action and not d.condition and resource_covers(d.resource, need.resource)
            for d in self.denies)


def effective(grants: Iterable[Grant]) -> Access:
    """Allow minus Deny: an Allow is gone when an unconditioned Deny covers its action and resource."""
    allows = {g for g in grants if g.effect == "Allow"}
    denies = frozenset(g for g in grants if g.effect != "Allow")
    by_action: dict[str, list[Grant]] = {}
    for d in denies:
        if not d.condition:
            by_action.setdefault(d.action, []).append(d)
    kept = frozenset(g for g in allows
                     if not any(resource_covers(d.resource, g.resource) for d in by_action.get(g.action, [])))
    return Access(kept, denies)


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
