"""Typed objects that the loader gives to every consumer (pages, lint, deploy, drift).

Each object keeps the place it came from, so that any finding about it can
name file, line and column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from iamdocs.placeholders import LOOSE_RE
from iamdocs.positions import Duplicate, Location, Node


@dataclass(frozen=True)
class Value:
    """A string from a policy document (an action or a resource) and where it stands."""

    text: str
    loc: Location


@dataclass
class Statement:
    index: int
    loc: Location
    node: Node
    sid: str | None
    effect: str | None
    actions: list[Value]
    not_actions: list[Value]
    resources: list[Value]
    not_resources: list[Value]
    condition: dict[str, Any] | None


@dataclass
class PolicyFile:
    """One policy document on disk, read once. `error` is set when it could not be parsed."""

    path: Path
    name: str
    raw: bytes
    text: str | None = None
    root: Node | None = None
    duplicates: list[Duplicate] = field(default_factory=list)
    error: str | None = None
    error_loc: Location | None = None
    meta: PolicyMeta | None = None
    source: Path | None = None  # where it is on disk; `path` is how reports show it (relative, maybe elsewhere)

    @property
    def document(self) -> Any:
        """The document as plain Python data (last duplicate key wins)."""
        return self.root.to_python() if self.root is not None else None

    def loc(self, node: Node | None) -> Location:
        if node is None:
            return Location(self.path, 1, 1)
        return Location(self.path, node.line, node.col)

    @cached_property
    def statements(self) -> list[Statement]:
        """Statements whose outline is usable; the grammar rule reports the rest.

        Computed once per file: every lint rule walks them, and a file is not re-parsed in place.
        """
        if self.root is None or self.root.kind != "object":
            return []
        st = self.root.get("Statement")
        if st is None:
            return []
        nodes = [st] if st.kind == "object" else [n for n in st.items] if st.kind == "array" else []
        out = []
        for i, n in enumerate(nodes):
            if n.kind != "object":
                continue
            out.append(
                Statement(
                    index=i,
                    loc=self.loc(n),
                    node=n,
                    sid=_str(n.get("Sid")),
                    effect=_str(n.get("Effect")),
                    actions=self._values(n.get("Action")),
                    not_actions=self._values(n.get("NotAction")),
                    resources=self._values(n.get("Resource")),
                    not_resources=self._values(n.get("NotResource")),
                    condition=c.to_python() if (c := n.get("Condition")) is not None and c.kind == "object" else None,
                )
            )
        return out

    def _values(self, node: Node | None) -> list[Value]:
        if node is None:
            return []
        nodes = [node] if node.kind == "string" else node.items if node.kind == "array" else []
        return [Value(n.value, self.loc(n)) for n in nodes if n.kind == "string"]

    def placeholders_used(self) -> list[tuple[str, Location]]:
        """Every `<NAME>` in any string value of the document, in order."""
        out: list[tuple[str, Location]] = []
        if self.root is None:
            return out
        stack = [self.root]
        while stack:
            n = stack.pop()
            if n.kind == "string":
                for m in LOOSE_RE.finditer(n.value):
                    out.append((m.group(1), Location(self.path, n.line, n.col + 1 + m.start())))
            stack.extend(reversed(n.items))
            stack.extend(v for _, v in reversed(n.pairs))
        return out


def _str(node: Node | None) -> str | None:
    return node.value if node is not None and node.kind == "string" else None


@dataclass
class Placeholder:
    name: str
    description: str
    example: str
    pattern: str


@dataclass
class PolicyMeta:
    file: str
    title: str
    purpose: str
    role: str
    former_names: list[str]
    placeholders: list[str]
    statements: dict[str, str]
    loc: Location


@dataclass
class Role:
    id: str
    title: str
    description: str
    trusted_services: list[str]
    instance_profile: bool
    loc: Location

    def trust_policy(self) -> dict[str, Any]:
        """The trust policy that lets the named AWS services assume this role."""
        principal: Any = self.trusted_services[0] if len(self.trusted_services) == 1 else list(self.trusted_services)
        return {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"},
            ],
        }


@dataclass
class RoleSetup:
    """What one role gets in one option."""

    role: str
    managed: list[str]
    inline: list[str]
    permissions_boundary: bool
    loc: Location

    @property
    def policies(self) -> list[str]:
        return [*self.managed, *self.inline]


@dataclass
class RoleOption:
    id: str
    group: str
    title: str
    when: str
    setup_field: str | None
    roles: dict[str, RoleSetup]
    loc: Location


@dataclass
class Relation:
    policy: str
    equals: str
    minus: list[str]
    plus: list[str]
    why: str
    loc: Location


@dataclass
class AcceptedFinding:
    rule: str
    policies: list[str]
    justification: str
    loc: Location
    paths: list[str] = field(default_factory=list)  # named escalation paths (W302), e.g. passrole-runinstances
    # (Sid, the exact actions accepted in that statement); "#N" names the Nth statement when it has no Sid
    statements: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class PolicyChange:
    policies: list[str]
    added: list[str]
    removed: list[str]
    loc: Location


@dataclass
class HistoryEntry:
    date: str
    summary: str
    why: str | None
    changes: list[PolicyChange]
    renamed: dict[str, str]
    loc: Location


@dataclass
class CloudFormationSpec:
    """Which policies the product's CloudFormation template puts on the role it creates."""

    role: str
    inline_policies: list[str]
    session_policies: list[str]
    loc: Location


