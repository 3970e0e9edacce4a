"""IAM condition operators and policy variables: the part of IAM evaluation that reads the request context.

access.py decides requests; a statement's Condition block is judged here. Every operator of the IAM
grammar is supported (String, Numeric, Date, Bool, Binary, IpAddress, Arn families and their negations,
each with ...IfExists, under ForAllValues:/ForAnyValue:, and Null), and policy variables
(`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, `${*}`, `${?}`, `${$}`) in condition values.

An offline check cannot know every value a real request carries (the caller's source IP, the tags it
sends). The answer is therefore three-valued: True, False, or the set of keys whose unknown values
decide it. A context says which keys are present (with their values), which are absent, and which
are unknown.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from iamdocs.iamdb import wildcard_match, wildcard_regex

# True, False, or the (non-empty) set of lower-case keys whose unknown values decide the answer.
Truth = bool | frozenset


def t_and(parts: Iterable[Truth]) -> Truth:
    """All must hold: False wins, then unknown keys (gathered), then True."""
    keys: set[str] = set()
    for p in parts:
        if p is False:
            return False
        if p is not True:
            keys |= p
    return frozenset(keys) if keys else True


def t_or(parts: Iterable[Truth]) -> Truth:
    """One must hold: True wins, then unknown keys (gathered), then False."""
    keys: set[str] = set()
    for p in parts:
        if p is True:
            return True
        if p is not False:
            keys |= p
    return frozenset(keys) if keys else False


def t_not(p: Truth) -> Truth:
    return p if isinstance(p, frozenset) else not p


PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"


@dataclass(frozen=True)
class Context:
    """The request context as far as it is known.

    `values` maps lower-case keys to a string (single-valued) or a tuple of strings (multivalued).
    A key not in `values` is unknown when `unknown(key)` says so, and absent otherwise; without an
    `unknown` function every key is known (the differential tests give complete contexts).
    """

    values: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    unknown: Callable[[str], bool] | None = None

    def lookup(self, key: str) -> tuple[str, str | tuple[str, ...] | None]:
        low = key.lower()
        if low in self.values:
            value = self.values[low]
            # an empty list is a null value: AWS treats it as an absent key (Null holds, ForAllValues holds...)
            return (ABSENT, None) if value == () else (PRESENT, value)
        if self.unknown is not None and self.unknown(low):
            return UNKNOWN, None
        return ABSENT, None


def context(values: Mapping[str, Any], unknown: Callable[[str], bool] | None = None) -> Context:
    """A Context from plain JSON-like values: lists become multivalued, other scalars single strings."""
    out: dict[str, str | tuple[str, ...]] = {}
    for k, v in values.items():
        out[k.lower()] = tuple(_scalar(x) for x in v) if isinstance(v, list | tuple) else _scalar(v)
    return Context(out, unknown)


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# Policy variables -------------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# ${*} and ${?} are a literal * and ?, where they would otherwise be wildcards; they stand in the
# substituted text as two private-use characters until a comparison reads them (see like()).
STAR, QUESTION = "\ue000", "\ue001"
_SPECIAL = {"*": STAR, "?": QUESTION, "$": "$"}
_DEFAULT = re.compile(r"^\s*([^,\s][^,]*?)\s*,\s*'([^']*)'\s*$")


class Unresolved(Exception):
    """A policy variable names a key the request does not carry and gives no default."""


def literal(text: str) -> str:
    """Substituted text as plain characters: a ${*} or ${?} back to * and ?."""
    return text.replace(STAR, "*").replace(QUESTION, "?")


@lru_cache(maxsize=65536)
def _literal_regex(pattern: str) -> re.Pattern[str]:
    rx = wildcard_regex(pattern).pattern.replace(STAR, r"\*").replace(QUESTION, r"\?")
    return re.compile(rx, re.DOTALL)


def like(text: str, pattern: str) -> bool:
    """IAM wildcard matching (* and ?) of substituted text, where a ${*} or ${?} stays a literal character."""
    if STAR in pattern or QUESTION in pattern:
        return _literal_regex(pattern).match(text) is not None
    return wildcard_match(text, pattern)


def substitute(text: str, ctx: Context) -> str | frozenset:
    """`text` with its policy variables replaced; the unknown keys when a variable's value is unknown.

    A ${*} or ${?} becomes a character that like() reads as a literal * or ?; literal() turns them back.

    Raises Unresolved when a variable's key is absent (or multivalued) and no default is given:
    such a value matches nothing.
    """
    if "${" not in text:
        return text
    unknown: set[str] = set()

    def one(m: re.Match[str]) -> str:
        inner = m.group(1)
        if inner in _SPECIAL:
            return _SPECIAL[inner]
        default = None
        d = _DEFAULT.match(inner)
        if d:
            inner, default = d.group(1), d.group(2)
        state, value = ctx.lookup(inner.strip())
        if state == UNKNOWN:
            unknown.add(inner.strip().lower())
            return ""
        if state == PRESENT and isinstance(value, str):
            return value
        if default is not None:
            return default
        raise Unresolved(inner)

    out = _VARIABLE.sub(one, text)
    return frozenset(unknown) if unknown else out


# Operators -------------------------------------------------------------------------------------------


def _number(text: str) -> float | None:
    try:
        n = float(text.strip())
    except ValueError:
        return None
    return n if math.isfinite(n) else None


_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d")


def _date(text: str) -> float | None:
    """Seconds since the epoch: ISO 8601 (a date, or a time with Z or an offset) or a number of seconds."""
    t = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", t):
        return float(t)
    iso = t[:-1] + "+00:00" if t.endswith(("Z", "z")) else t
    for fmt in _DATE_FORMATS:
        try:
            d = datetime.strptime(iso, fmt)
        except ValueError:
            continue
        if d.tzinfo is None:
            d = d.replace(tzinfo=UTC)
        return d.timestamp()
    return None


def _binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _binary_equals(value: str, policy: str) -> bool:
    """Both sides base64 (the request carries binary values encoded, as the policy does); else the text itself."""
    a, b = _binary(value), _binary(literal(policy))
    return a == b if a is not None and b is not None else value == literal(policy)


def _ip_in(value: str, network: str) -> bool:
    try:
        addr = ipaddress.ip_address(value.strip().split("/")[0])
        net = ipaddress.ip_network(network.strip(), strict=False)
    except ValueError:
        return False
    return addr.version == net.version and addr in net


def _arn_parts(text: str) -> list[str] | None:
    parts = text.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def arn_like(value: str, pattern: str) -> bool:
    """ArnLike/ArnEquals: the six colon-separated parts compared one by one, each with * and ? wildcards
    (so a * never spans a colon); a value or a pattern that is not a whole ARN matches nothing."""
    v, p = _arn_parts(value), _arn_parts(pattern)
    if p is None or v is None:
        return False
    return all(like(a, b) for a, b in zip(v, p, strict=True))


def _eq(a: float | None, b: float | None, test: Callable[[float, float], bool]) -> bool:
    return a is not None and b is not None and test(a, b)


_LT: Callable[[float, float], bool] = lambda a, b: a < b  # noqa: E731
_LE: Callable[[float, float], bool] = lambda a, b: a <= b  # noqa: E731
_GT: Callable[[float, float], bool] = lambda a, b: a > b  # noqa: E731
_GE: Callable[[float, float], bool] = lambda a, b: a >= b  # noqa: E731
_EQ: Callable[[float, float], bool] = lambda a, b: a == b  # noqa: E731


@dataclass(frozen=True)
class Operator:
    """A base operator: how one request value compares with one policy value, and whether it is negated."""

    name: str
    test: Callable[[str, str], bool]
    negated: bool = False
    variables: bool = False  # policy variables are replaced in its values (string and ARN operators)


def _ops() -> dict[str, Operator]:
    def num(t: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
        return lambda v, p: _eq(_number(v), _number(p), t)

    def date(t: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
        return lambda v, p: _eq(_date(v), _date(p), t)

    table = [
        Operator("StringEquals", lambda v, p: v == literal(p), variables=True),
        Operator("StringNotEquals", lambda v, p: v == literal(p), True, True),
        Operator("StringEqualsIgnoreCase", lambda v, p: v.casefold() == literal(p).casefold(), variables=True),
        Operator("StringNotEqualsIgnoreCase", lambda v, p: v.casefold() == literal(p).casefold(), True, True),
        Operator("StringLike", like, variables=True),
        Operator("StringNotLike", like, True, True),
        Operator("NumericEquals", num(_EQ)),
        Operator("NumericNotEquals", num(_EQ), True),
        Operator("NumericLessThan", num(_LT)),
        Operator("NumericLessThanEquals", num(_LE)),
        Operator("NumericGreaterThan", num(_GT)),
        Operator("NumericGreaterThanEquals", num(_GE)),
        Operator("DateEquals", date(_EQ)),
        Operator("DateNotEquals", date(_EQ), True),
        Operator("DateLessThan", date(_LT)),
        Operator("DateLessThanEquals", date(_LE)),
        Operator("DateGreaterThan", date(_GT)),
        Operator("DateGreaterThanEquals", date(_GE)),
        Operator("Bool", lambda v, p: v.lower() == literal(p).lower(), variables=True),
        Operator("BinaryEquals", _binary_equals, variables=True),
        Operator("IpAddress", _ip_in),
        Operator("NotIpAddress", _ip_in, True),
        Operator("ArnEquals", arn_like, variables=True),
        Operator("ArnLike", arn_like, variables=True),
        Operator("ArnNotEquals", arn_like, True, True),
        Operator("ArnNotLike", arn_like, True, True),
    ]
    return {o.name.lower(): o for o in table}


OPERATORS = _ops()
SET_QUALIFIERS = ("forallvalues", "foranyvalue")


class ConditionError(ValueError):
    """An operator IAM does not know, or a condition block of the wrong shape."""


@dataclass(frozen=True)
class Test:
    """One key under one operator: `ForAnyValue:StringLikeIfExists: {"aws:TagKeys": [...]}`."""

    operator: str  # as written
    key: str  # as written
    values: tuple[str, ...]
    base: Operator | None  # None for Null
    qualifier: str  # "", "forallvalues" or "foranyvalue"
    if_exists: bool


def parse_operator(name: str) -> tuple[Operator | None, str, bool]:
    """(base operator or None for Null, set qualifier, ...IfExists) of an operator name, any case."""
    low = name.lower()
    qualifier = ""
    if ":" in low:
        qualifier, _, low = low.partition(":")
        if qualifier not in SET_QUALIFIERS:
            raise ConditionError(f"unknown set operator {name.split(':', 1)[0]!r} (ForAllValues or ForAnyValue)")
    if low == "null":
        if qualifier:
            raise ConditionError(f"{name}: Null takes no set operator")
        return None, "", False
    if_exists = low.endswith("ifexists")
    base = OPERATORS.get(low[: -len("ifexists")] if if_exists else low)
    if base is None:
        raise ConditionError(f"unknown condition operator {name!r}")
    return base, qualifier, if_exists


def compile_condition(block: Any) -> tuple[Test, ...]:
    """The tests of a statement's Condition block; ConditionError names what is wrong."""
    if block is None:
        return ()
    if not isinstance(block, dict):
        raise ConditionError("Condition must be an object of operators")
    out = []
    for op, keys in block.items():
        base, qualifier, if_exists = parse_operator(op)
        if not isinstance(keys, dict):
            raise ConditionError(f"{op} must map condition keys to values")
        for key, vals in keys.items():
            items = vals if isinstance(vals, list) else [vals]
            if any(isinstance(v, dict | list) or v is None for v in items):
                raise ConditionError(f"{op} {key}: a condition value must be a string, number or boolean")
            out.append(Test(op, key, tuple(_scalar(v) for v in items), base, qualifier, if_exists))
    return tuple(out)


