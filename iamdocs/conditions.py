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
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
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
class Shape:
    """A single value known only by its shape, such as a role's ARN whose name is not known.

    `relate(shape, policy value, wildcards)` says whether every value of the shape matches the policy value
    (True), none does (False), or some do (None); `wildcards` is False for an equality operator, which
    reads the policy value as plain text.
    """

    pattern: str
    relate: Callable[[str, str, bool], bool | None]


# The operators that can compare a Shape: the string and ARN families; any other comparison is unknown.
_SHAPED = {"stringequals": False, "stringnotequals": False, "stringlike": True, "stringnotlike": True,
           "arnequals": True, "arnlike": True, "arnnotequals": True, "arnnotlike": True}


@dataclass(frozen=True)
class Context:
    """The request context as far as it is known.

    `values` maps lower-case keys to a string (single-valued), a tuple of strings (multivalued) or a Shape.
    A key not in `values` is unknown when `unknown(key)` says so, and absent otherwise; without an
    `unknown` function every key is known (the differential tests give complete contexts).
    """

    values: Mapping[str, str | tuple[str, ...] | Shape] = field(default_factory=dict)
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


# The value grammars below are written out (not Python's float(), strptime or ipaddress), so that the
# browser's copy of this module (docs/javascripts/guardrail-check.js) can accept exactly the same texts.
_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")
_EPOCH = re.compile(r"-?\d+(?:\.\d+)?")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|z|[+-]\d{2}:?\d{2}))?")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_IPV4 = re.compile(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}")
_HEX = re.compile(r"[0-9A-Fa-f]{1,4}")
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _number(text: str) -> float | None:
    if not _NUMBER.fullmatch(text):
        return None
    n = float(text)
    return n if math.isfinite(n) else None


def _date(text: str) -> float | None:
    """Seconds since the epoch: a number of seconds, or ISO 8601 (a date, or a date and time with Z or an offset)."""
    t = text.strip()
    if _EPOCH.fullmatch(t):
        return float(t)
    m = _ISO.fullmatch(t)
    if not m:
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    hour, minute, second = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not (1 <= month <= 12 and 1 <= day <= _DAYS[month - 1] and (month != 2 or day < 29 or leap)
            and hour < 24 and minute < 60 and second < 60):
        return None
    if m[4] is not None and m[8] is None:
        return None  # a time needs its zone
    offset = 0
    if m[8] and m[8] not in ("Z", "z"):
        zone = m[8].replace(":", "")
        offset = (int(zone[1:3]) * 60 + int(zone[3:5])) * (1 if zone[0] == "+" else -1)
    days = _days_from_civil(year, month, day)
    fraction = int((m[7] or "0").ljust(6, "0")) / 1_000_000
    return days * 86400 + hour * 3600 + minute * 60 + second - offset * 60 + fraction


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year from 0), in integer arithmetic."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _binary(text: str) -> bytes | None:
    return base64.b64decode(text) if _BASE64.fullmatch(text) else None


def _binary_equals(value: str, policy: str) -> bool:
    """Both sides base64 (the request carries binary values encoded, as the policy does); else the text itself."""
    a, b = _binary(value), _binary(literal(policy))
    return a == b if a is not None and b is not None else value == literal(policy)


def _ipv6(text: str) -> int | None:
    """An IPv6 address as a number: eight groups, one :: for a run of zeros, an IPv4 address as the last two."""
    tail: list[int] = []
    colon = text.rfind(":")
    if colon >= 0 and "." in text[colon + 1:]:
        if not _IPV4.fullmatch(text[colon + 1:]):
            return None
        a, b, c, d = (int(x) for x in text[colon + 1:].split("."))
        tail = [a << 8 | b, c << 8 | d]
        text = text[: colon + 1] if text[: colon + 1].endswith("::") else text[:colon]
    halves = text.split("::")
    if len(halves) > 2:
        return None
    parts = [h.split(":") if h else [] for h in halves]
    if any(not _HEX.fullmatch(g) for half in parts for g in half):
        return None
    groups = [int(g, 16) for g in parts[0]]
    want = 8 - len(tail)
    if len(halves) == 2:
        rest = [int(g, 16) for g in parts[1]]
        if len(groups) + len(rest) >= want:
            return None
        groups = groups + [0] * (want - len(groups) - len(rest)) + rest
    if len(groups) != want:
        return None
    n = 0
    for g in groups + tail:
        n = n << 16 | g
    return n


def _address(text: str) -> tuple[int, int] | None:
    """(version, value) of an IPv4 or IPv6 address."""
    if _IPV4.fullmatch(text):
        a, b, c, d = (int(x) for x in text.split("."))
        return 4, a << 24 | b << 16 | c << 8 | d
    if ":" in text:
        v6 = _ipv6(text)
        return None if v6 is None else (6, v6)
    return None


def _ip_in(value: str, network: str) -> bool:
    """Whether an address is in a network (a CIDR block; a bare address is its /32 or /128)."""
    addr = _address(value.strip().split("/")[0])
    base, _, bits = network.strip().partition("/")
    net = _address(base)
    if addr is None or net is None or addr[0] != net[0]:
        return False
    width = 32 if net[0] == 4 else 128
    if bits == "":
        prefix = width
    elif re.fullmatch(r"\d{1,3}", bits) and int(bits) <= width:
        prefix = int(bits)
    else:
        return False
    shift = width - prefix
    return addr[1] >> shift == net[1] >> shift


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
        Operator("StringEqualsIgnoreCase", lambda v, p: v.lower() == literal(p).lower(), variables=True),
        Operator("StringNotEqualsIgnoreCase", lambda v, p: v.lower() == literal(p).lower(), True, True),
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


def _matches(base: Operator, value: str | Shape, policy: list[str], unknown: frozenset, key: str) -> Truth:
    """Whether one request value matches one of the policy values (the positive form of the operator)."""
    if isinstance(value, Shape):
        wildcards = _SHAPED.get(base.name.lower())
        if wildcards is None:
            return frozenset({key.lower()})
        if base.name.startswith("Arn"):
            policy = [p for p in policy if _arn_parts(p) is not None]  # ArnLike matches whole ARNs only
        answers = [value.relate(value.pattern, p if wildcards else literal(p), wildcards) for p in policy]
        if True in answers:
            return True
        return unknown | {key.lower()} if None in answers else unknown or False
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
    per_value = [_matches(test.base, v, policy, unknown, test.key) for v in values]
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