@dataclass
class Guardrail:
    """A guardrail organisations commonly set that can stop AI Unlimited, and the exception that lets it through."""

    id: str
    title: str
    what: str  # what it does and why organisations set it
    attached: str  # scp (a service control policy) or boundary (a permissions boundary)
    document: dict[str, Any]  # the guardrail as organisations commonly write it
    exception_kind: str  # exempt-roles, allow-services or allow-actions
    exception_roles: list[str]  # exempt-roles: the role ARN patterns the Deny statements leave alone
    exception_text: str
    options: list[str]  # the options it is checked against, with and without the exception
    region: str
    role_names: dict[str, str]  # the role names the check assumes (as the exception's text advises)
    loc: Location


@dataclass
class Limits:
    managed_policy_chars: int = 6144
    inline_policy_chars_per_role: int = 10240
    managed_policies_per_role: int = 10


@dataclass
class Catalog:
    """The hand-edited metadata beside the policies (policies/catalog.yaml)."""

    path: Path
    product: str
    placeholders: dict[str, Placeholder]
    limits: Limits
    roles: dict[str, Role]
    policies: dict[str, PolicyMeta]
    options: dict[str, RoleOption]
    cloudformation: CloudFormationSpec
    relations: list[Relation]
    accepted_findings: list[AcceptedFinding]
    history: list[HistoryEntry]
    data: Any  # the plain data, for the schema check
    locate: Any  # callable(path tuple) -> Location
    guardrails: dict[str, Guardrail] = field(default_factory=dict)


@dataclass
class Project:
    """Everything under policies/, read once."""

    root: Path
    policies_dir: Path
    catalog: Catalog | None
    catalog_problems: list[tuple[str, Location]]  # set when catalog is None
    files: list[PolicyFile]

    def policy(self, name: str) -> PolicyFile:
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def policy_names(self) -> list[str]:
        return [f.name for f in self.files]


@dataclass
class SoundProject(Project):
    """A project whose catalog was read and whose files all parsed: what every consumer but lint takes."""

    catalog: Catalog


def canonical_json(document: Any) -> str:
    """The canonical text of a policy document: 2-space indent, IAM key order, final newline."""
    return json.dumps(_ordered(document), indent=2, ensure_ascii=False) + "\n"


_KEY_ORDER = {
    k: i
    for i, k in enumerate(
        ["Version", "Id", "Statement", "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
         "Resource", "NotResource", "Condition"]
    )
}


def _ordered(value: Any, depth: int = 0) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        if depth <= 2:  # policy and statement level: IAM's documented order, others kept in place
            # (list.sort empties the list while sorting, so the original position is taken beforehand)
            position = {k: i for i, k in enumerate(keys)}
            keys.sort(key=lambda k: (_KEY_ORDER.get(k, len(_KEY_ORDER)), position[k]))
        return {k: _ordered(value[k], depth + 1) for k in keys}
    if isinstance(value, list):
        return [_ordered(v, depth + 1) for v in value]
    return value
