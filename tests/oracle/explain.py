"""Known differences between iam-simulate and AWS's documented behaviour, each as a rewrite that AWS reads
the same way.

A disagreement between iamdocs and the oracle is explained by a cause when rewriting the request by that
cause's rule (a change that means the same to AWS) leaves iamdocs' answer as it was and makes the oracle
give that answer too. Every cause names the AWS documentation the rewrite rests on.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from iamdocs.iamdb import rcp_services

DATE_KEYS = {"aws:currenttime", "aws:tokenissuetime"}


def statements(req: dict[str, Any]) -> Iterator[dict[str, Any]]:
    docs = list(req.get("identity") or [])
    for level in (req.get("scps") or []) + (req.get("rcps") or []):
        docs += level
    if req.get("boundary"):
        docs.append(req["boundary"])
    for d in docs:
        yield from (d["Statement"] if isinstance(d["Statement"], list) else [d["Statement"]])


def condition_tests(req: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str, str]]:
    """(the operator's block, operator, key) for every condition test of every statement."""
    for st in statements(req):
        for op, block in (st.get("Condition") or {}).items():
            for key in list(block):
                yield block, op, key


def _base(op: str) -> str:
    return op.split(":")[-1].removesuffix("IfExists")


def _epoch(value: str) -> str:
    if re.fullmatch(r"\d+", value):
        return value
    return str(int(datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp()))


def rcp_service(req: dict[str, Any]) -> dict[str, Any] | None:
    """RCPs apply only to the services AWS lists for them; iam-simulate applies them to every service."""
    if req.get("rcps") and req["action"].split(":")[0].lower() not in rcp_services():
        out = copy.deepcopy(req)
        out["rcps"] = []
        return out
    return None


def epoch_dates(req: dict[str, Any]) -> dict[str, Any] | None:
    """Date operators take ISO 8601 or epoch seconds alike; iam-simulate compares epoch seconds with ISO dates
    it reads in milliseconds. Rewritten: every date as epoch seconds."""
    out = copy.deepcopy(req)
    changed = False
    for block, op, key in condition_tests(out):
        if _base(op).startswith("Date"):
            vals = block[key] if isinstance(block[key], list) else [block[key]]
            new = [_epoch(v) for v in vals]
            changed |= new != vals
            block[key] = new
    for key, value in list(out.get("context", {}).items()):
        if key.lower() in DATE_KEYS and isinstance(value, str):
            out["context"][key] = _epoch(value)
            changed |= out["context"][key] != value
    return out if changed else None


def ip_networks(req: dict[str, Any]) -> dict[str, Any] | None:
    """A bare address is its /32 (or /128) network, and 0.0.0.0/0 is its two halves; iam-simulate treats a bare
    IPv4 address apart from its /32 when the request is IPv6, and matches nothing with a /0 network."""
    out = copy.deepcopy(req)
    changed = False
    for block, op, key in condition_tests(out):
        if _base(op) in ("IpAddress", "NotIpAddress"):
            vals = block[key] if isinstance(block[key], list) else [block[key]]
            new: list[str] = []
            for v in vals:
                if v == "0.0.0.0/0":
                    new += ["0.0.0.0/1", "128.0.0.0/1"]
                elif "/" not in v:
                    new.append(v + ("/128" if ":" in v else "/32"))
                else:
                    new.append(v)
            changed |= new != vals
            block[key] = new
    return out if changed else None


_VAR = re.compile(r"\$\{([^}]*)\}")
NEVER = {"StringEquals": {"aws:RequestedRegion": "no-such-region-0"}}  # holds for no request


def arn_variables(req: dict[str, Any]) -> dict[str, Any] | None:
    """Policy variables work in ARNs (Resource, ARN operators) as in strings; iam-simulate splits an ARN at its
    colons before it replaces a variable, and every key name holds a colon. Rewritten: the variables replaced
    by the request's values; an ARN test whose variable the request does not carry is not met (AWS), so its
    statement gets a condition no request meets instead."""
    out = copy.deepcopy(req)
    ctx = {k.lower(): v for k, v in out.get("context", {}).items()}
    changed = False
    for st in statements(out):
        for field in ("Resource", "NotResource"):
            items = st.get(field)
            items = items if isinstance(items, list) else [items] if items else []
            if any("${" in v for v in items):
                try:
                    st[field] = [_VAR.sub(lambda m: _lookup(ctx, m.group(1)), v) for v in items]
                    changed = True
                except KeyError:
                    pass  # left as it is: both read an unresolved variable alike
        cond = st.get("Condition") or {}
        for op in list(cond):
            if not _base(op).startswith("Arn"):
                continue
            for key, vals in list(cond[op].items()):
                items = vals if isinstance(vals, list) else [vals]
                if not any("${" in v for v in items):
                    continue
                changed = True
                try:
                    cond[op][key] = [_VAR.sub(lambda m: _lookup(ctx, m.group(1)), v) for v in items]
                except KeyError:
                    del cond[op][key]
                    cond.update(copy.deepcopy(NEVER))
            if not cond[op]:
                del cond[op]
    return out if changed else None


def _lookup(ctx: dict[str, Any], name: str) -> str:
    value = ctx[name.strip().lower()]
    if not isinstance(value, str):
        raise KeyError(name)
    return value


def empty_lists(req: dict[str, Any]) -> dict[str, Any] | None:
    """An empty list is a null value (AWS: "a null dataset"): Null "true" holds for it as for an absent key;
    iam-simulate counts an empty list as present. Rewritten: empty lists left out of the context."""
    ctx = req.get("context", {})
    if not any(v == [] for v in ctx.values()):
        return None
    out = copy.deepcopy(req)
    out["context"] = {k: v for k, v in ctx.items() if v != []}
    return out


def unresolved_not_resource(req: dict[str, Any]) -> dict[str, Any] | None:
    """AWS: a variable it cannot resolve "might cause the entire statement to be invalid"; iamdocs takes a
    NotResource statement with such a variable as not applying, iam-simulate compares the entry's text.
    Rewritten: the statement left out."""
    ctx = {k.lower(): v for k, v in req.get("context", {}).items()}

    def unresolved(st: dict[str, Any]) -> bool:
        items = st.get("NotResource")
        items = items if isinstance(items, list) else [items] if items else []
        for v in items:
            for m in _VAR.finditer(v):
                name = m.group(1).split(",")[0].strip().lower()
                if "," not in m.group(1) and not isinstance(ctx.get(name), str):
                    return True
        return False

    out = copy.deepcopy(req)
    changed = False
    docs = list(out.get("identity") or []) + [d for lvl in (out.get("scps") or []) + (out.get("rcps") or [])
                                             for d in lvl] + ([out["boundary"]] if out.get("boundary") else [])
    for d in docs:
        sts = d["Statement"] if isinstance(d["Statement"], list) else [d["Statement"]]
        kept = [st for st in sts if not unresolved(st)]
        if len(kept) != len(sts):
            changed = True
            d["Statement"] = kept or [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": NEVER}]
    return out if changed else None


@dataclass(frozen=True)
class Cause:
    name: str
    rewrite: Callable[[dict[str, Any]], dict[str, Any] | None]


CAUSES = [Cause("RCP on a service RCPs do not apply to", rcp_service),
          Cause("epoch seconds beside ISO dates", epoch_dates),
          Cause("bare address or 0.0.0.0/0 in an IP condition", ip_networks),
          Cause("policy variable in an ARN", arn_variables),
          Cause("empty list as a null value", empty_lists),
          Cause("unresolved policy variable in NotResource", unresolved_not_resource)]
