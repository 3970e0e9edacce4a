"""What a policy document grants, as a set that can be compared.

Two documents grant the same when their sets of (effect, action, resource,
condition) are equal, however their statements are laid out, however their
action names are cased, and whether they write wildcards or the actions they
cover. Placeholders, CloudFormation pseudo parameters and filled-in values
all compare equal. Relations, history, deploy verification and drift use this.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iamdocs.iamdb import IAMDatabase
from iamdocs.placeholders import normalize

# A statement's NotResource list is one resource value: "!" and its patterns joined by this character.
NOT_SEPARATOR = "\x1f"


@dataclass(frozen=True, order=True)
class Grant:
    effect: str  # Allow or Deny
    action: str  # service:name in lower case; "!pattern" for a NotAction entry that matched nothing known
    resource: str  # normalized; "!" and the NotResource patterns joined by NOT_SEPARATOR for NotResource
    condition: str = ""  # canonical JSON of the statement's Condition, or ""

    def describe(self) -> str:
        """One grant in words, for reports that list what was added or removed."""
        cond = f" when {self.condition}" if self.condition else ""
        return f"{self.effect} {self.action} on {self.resource}{cond}"


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _statements(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        return []
    st = doc.get("Statement")
    return [s for s in _as_list(st) if isinstance(s, dict)]


def expand_actions(patterns: Iterable[str], db: IAMDatabase) -> set[str]:
    """Lower-case action names a list of patterns covers; unknown names are kept as written (lower case)."""
    out: set[str] = set()
    for p in patterns:
        if not isinstance(p, str):
            continue
        if "*" in p or "?" in p:
            matched = db.expand(p)
            out.update(a.full_name.lower() for a in matched)
            if not matched:
                out.add(p.lower())
        else:
            out.add(p.lower())
    return out


def action_origins(doc: Any, db: IAMDatabase, effect: str = "") -> dict[str, Any]:
    """For each lower-case action a document grants or denies, the first value that names it.

    The value is returned as written (an action string, or the statement for
    NotAction), so a caller whose strings carry their position gets it back.
    With `effect`, only statements of that effect count.
    """
    out: dict[str, Any] = {}
    for st in _statements(doc):
        if effect and st.get("Effect") != effect:
            continue
        if "Action" in st:
            for p in _as_list(st["Action"]):
                for a in expand_actions([p], db):
                    out.setdefault(a, p)
        else:
            excluded = expand_actions(_as_list(st.get("NotAction")), db)
            for a in db.expand("*"):
                if (low := a.full_name.lower()) not in excluded:
                    out.setdefault(low, st)
    return out


def document_grants(doc: Any, db: IAMDatabase, values: Mapping[str, str] | None = None) -> set[Grant]:
    """The grants of a policy document (identity policy shape)."""
    grants: set[Grant] = set()
    for st in _statements(doc):
        effect = str(st.get("Effect", ""))
        cond = json.dumps(st["Condition"], sort_keys=True, separators=(",", ":")) if st.get("Condition") else ""
        if "Action" in st:
            actions = expand_actions(_as_list(st["Action"]), db)
        else:
            excluded = expand_actions(_as_list(st.get("NotAction")), db)
            actions = {a.full_name.lower() for a in db.expand("*")} - excluded
        if "Resource" in st:
            resources = {normalize(str(r), values) for r in _as_list(st["Resource"])}
        else:
            # NotResource [a, b] is one value: everything but a and b (not everything but a, plus everything but b)
            excluded = sorted({normalize(str(r), values) for r in _as_list(st.get("NotResource"))})
            resources = {"!" + NOT_SEPARATOR.join(excluded)} if excluded else set()
        for a in actions:
            for r in resources:
                grants.add(Grant(effect, a, r, cond))
    return grants


def allowed_actions(doc: Any, db: IAMDatabase) -> set[str]:
    """Lower-case actions that some Allow statement names (wildcards expanded)."""
    return {g.action for g in document_grants(doc, db) if g.effect == "Allow"}


@dataclass
class GrantDiff:
    added: set[Grant] = field(default_factory=set)  # in the copy, not in the canonical policy
    removed: set[Grant] = field(default_factory=set)  # in the canonical policy, missing from the copy

    @property
    def clean(self) -> bool:
        return not self.added and not self.removed

    def added_actions(self) -> list[str]:
        return sorted({g.action for g in self.added} - {g.action for g in self.removed})

    def removed_actions(self) -> list[str]:
        return sorted({g.action for g in self.removed} - {g.action for g in self.added})

    def changed_resources(self) -> list[str]:
        """Actions present on both sides but with different resources or conditions."""
        return sorted({g.action for g in self.added} & {g.action for g in self.removed})


def diff(canonical: set[Grant], copy: set[Grant]) -> GrantDiff:
    return GrantDiff(added=copy - canonical, removed=canonical - copy)


def display_action(action: str, db: IAMDatabase) -> str:
    """`ec2:runinstances` -> `ec2:RunInstances`, as AWS spells it, when known."""
    a = db.action(action)
    return a.full_name if a else action
