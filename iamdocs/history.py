"""The catalog's permission history, replayed: what each policy allowed on each date.

One replay serves the lint rule that checks the history against today's files (E060)
and the guide, which publishes every historical version at policies/<date>/<file>
and tells customers what to add since the date they installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from iamdocs.grants import expand_actions
from iamdocs.iamdb import IAMDatabase
from iamdocs.model import HistoryEntry, SoundProject, canonical_json


@dataclass(frozen=True)
class Conflict:
    """A change that adds what a policy already had, or removes what it did not have."""

    entry: int
    change: int
    policy: str
    kind: str  # "again" (added twice) or "never" (removed, never added)
    actions: frozenset[str]


@dataclass
class Step:
    """The state after one history entry: file name (as named on that date) -> lower-case actions."""

    index: int
    entry: HistoryEntry
    state: dict[str, frozenset[str]]
    current_name: dict[str, str] = field(default_factory=dict)  # name on that date -> today's name


def replay(history: Sequence[HistoryEntry], db: IAMDatabase) -> tuple[list[Step], list[Conflict]]:
    """Apply every entry in order from nothing (added/removed, case-insensitive, following renames)."""
    state: dict[str, set[str]] = {}
    steps: list[Step] = []
    conflicts: list[Conflict] = []
    for i, entry in enumerate(history):
        for old, new in entry.renamed.items():
            if old in state:
                state[new] = state.pop(old)
        for j, change in enumerate(entry.changes):
            added = expand_actions(change.added, db)
            removed = expand_actions(change.removed, db)
            for name in change.policies:
                actions = state.setdefault(name, set())
                if again := added & actions:
                    conflicts.append(Conflict(i, j, name, "again", frozenset(again)))
                if never := removed - actions:
                    conflicts.append(Conflict(i, j, name, "never", frozenset(never)))
                actions |= added
                actions -= removed
        steps.append(Step(i, entry, {n: frozenset(a) for n, a in state.items()}))
    for step in steps:  # follow the renames that came later, to today's names
        for name in step.state:
            now = name
            for later in history[step.index + 1:]:
                now = later.renamed.get(now, now)
            step.current_name[name] = now
    return steps, conflicts


def document_at(current: Any, actions: frozenset[str], db: IAMDatabase) -> dict[str, Any]:
    """Today's document cut down to the actions a policy had on a date.

    Statements, their order, resources and conditions are today's; an action that was
    dropped since has no statement today and goes into one of its own at the end.
    """
    kept: set[str] = set()
    statements = []
    body = current.get("Statement", []) if isinstance(current, dict) else []
    for st in body if isinstance(body, list) else [body]:
        if not isinstance(st, dict) or "Action" not in st:
            continue
        names = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        keep = [a for a in names if isinstance(a, str) and (covered := expand_actions([a], db)) and covered <= actions]
        if not keep:
            continue
        for a in keep:
            kept |= expand_actions([a], db)
        statements.append({**st, "Action": keep if isinstance(st["Action"], list) else keep[0]})
    gone = sorted(actions - kept)
    if gone:
        statements.append({"Sid": "NoLongerInThePolicy", "Effect": "Allow",
                           "Action": [_spelled(a, db) for a in gone], "Resource": "*"})
    return {"Version": current.get("Version", "2012-10-17") if isinstance(current, dict) else "2012-10-17",
            "Statement": statements}


def _spelled(action: str, db: IAMDatabase) -> str:
    known = db.action(action)
    return known.full_name if known else action


def versions(project: SoundProject, db: IAMDatabase) -> dict[str, dict[str, tuple[str, str]]]:
    """date -> {today's file name -> (its name on that date, canonical text)}: every policy after each entry.

    The later entry wins when two share a date (the state at the end of that day).
    """
    steps, _ = replay(project.catalog.history, db)
    today = {f.name: f.document for f in project.files if f.root is not None}
    out: dict[str, dict[str, str]] = {}
    for step in steps:
        files = {}
        for name, actions in sorted(step.state.items()):
            now = step.current_name[name]
            files[now] = (name, canonical_json(document_at(today.get(now, {}), actions, db)))
        out[step.entry.date] = files
    return out
