from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile

# The condition operators of the IAM policy language (IAM User Guide, "Condition operators").
OPERATORS = frozenset(
    [
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
        "StringLike", "StringNotLike",
        "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
        "NumericGreaterThan", "NumericGreaterThanEquals",
        "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
        "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
        "Null",
    ]
)
SET_PREFIXES = ("ForAllValues:", "ForAnyValue:")
_BY_LOWER = {op.lower(): op for op in OPERATORS}


def problem(operator: str) -> str | None:
    """Why `operator` is not a condition operator, or None when it is one."""
    base = operator
    for prefix in SET_PREFIXES:
        if base.startswith(prefix):
            base = base[len(prefix):]
            break
    if base.endswith("IfExists"):
        base = base[: -len("IfExists")]
        if base == "Null":
            return f'unknown condition operator "{operator}": Null has no IfExists form'
    if base in OPERATORS:
        return None
    spelled = _BY_LOWER.get(base.lower())
    hint = f" (operators are case-sensitive: {spelled})" if spelled else ""
    return f'unknown condition operator "{operator}"{hint}'


class ConditionOperator(Rule):
    id = "E013"
    name = "condition-operator"
    description = "Condition operators must be IAM's, optionally with ForAllValues:/ForAnyValue: and IfExists."
    explanation = (
        "IAM rejects a policy whose Condition names an operator it does not know. Operators are written like "
        "StringEquals, ForAnyValue:StringLike or ArnLikeIfExists."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        for st in f.statements:
            cond = st.node.get("Condition")
            if cond is None or cond.kind != "object":
                continue
            for key, _ in cond.pairs:
                message = problem(key.value)
                if message:
                    yield self.finding(message, f.loc(key))
