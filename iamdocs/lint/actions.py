"""Action names as the rules judge them: unknown, misspelled, wildcards."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iamdocs.iamdb import IAMDatabase


def is_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def action_problem(text: str, db: IAMDatabase) -> str | None:
    """Why E020/E021 report an Action entry ("not-an-action", "unknown-service", "no-match", "unknown"), or None."""
    if text == "*":
        return None
    service, sep, name = text.partition(":")
    if not sep or not service or not name:
        return "not-an-action"
    if not db.has_service(service):
        return None if db.is_retired(service) else "unknown-service"
    if not is_wildcard(name):
        return None if db.has_action(text) else "unknown"
    return None if db.expand(text) else "no-match"


def suggest_action(text: str, db: IAMDatabase) -> str | None:
    """The known action an unknown name probably means (`ec2:RunInstance` -> `ec2:RunInstances`), or None."""
    import difflib  # lazy: only for a name that is not an action

    service, _, name = text.partition(":")
    names = [a.name for a in db.actions(service)]
    close = difflib.get_close_matches(name, names, n=1)
    return f"{service.lower()}:{close[0]}" if close else None


def misspelled(documents: Iterable[Any], db: IAMDatabase) -> set[str]:
    """Lower-case action names that E020/E021 report in these documents, and the names they probably mean.

    Rules that compare sets of actions (E050, E060) leave these out: one misspelling is one finding, E021's.
    """
    out: set[str] = set()
    for doc in documents:
        statements = doc.get("Statement") if isinstance(doc, dict) else None
        for st in statements if isinstance(statements, list) else [statements]:
            if not isinstance(st, dict):
                continue
            for key in ("Action", "NotAction"):
                values = st.get(key)
                for v in values if isinstance(values, list) else [values]:
                    if isinstance(v, str) and action_problem(v, db) is not None:
                        out.add(v.lower())
                        if (meant := suggest_action(v, db)) is not None:
                            out.add(meant.lower())
    return out