def _policy_values(test: Test, ctx: Context) -> tuple[list[str], frozenset]:
    """The test's values with variables replaced; values that name an unknown key are left out, their keys kept.

    Raises Unresolved when a variable cannot be replaced: AWS then treats the whole test as not met.
    """
    if test.base is None or not test.base.variables:
        return list(test.values), frozenset()
    out: list[str] = []
    unknown: set[str] = set()
    for v in test.values:
        s = substitute(v, ctx)
        if isinstance(s, frozenset):
            unknown |= s
        else:
            out.append(s)
    return out, frozenset(unknown)


def _matches(base: Operator, value: str, policy: list[str], unknown: frozenset) -> Truth:
    """Whether one request value matches one of the policy values (the positive form of the operator)."""
    if any(base.test(value, p) for p in policy):
        return True
    return unknown or False


def evaluate_test(test: Test, ctx: Context) -> Truth:
    state, value = ctx.lookup(test.key)
    if state == UNKNOWN:
        return frozenset({test.key.lower()})
    if test.base is None:  # Null: "true" asks for an absent key, "false" for a present one
        is_null = state == ABSENT
        return any((v.lower() == "true") == is_null for v in test.values)
    if state == ABSENT:
        if test.qualifier:  # ForAllValues holds for no values; ForAnyValue fails, ...IfExists or not (as AWS does)
            return test.qualifier == "forallvalues"
        return test.if_exists or test.base.negated
    if isinstance(value, tuple) and not test.qualifier:
        return False  # a multivalued key needs ForAllValues or ForAnyValue: without, no operator matches it
    try:
        policy, unknown = _policy_values(test, ctx)
    except Unresolved:
        return False
    values = value if isinstance(value, tuple) else (value,)
    per_value = [_matches(test.base, v, policy, unknown) for v in values]
    if test.base.negated:
        per_value = [t_not(p) for p in per_value]
    if test.qualifier == "forallvalues":
        return t_and(per_value)
    if test.qualifier == "foranyvalue":
        return t_or(per_value)
    return per_value[0]


def evaluate(tests: Iterable[Test], ctx: Context) -> Truth:
    """A Condition block holds when every test holds."""
    return t_and(evaluate_test(t, ctx) for t in tests)


def condition_keys(tests: Iterable[Test]) -> set[str]:
    """The lower-case keys a condition block reads, including those its policy variables name."""
    out = set()
    for t in tests:
        out.add(t.key.lower())
        for v in t.values:
            out.update(m.group(1).split(",")[0].strip().lower() for m in _VARIABLE.finditer(v)
                       if m.group(1) not in _SPECIAL)
    return out
