"""Effective access of a set of identity policies: the project's one definition of IAM evaluation.

Drift compares roles with what they should grant, and a later preflight will ask
whether a role may make one request; both must agree on what a policy means, so
both use this module. It builds on grants.py (which expands Action/NotAction
against the IAM data with its single expansion function) and adds what a set of
grants means together: an explicit Deny wins over any Allow, a resource pattern
covers the resources it matches, and a conditioned statement is conditional.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from iamdocs.conditions import (
    QUESTION,
    STAR,
    ConditionError,
    Context,
    Test,
    Truth,
    Unresolved,
    compile_condition,
    evaluate,
    like,
    substitute,
    t_and,
    t_not,
    t_or,
)
from iamdocs.grants import NOT_SEPARATOR, Grant, document_grants
from iamdocs.iamdb import IAMDatabase, rcp_services, wildcard_match, wildcard_regex
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

    seen: set[tuple[int, int]] = set()
    todo = list(closure(0, 0))
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return False
        # the characters that matter here: a literal either pattern needs next; where both take any character,
        # one that neither names stands for all of them (each leads to the same next positions)
        chars = {p[k] for p, k in ((a, i), (b, j)) if k < len(p) and p[k] not in "*?"} or {"\x00"}
        for c in chars:
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

    Decided by evaluate_request with every condition key unknown: a conditioned statement that would
    decide it makes the answer CONDITIONAL. Placeholders and filled-in values compare equal (normalize),
    and a statement that cannot be evaluated is left out, as document_grants leaves it out. `db` is
    not needed to decide one request (a pattern is matched against the action's name); it stays for
    callers that pass it.
    """
    del db
    rules: list[Rule] = []
    for doc in documents:
        statements = doc.get("Statement") if isinstance(doc, dict) else None
        for i, st in enumerate(_list(statements) if statements is not None else []):
            try:
                rules.append(compile_statement(_normalized(st, values), i, Origin("identity")))
            except PolicyError:
                continue
    req = Request(action, normalize(resource, values), Context({}, unknown=lambda _key: True))
    return evaluate_request(req, Policies(Layer("identity", 0, (), tuple(rules)))).verdict


def _normalized(st: Any, values: Mapping[str, str] | None) -> Any:
    if not isinstance(st, dict):
        return st
    out = dict(st)
    for key in ("Resource", "NotResource"):
        if key in out and all(isinstance(r, str) for r in _list(out[key])):
            out[key] = [normalize(r, values) for r in _list(out[key])]
    return out


# A policy of fewer grants than this is recognised by a covering grant (`GetSecretValue on *` for the engine
# policy's one secret pattern) only in access that stays within its services: every vendor's instance role that
# reads a secret among other things would otherwise be the engine role. Elsewhere only its grants as written count.
EXACT_BELOW = 3


def coverage(have: Access, need: Iterable[Grant]) -> tuple[int, int]:
    """(covered, needed): how many of the Allow grants in `need` this access grants (see EXACT_BELOW)."""
    wanted = [g for g in need if g.effect == "Allow"]
    if len(wanted) < EXACT_BELOW:
        services = {g.action.partition(":")[0] for g in wanted}
        if any(g.action.partition(":")[0] not in services for g in have.allowed):
            return sum(1 for g in wanted if g in have.allowed), len(wanted)
    return sum(1 for g in wanted if have.covers(g)), len(wanted)


def surplus(have: Access, need: Iterable[Grant]) -> int:
    """How many Allow grants `have` has beyond `need` (ties between covered options go to the smaller)."""
    return len(have.allowed - set(need))


# Requests ---------------------------------------------------------------------------------------------
#
# One request (action, resource, context) decided against everything that applies to it: the
# principal's identity policies, each level of service control policies, the permissions boundary
# and the resource control policies. As AWS evaluates it: an explicit Deny anywhere wins; then the
# identity policies, every SCP level and the boundary must each allow it (RCPFullAWSAccess is always
# attached, so RCPs only deny, and only for the services RCPs apply to). Conditions are judged by
# conditions.py, three-valued: a statement whose condition depends on a value the context does not
# know makes the answer CONDITIONAL, naming the keys.

RESOURCE_KEY = "resource"  # the "key" of an answer that depends on the name of a resource the request names


class PolicyError(ValueError):
    """A statement that cannot be evaluated (no Effect, a bad Condition ...): the message says what is wrong."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.message = message
        self.index = index  # the statement's 0-based index in its document


@dataclass(frozen=True)
class Origin:
    """Where a statement comes from, for reports: the part of the evaluation, file, place, Sid or #index."""

    part: str  # identity, scp, rcp, boundary
    level: int = 0  # 1 for the root's SCPs or RCPs, 2 for the next level ...; 0 for identity and boundary
    file: str = ""
    line: int = 0
    col: int = 0
    statement: str = ""  # the Sid, or "#N" (1-based) for a statement without one; "" for a whole level


