"""The statements the security rules look at: Allow on every resource, and how an action got there."""

from __future__ import annotations

from collections.abc import Iterator

from iamdocs.model import PolicyFile, Statement, Value
from iamdocs.output import short_list


def allow_statements_on_star(f: PolicyFile) -> Iterator[tuple[Statement, Value, str]]:
    """Allow statements that reach every resource, with the value to point at and words for that reach.

    Resource "*" does; so does NotResource, which reaches every resource it does not name: it is no way around
    the security rules. Statements with NotAction are included (Context.granted_actions expands them).
    """
    for st in f.statements:
        if st.effect != "Allow" or not (st.actions or st.not_actions):
            continue
        star = next((r for r in st.resources if r.text == "*"), None)
        if star is not None:
            yield st, star, 'Resource "*"'
        elif st.not_resources and not any(r.text == "*" for r in st.not_resources):
            yield st, st.not_resources[0], "NotResource (every resource it does not name)"


def through(entry: Value, st: Statement, name: str) -> str:
    """` (through "iam:Pass*")` when an action is granted by a wildcard or by NotAction rather than by name."""
    if entry in st.not_actions:
        return f' (through NotAction, which allows every action but {short_list([v.text for v in st.not_actions], 3)})'
    return f' (through "{entry.text}")' if entry.text.lower() != name.lower() else ""
