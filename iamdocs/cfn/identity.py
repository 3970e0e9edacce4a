"""Every identity policy a template can create, the roles it creates, and what ends up attached where.

Found without evaluating anything (`find`), so a caller sees every document
under every branch: the raw PolicyDocument (positioned, with its source span),
the conditions it sits under, the resource that holds it. `Branch` then evaluates
them for one choice of parameter values: which documents exist, what they say,
and which of the template's roles each one is attached to.

Attachments a template can make to its own roles:
- `Roles` of AWS::IAM::Policy and AWS::IAM::ManagedPolicy (`Ref` of a role is its name);
- `RoleName` of AWS::IAM::RolePolicy;
- `Policies` of AWS::IAM::Role (inline);
- `ManagedPolicyArns` of AWS::IAM::Role naming a ManagedPolicy of the template (`Ref` or `GetAtt .PolicyArn`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iamdocs.cfn.evaluate import NOVALUE, Evaluator, is_function
from iamdocs.cfn.reader import Template, TemplateError

POLICY_RESOURCES = {  # resource type -> (property naming the role(s), list or single)
    "AWS::IAM::Policy": "Roles",
    "AWS::IAM::ManagedPolicy": "Roles",
    "AWS::IAM::RolePolicy": "RoleName",
    "AWS::IAM::UserPolicy": "",
    "AWS::IAM::GroupPolicy": "",
}
INLINE_HOLDERS = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")
ROLE_TYPE = "AWS::IAM::Role"
IAM_TYPES = (*POLICY_RESOURCES, *INLINE_HOLDERS)


@dataclass
class PolicyDoc:
    """One identity policy document as written in the template (nothing evaluated)."""

    logical_id: str
    resource_type: str
    policy_name: Any  # the raw PolicyName / ManagedPolicyName value, or None
    document: Any  # the raw PolicyDocument (positioned values with start/end into Template.text)
    conditions: tuple[str, ...]  # conditions it sits under: "NAME" must be true, "!NAME" false (Fn::If branches)
    index: int | None = None  # its place in an inline Policies list
    holder: Any = None  # the raw resource (or inline Policies item) that holds it

    @property
    def name(self) -> str:
        """How reports name it: LogicalId, or LogicalId/PolicyName for inline policies of roles, users, groups."""
        if self.index is None:
            return self.logical_id
        pn = self.policy_name
        return f"{self.logical_id}/{pn if isinstance(pn, str) else self.index}"


@dataclass
class RoleDef:
    """An AWS::IAM::Role of the template."""

    logical_id: str
    resource: Any
    trust: Any  # the raw AssumeRolePolicyDocument, or None
    conditions: tuple[str, ...]


@dataclass
class Found:
    documents: list[PolicyDoc] = field(default_factory=list)
    roles: list[RoleDef] = field(default_factory=list)


def _resource_conditions(template: Template, logical: str, res: dict[str, Any]) -> tuple[str, ...]:
    if "Condition" not in res:
        return ()
    c = res["Condition"]
    if not isinstance(c, str):  # YAML 1.1 reads `Condition: On` or `Yes` as a boolean
        raise TemplateError(f"{template.where(res)}: {logical}: Condition must name a condition, not "
                            f"{type(c).__name__} {c!r}; quote it if it is a name like On or Yes")
    return (str(c),)


def _branches(value: Any, conds: tuple[str, ...]) -> list[tuple[Any, tuple[str, ...]]]:
    """A value with Fn::If unfolded: each possible value and the conditions that choose it (no recursion)."""
    out = []
    stack = [(value, conds)]
    while stack:
        v, c = stack.pop()
        if is_function(v) == "Fn::If" and isinstance(v["Fn::If"], list) and len(v["Fn::If"]) == 3:
            name, yes, no = v["Fn::If"]
            stack.append((no, (*c, f"!{name}")))
            stack.append((yes, (*c, str(name))))
        else:
            out.append((v, c))
    return out


def find(template: Template) -> Found:
    """Every identity policy document and role in the template, under every branch."""
    found = Found()
    for logical, res in template.resources.items():
        if not isinstance(res, dict):
            continue
        rtype = res.get("Type")
        if rtype not in IAM_TYPES:
            continue
        props = res.get("Properties")
        props = props if isinstance(props, dict) else {}
        conds = _resource_conditions(template, str(logical), res)
        if rtype == ROLE_TYPE:
            found.roles.append(RoleDef(str(logical), res, props.get("AssumeRolePolicyDocument"), conds))
        if rtype in POLICY_RESOURCES:
            if "PolicyDocument" not in props:
                raise TemplateError(f"{template.where(res)}: {logical}: {rtype} without PolicyDocument")
            name = props.get("ManagedPolicyName") if rtype == "AWS::IAM::ManagedPolicy" else props.get("PolicyName")
            found.documents.append(PolicyDoc(str(logical), str(rtype), name, props["PolicyDocument"], conds,
                                             holder=res))
            continue
        if "Policies" not in props:
            continue
        index = 0
        for policies, c in _branches(props["Policies"], conds):
            if not isinstance(policies, list):
                continue  # AWS::NoValue or a non-list: nothing inline on this branch
            for item in policies:
                for p, c2 in _branches(item, c):
                    if not isinstance(p, dict) or "PolicyDocument" not in p:
                        continue
                    found.documents.append(PolicyDoc(str(logical), str(rtype), p.get("PolicyName"),
                                                     p["PolicyDocument"], c2, index, holder=p))
                    index += 1
    return found


@dataclass
class Evaluated:
    """A document as one choice of parameter values makes it."""

    doc: PolicyDoc
    document: Any  # evaluated; positioned like the raw one
    roles: list[str]  # logical IDs of the template's roles it is attached to


class Branch:
    """The template under one choice of parameter values."""

    def __init__(self, template: Template, found: Found, params: dict[str, str],
                 placeholders: frozenset[str] = frozenset()) -> None:
        self.template = template
        self.found = found
        self.ev = Evaluator(template, params, placeholders)

    def holds(self, conditions: tuple[str, ...], where: Any) -> bool:
        """Whether every condition ("NAME" true, "!NAME" false) holds."""
        for c in conditions:
            want = not c.startswith("!")
            if self.ev.condition(c.lstrip("!"), where) != want:
                return False
        return True

    def roles(self) -> list[RoleDef]:
        """The template's roles that exist with these values."""
        return [r for r in self.found.roles if self.holds(r.conditions, r.resource)]

    def trust(self, role: RoleDef) -> Any:
        return self.ev.resolve(role.trust) if role.trust is not None else None

    def exists(self, doc: PolicyDoc) -> bool:
        return self.holds(doc.conditions, doc.holder)

    def evaluate(self, doc: PolicyDoc, roles: bool = True) -> Evaluated:
        """The document with its functions evaluated, and (unless `roles` is false) the roles it ends up on.

        TemplateError when it cannot be; `roles=False` leaves the attachments to a separate attached_roles call,
        so that a fault there does not stop the document's comparison.
        """
        value = self.ev.resolve(doc.document)
        if value is NOVALUE or value is None:
            raise self.ev.fail(doc.document, f"{doc.name}: PolicyDocument is empty with these parameter values")
        return Evaluated(doc, value, self.attached_roles(doc) if roles else [])

    def _role_refs(self, value: Any, attr: str = "") -> list[str]:
        """Logical IDs of template resources that an evaluated value names as `${Id}` (or `${Id.attr}`)."""
        items = value if isinstance(value, list) else [value]
        out = []
        for v in items:
            if isinstance(v, str) and v.startswith("${") and v.endswith("}"):
                name = v[2:-1]
                if attr and name.endswith("." + attr):
                    name = name[: -len(attr) - 1]
                if name in self.template.resources:
                    out.append(name)
        return out

    def attached_roles(self, doc: PolicyDoc) -> list[str]:
        roles_here = {r.logical_id for r in self.roles()}
        names: list[str] = []
        if doc.index is not None:
            names = [doc.logical_id] if doc.resource_type == ROLE_TYPE else []
        else:
            prop = POLICY_RESOURCES.get(doc.resource_type, "")
            props = doc.holder.get("Properties") or {}
            if prop and prop in props:
                names = self._role_refs(self.ev.resolve(props[prop]))
            if doc.resource_type == "AWS::IAM::ManagedPolicy":
                for role in self.roles():
                    arns = (role.resource.get("Properties") or {}).get("ManagedPolicyArns")
                    if arns is None:
                        continue
                    resolved = self.ev.resolve(arns)
                    if doc.logical_id in self._role_refs(resolved, "PolicyArn"):
                        names.append(role.logical_id)
        return sorted({n for n in names if n in roles_here})

    def outside_policy_arns(self, role: RoleDef) -> tuple[Any, list[str]]:
        """The role's ManagedPolicyArns that name no policy of the template (an AWS managed policy, another
        stack's): their content is not in the template. Returns the raw property (for its place) and the ARNs."""
        raw = (role.resource.get("Properties") or {}).get("ManagedPolicyArns")
        if raw is None:
            return None, []
        resolved = self.ev.resolve(raw)
        items = resolved if isinstance(resolved, list) else [resolved]
        out = []
        for v in items:
            if v is NOVALUE or v is None:
                continue
            if self._role_refs(v, "PolicyArn"):
                continue
            out.append(v if isinstance(v, str) else str(v))
        return raw, out