@dataclass(frozen=True, eq=False)
class Rule:
    """A statement compiled for evaluation."""

    allow: bool
    actions: tuple[re.Pattern[str], ...]  # the Action or NotAction entries, lower case, each matching whole names
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    tests: tuple[Test, ...]
    origin: Origin


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def _action_regexes(patterns: list[Any], index: int) -> tuple[re.Pattern[str], ...]:
    if not patterns or any(not isinstance(p, str) for p in patterns):
        raise PolicyError("Action and NotAction entries must be strings", index)
    return tuple(wildcard_regex(p.lower()) for p in patterns)


def compile_statement(st: Any, index: int, origin: Origin) -> Rule:
    """One statement as a Rule; PolicyError says what makes it impossible to evaluate."""
    if not isinstance(st, dict):
        raise PolicyError("a statement must be an object", index)
    effect = st.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"Effect must be \"Allow\" or \"Deny\", not {json.dumps(effect)}", index)
    if ("Action" in st) == ("NotAction" in st):
        raise PolicyError("a statement needs exactly one of Action and NotAction", index)
    if ("Resource" in st) == ("NotResource" in st):
        raise PolicyError("a statement needs exactly one of Resource and NotResource", index)
    resources = _list(st.get("Resource", st.get("NotResource")))
    if not resources or any(not isinstance(r, str) for r in resources):
        raise PolicyError("Resource and NotResource entries must be strings", index)
    try:
        tests = compile_condition(st.get("Condition"))
    except ConditionError as exc:
        raise PolicyError(str(exc), index) from None
    return Rule(effect == "Allow", _action_regexes(_list(st.get("Action", st.get("NotAction"))), index),
                "NotAction" in st, tuple(resources), "NotResource" in st, tests, origin)


def statement_label(st: Any, index: int) -> str:
    """How reports name a statement: its Sid, or #N (1-based) when it has none."""
    sid = st.get("Sid") if isinstance(st, dict) else None
    return sid if isinstance(sid, str) and sid else f"#{index + 1}"


@dataclass(frozen=True)
class Layer:
    """Policies that must together allow a request: the identity policies, one SCP level, the boundary."""

    part: str
    level: int
    files: tuple[str, ...]
    rules: tuple[Rule, ...]
    # what the layer says about an action and a request, kept for the next evaluator that asks (a preflight
    # decides the same requests for every option against the same guardrails)
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def origin(self) -> Origin:
        return Origin(self.part, self.level, self.files[0] if self.files else "")

    def named(self, action: str, services: frozenset[str] | None = None) -> tuple[list[Rule], list[Rule]]:
        """(Deny statements, Allow statements) that name the lower-case action; with `services`, none unless
        the action's service is one of them (RCPs apply only to theirs)."""
        found = self.memo.get(action)
        if found is None:
            rules = self.rules if services is None or action.split(":", 1)[0] in services else ()
            hit = [r for r in rules if any(rx.match(action) for rx in r.actions) != r.not_action]
            found = self.memo[action] = ([r for r in hit if not r.allow], [r for r in hit if r.allow])
        return found

    def judge(self, req: Request, key: Hashable | None = None) -> tuple[Origin | None, list, list, bool]:
        """(the first Deny that applies, the Denies that may, the Allows that may, whether an Allow applies).

        With a `key` that stands for the request (its action, resource and context), the answer is kept.
        """
        found = self.memo.get(("judge", key)) if key is not None else None
        if found is None:
            denies, allows = self.named(req.action.lower(), rcp_services() if self.part == "rcp" else None)
            found = _judge(denies, allows, req)
            if key is not None:
                self.memo[("judge", key)] = found
        return found


def _judge(denies: list[Rule], allows: list[Rule], req: Request) -> tuple[Origin | None, list, list, bool]:
    maybe_denied: list[tuple[Origin, frozenset[str]]] = []
    for rule in denies:
        t = _applies_named(rule, req)
        if t is True:
            return rule.origin, [], [], False
        if t is not False:
            maybe_denied.append((rule.origin, t))
    maybe_allowed: list[tuple[Origin, frozenset[str]]] = []
    for rule in allows:
        t = _applies_named(rule, req)
        if t is True:
            return None, maybe_denied, [], True
        if t is not False:
            maybe_allowed.append((rule.origin, t))
    return None, maybe_denied, maybe_allowed, False


