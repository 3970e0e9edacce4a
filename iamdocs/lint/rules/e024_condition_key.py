from __future__ import annotations

import difflib
from collections.abc import Iterable

from iamdocs.iamdb import GLOBAL_CONDITION_KEYS
from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile, Statement
from iamdocs.output import short_list


class ConditionKeyRule(Rule):
    id = "E024"
    name = "condition-key"
    description = "Each condition key must exist, and apply to at least one of its statement's actions."
    explanation = (
        "A condition key that IAM does not know (a typo such as s3:prefixx), or one that none of the statement's "
        "actions puts in its requests (s3:prefix on iam:PassRole), is never present when IAM evaluates the "
        "statement: the condition then never holds (or, with Null or IfExists, always holds), whatever the "
        "writer meant. IAM Access Analyzer reports both as errors. Keys are compared case-insensitively; "
        "service keys come from the IAM data (the Service Authorization Reference), the global aws: keys from "
        "the IAM User Guide's list, kept in iamdocs/iamdb.py. A statement with NotAction, the action *, or an "
        "action the data does not know is checked for unknown keys only, and so is a key the data defines but "
        "lists for none of its service's actions, or an action of a prefix several services share."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        for st in f.statements:
            cond = st.node.get("Condition")
            if cond is None or cond.kind != "object":
                continue
            for _, block in cond.pairs:
                if block.kind != "object":
                    continue
                for key_node, _ in block.pairs:
                    key = key_node.value
                    if not isinstance(key, str):
                        continue
                    message = self._problem(key, st, ctx)
                    if message:
                        yield self.finding(message, f.loc(key_node))

    @staticmethod
    def _problem(key: str, st: Statement, ctx: Context) -> str | None:
        db = ctx.iam
        prefix, sep, _ = key.partition(":")
        if not sep or not prefix:
            return f'"{key}" is not a condition key: write prefix:Name, e.g. aws:SourceIp or s3:prefix'
        if db.is_retired(prefix):
            return None  # a retired service's keys cannot be checked (W020 reports its actions)
        if db.condition_key(key) is None:
            return f'unknown condition key "{key}"{_suggestion(key, ctx)}'
        if not st.actions or any(v.text == "*" for v in st.actions):
            return None
        judged = ctx.statement_actions(st)
        if not judged or any(not db.expand(v.text) for v in st.actions):
            return None  # an unknown action is E020/E021's; the key may be its
        verdicts = [db.condition_key_applies(key, a) for a, _ in judged.values()]
        if any(v is not False for v in verdicts):
            return None  # it applies to one of them, or the data cannot tell
        names = sorted(a.full_name for a, _ in judged.values())
        return (f'condition key "{key}" applies to none of this statement\'s actions ({short_list(names, 3)}): '
                "their requests never carry it")


def _suggestion(key: str, ctx: Context) -> str:
    """The known key of the same prefix that an unknown key probably means."""
    db = ctx.iam
    prefix = key.partition(":")[0].lower()
    if prefix == "aws":
        candidates = list(GLOBAL_CONDITION_KEYS)
    elif db.has_service(prefix):
        candidates = db.condition_keys(prefix)
    else:
        return ""
    close = difflib.get_close_matches(key.lower(), [c.lower() for c in candidates], n=1)
    if not close:
        return ""
    return f' (did you mean "{next(c for c in candidates if c.lower() == close[0])}"?)'
