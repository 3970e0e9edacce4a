"""Typed objects that the loader gives to every consumer (pages, lint, deploy, drift).

Each object keeps the place it came from, so that any finding about it can
name file, line and column.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
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
    # The policies an addition brings go on this role inline (the template puts every policy of the role it
    # creates inline), whatever the addition says.
    add_inline: bool = False

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
    label: str = ""  # a short name for lists and choices ("Engine option A"); the title when not given
    # The options this one goes on top of. Empty: a base option, complete on its own (a reader picks one).
    combines_with: list[str] = field(default_factory=list)

    @property
    def short(self) -> str:
        return self.label or self.title

    @property
    def is_addition(self) -> bool:
        return bool(self.combines_with)


class CombinationError(ValueError):
    """Options that do not make one valid combination; the message says why, for the reader."""


@dataclass(frozen=True)
class Combination:
    """One base option with the additions chosen on top of it: what a reader actually sets up.

    `roles` is what each role gets in the end, the additions' policies merged into the base's.
    """

    options: tuple[str, ...]  # the base first, then the additions in catalog order
    title: str
    roles: dict[str, RoleSetup]

    @property
    def id(self) -> str:
        return "+".join(self.options)

    @property
    def base(self) -> str:
        return self.options[0]

    @property
    def additions(self) -> tuple[str, ...]:
        return self.options[1:]


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
    # The catalog options its parameters stand for: IamRole = New, and on top of it Session = true and a
    # permissions boundary (IamPermissionsBoundary). None where the catalog names none.
    new_role_option: str | None = None
    session_option: str | None = None
    boundary_option: str | None = None


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

    # Combinations: the one place that says which options go together -----------------------------------

    def bases(self) -> list[RoleOption]:
        """The options complete on their own, in catalog order: a reader picks exactly one."""
        return [o for o in self.options.values() if not o.is_addition]

    def additions_for(self, base_id: str) -> list[RoleOption]:
        """The additions that go on top of this base option, in catalog order."""
        return [o for o in self.options.values() if base_id in o.combines_with]

    def combinations(self) -> list[Combination]:
        """Every valid combination: each base alone, then with each set of its additions (one per group)."""
        out = []
        for base in self.bases():
            chosen: list[list[RoleOption]] = [[]]
            for addition in self.additions_for(base.id):
                chosen += [[*c, addition] for c in chosen if all(a.group != addition.group for a in c)]
            chosen.sort(key=len)  # stable: by size, then in catalog order
            out += [self._merge(base, c) for c in chosen]
        return out

    def combination(self, ids: Iterable[str]) -> Combination:
        """The combination these option IDs make ("engine-b", "session-manager"; or "engine-b+session-manager").

        Raises CombinationError with what is wrong: an unknown option, no base or two, an addition that does not
        go with the base, two additions of one group.
        """
        wanted: list[str] = []
        for i in ids:
            for part in str(i).split("+"):
                if part and part not in wanted:
                    wanted.append(part)
        bases = ", ".join(o.id for o in self.bases())
        unknown = [i for i in wanted if i not in self.options]
        if unknown:
            raise CombinationError(f"no role option {', '.join(unknown)} in the catalog; options: "
                                   f"{', '.join(self.options)}")
        picked = [o for o in self.bases() if o.id in wanted]
        if not picked:
            raise CombinationError(f"{' and '.join(wanted) or 'nothing'}: choose one of the options {bases} "
                                   "(the others are additions on top of one of them)")
        if len(picked) > 1:
            raise CombinationError(f"{' and '.join(o.id for o in picked)} exclude each other: choose one of {bases}")
        base = picked[0]
        additions = [o for o in self.options.values() if o.is_addition and o.id in wanted]
        for a in additions:
            if base.id not in a.combines_with:
                raise CombinationError(f"{a.id} does not combine with {base.id}; it combines with "
                                       f"{', '.join(a.combines_with)}")
        for a in additions:
            clash = [b.id for b in additions if b is not a and b.group == a.group]
            if clash:
                raise CombinationError(f"{a.id} and {' and '.join(clash)} exclude each other (group {a.group})")
        return self._merge(base, additions)

    def _merge(self, base: RoleOption, additions: list[RoleOption]) -> Combination:
        roles = {rid: RoleSetup(rid, list(s.managed), list(s.inline), s.permissions_boundary, s.loc, s.add_inline)
                 for rid, s in base.roles.items()}
        for a in additions:
            for rid, s in a.roles.items():
                target = roles.setdefault(rid, RoleSetup(rid, [], [], False, s.loc))
                for name in s.managed:
                    if name not in target.policies:
                        (target.inline if target.add_inline else target.managed).append(name)
                for name in s.inline:
                    if name not in target.policies:
                        target.inline.append(name)
                target.permissions_boundary = target.permissions_boundary or s.permissions_boundary
        title = " + ".join([base.short, *(a.short for a in additions)]) if additions else base.title
        return Combination((base.id, *(a.id for a in additions)), title, roles)


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