@dataclass(frozen=True)
class Policies:
    """Everything that decides a principal's requests."""

    identity: Layer
    scps: tuple[Layer, ...] = ()
    rcps: tuple[Layer, ...] = ()
    boundary: Layer | None = None

    def layers(self) -> list[Layer]:
        """The layers that must each allow (RCPs only deny)."""
        return [self.identity, *self.scps, *([self.boundary] if self.boundary else [])]


@dataclass(frozen=True)
class Request:
    """One request. A resource with `pattern` set stands for every ARN it matches: the request will name one
    of them, the evaluator does not know which (a role whose name is generated), so a statement naming only
    some of them makes the answer depend on the resource's name."""

    action: str
    resource: str
    context: Context
    pattern: bool = False


@dataclass(frozen=True)
class Decision:
    verdict: str  # ALLOWED, DENIED, IMPLICIT or CONDITIONAL
    origin: Origin | None = None  # DENIED: the Deny statement; IMPLICIT: the layer that has no Allow
    conditions: tuple[tuple[Origin, frozenset[str]], ...] = ()  # CONDITIONAL: each deciding statement, its keys


@lru_cache(maxsize=65536)  # a preflight asks about the same few patterns for every statement that names them
def resource_truth(request: str, pattern: str, is_pattern: bool) -> Truth:
    """Whether a statement's resource (after its variables are replaced) matches the request's: the whole ARN
    with * and ?, case-sensitively, as resource_covers compares them. For a request whose resource is a
    pattern (names the product generates), a statement that names only some of its ARNs makes the answer
    depend on the resource's name."""
    if not is_pattern:
        return like(request, pattern)
    literal_marks = STAR in pattern or QUESTION in pattern  # a ${*} or ${?}: never read as covering
    if not literal_marks and pattern_covers(pattern, request):
        return True
    plain = pattern.replace(STAR, "*").replace(QUESTION, "?")
    return False if disjoint(plain, request, True) else frozenset({RESOURCE_KEY})


def _resources_truth(rule: Rule, req: Request) -> Truth:
    if "*" in rule.resources:  # every resource, whatever the other entries say
        return not rule.not_resource
    parts: list[Truth] = []
    for raw in rule.resources:
        try:
            pattern = substitute(raw, req.context)
        except Unresolved:  # the entry names nothing; a NotResource statement with it does not apply at all
            if rule.not_resource:
                return False
            parts.append(False)
            continue
        parts.append(pattern if isinstance(pattern, frozenset) else resource_truth(req.resource, pattern, req.pattern))
    hit = t_or(parts)
    return t_not(hit) if rule.not_resource else hit


def _applies_named(rule: Rule, req: Request) -> Truth:
    """Whether a statement that names the request's action (Layer.named found it) applies: resource and condition."""
    res = _resources_truth(rule, req)
    if res is False:
        return False
    return t_and([res, evaluate(rule.tests, req.context)]) if rule.tests else res


class Evaluator:
    """Decides requests against one set of policies. Each layer finds the statements that name an action
    once, and keeps its answer for a request given with a key, so deciding the same requests for many
    options against the same guardrails (a preflight of every option) stays fast."""

    def __init__(self, policies: Policies) -> None:
        self.policies = policies
        self._layers = policies.layers()

    def decide(self, req: Request, key: Hashable | None = None) -> Decision:
        """AWS's answer to one request, or CONDITIONAL with the statements and keys it depends on.

        `key` stands for the request in the guardrails' memo; the role's own policies are never kept.
        """
        judged = [layer.judge(req, key if layer.part != "identity" else None)
                  for layer in [*self._layers, *self.policies.rcps]]
        unknown: list[tuple[Origin, frozenset[str]]] = []
        for denied, maybe_denied, _, _ in judged:
            if denied is not None:
                return Decision(DENIED, denied)
            unknown.extend(maybe_denied)
        missing: Origin | None = None
        for layer, (_, _, maybe_allowed, allowed) in zip(self._layers, judged, strict=False):
            if allowed:
                continue
            if not maybe_allowed:
                missing = missing or layer.origin
            unknown.extend(maybe_allowed)
        if missing is not None:
            return Decision(IMPLICIT, missing)
        if unknown:
            return Decision(CONDITIONAL, conditions=tuple(unknown))
        return Decision(ALLOWED)


def evaluate_request(req: Request, policies: Policies) -> Decision:
    """AWS's answer to one request, or CONDITIONAL with the statements and keys it depends on."""
    return Evaluator(policies).decide(req)
