"""The parameter values a template can be deployed with: which to try, and which a user fixed.

What a template creates depends on the values a customer picks, so a check must
look at every branch: every combination of the values that the conditions above
its IAM resources depend on. A parameter's `AllowedValues` are its choices; for a
parameter without them, each text a condition compares it with (`""` for "is it
blank?") plus one other value (`Other`). Values are CloudFormation's text of them
(YAML's `true` is "true"). Values a user fixes (`--param`, a parameter file) must
be among the allowed ones.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iamdocs import jsonpos
from iamdocs.cfn.evaluate import LIST_TYPES, Evaluator, condition_refs, is_function
from iamdocs.cfn.identity import IAM_TYPES
from iamdocs.cfn.reader import Template, TemplateError, read_bytes, to_text
from iamdocs.errors import UserError
from iamdocs.positions import from_node, pos

MAX_COMBINATIONS = 256  # distinct outcomes evaluated per template
MAX_GROUP = 4096  # choices of one group of parameters whose conditions are evaluated to find its outcomes
# Pseudo parameters a condition may test ("is this GovCloud?"): varied like parameters without AllowedValues.
# In a policy document they stay placeholders (evaluate.py); only conditions see the value tried.
PSEUDO_VARIED = ("AWS::Partition", "AWS::Region", "AWS::AccountId", "AWS::StackName")


class Other(str):
    """The value standing for "any other value" of a parameter without AllowedValues."""

    def __new__(cls, name: str, known: tuple[str, ...]) -> Other:
        self = super().__new__(cls, "${" + name + "}")
        self.known = known
        return self

    known: tuple[str, ...]

    def shown(self) -> str:
        if self.known == ("",):
            return "(not empty)"
        return "(other than " + ", ".join(json.dumps(k) for k in self.known) + ")"


def show_value(value: str) -> str:
    return value.shown() if isinstance(value, Other) else value


def show_params(params: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={show_value(v)}" for k, v in params.items())


def _direct_conditions(template: Template) -> set[str]:
    """Names of the conditions an IAM resource uses itself: its Condition, and Fn::If inside it."""
    names: set[str] = set()
    for res in template.resources.values():
        if not isinstance(res, dict) or res.get("Type") not in IAM_TYPES:
            continue
        if isinstance(res.get("Condition"), str):
            names.add(str(res["Condition"]))
        stack = [res.get("Properties")]
        while stack:
            v = stack.pop()
            if isinstance(v, dict):
                if is_function(v) == "Fn::If" and isinstance(v["Fn::If"], list) and v["Fn::If"]:
                    names.add(str(v["Fn::If"][0]))
                stack.extend(v.values())
            elif isinstance(v, list):
                stack.extend(v)
    return names


def _iam_conditions(template: Template) -> set[str]:
    """Names of the conditions that decide anything about an IAM resource, and those they depend on."""
    names = _direct_conditions(template)
    conditions = template.section("Conditions")
    todo = [n for n in names if n in conditions]
    while todo:
        for ref in condition_refs(conditions[todo.pop()]):
            if str(ref) not in names and str(ref) in conditions:
                names.add(str(ref))
                todo.append(str(ref))
    return names


def _parameter_refs(expr: Any) -> tuple[set[str], dict[str, set[str]]]:
    """Parameters a condition expression reads, and the texts it compares each one with (Fn::Equals)."""
    refs: set[str] = set()
    compared: dict[str, set[str]] = {}
    stack = [expr]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            fn = is_function(v)
            if fn == "Ref" and isinstance(v["Ref"], str):
                refs.add(str(v["Ref"]))
            if fn == "Fn::Equals" and isinstance(v[fn], list) and len(v[fn]) == 2:
                a, b = v[fn]
                for x, y in ((a, b), (b, a)):
                    if is_function(x) == "Ref" and not isinstance(y, (dict, list)):
                        compared.setdefault(str(x["Ref"]), set()).add(to_text(y))
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return refs, compared


@dataclass
class Branches:
    """The outcomes to evaluate: one choice of parameter values for each distinct outcome, and what was cut.

    Two choices that give every IAM condition the same value and every parameter an IAM
    resource names the same value create the same IAM resources, so one of them stands for
    both: `groups[i]` says, per group of parameters that decide together, every choice that
    `combinations[i]` stands for.
    """

    combinations: list[dict[str, str]]
    total: int  # parameter combinations in all (the product of every varied parameter's values)
    varied: list[str] = field(default_factory=list)  # the parameters that vary
    outcomes: int = 0  # distinct outcomes in all (0: one per combination)
    groups: list[list[list[dict[str, str]]]] = field(default_factory=list)
    partial: bool = False  # a group had more combinations than MAX_GROUP: its outcomes were not all found

    @property
    def cut(self) -> bool:
        return self.partial or (self.outcomes or self.total) > len(self.combinations)

    def members(self, index: int) -> list[list[dict[str, str]]]:
        """The choices combination `index` stands for, per group (a group of one when unknown)."""
        if index < len(self.groups):
            return self.groups[index]
        return [[{n: self.combinations[index][n] for n in self.varied if n in self.combinations[index]}]]


def check_params(template: Template, fixed: Mapping[str, str], origin: str = "--param") -> None:
    """Chosen values must name parameters of the template and be among their AllowedValues."""
    params = template.section("Parameters")
    unknown = sorted(set(fixed) - set(params) - set(PSEUDO_VARIED))
    if unknown:
        raise UserError(f"{origin} {', '.join(unknown)}: no such parameter in {template.path}",
                        hint="parameters: " + (", ".join(params) or "none"))
    for name, value in fixed.items():
        spec = params.get(name)  # None for a pseudo parameter
        allowed = spec.get("AllowedValues") if isinstance(spec, dict) else None
        if not isinstance(allowed, list) or not allowed:
            continue
        texts = [to_text(a) for a in allowed]
        is_list = isinstance(spec, dict) and str(spec.get("Type", "")).startswith(LIST_TYPES)
        values = [v.strip() for v in value.split(",")] if is_list else [value]
        bad = [v for v in values if v not in texts]
        if bad:
            raise UserError(f"{origin} {name}={value}: not one of the values {name} allows",
                            hint="allowed: " + ", ".join(texts))


def _direct_parameters(template: Template) -> set[str]:
    """Parameters an IAM resource names itself (Ref, ${Name} in Fn::Sub), not only through a condition."""
    names: set[str] = set()
    for res in template.resources.values():
        if not isinstance(res, dict) or res.get("Type") not in IAM_TYPES:
            continue
        stack = [res.get("Properties")]
        while stack:
            v = stack.pop()
            if isinstance(v, dict):
                fn = is_function(v)
                if fn == "Ref" and isinstance(v["Ref"], str):
                    names.add(str(v["Ref"]))
                elif fn == "Fn::Sub":
                    arg = v["Fn::Sub"]
                    text = arg if isinstance(arg, str) else (arg[0] if isinstance(arg, list) and arg else "")
                    if isinstance(text, str):
                        names.update(m.strip() for m in re.findall(r"\$\{([^}!][^}]*)\}", text))
                stack.extend(v.values())
            elif isinstance(v, list):
                stack.extend(v)
    return names


def _groups(template: Template, conditions: list[str], choices: Mapping[str, list[str]]) -> list[list[str]]:
    """The varied parameters in groups that decide together (they meet in one condition, with its dependencies).

    Linear in the conditions and their references: a condition joins the parameters it reads itself with those of
    the conditions it names, when these read any (a chain of 1,500 conditions was 1.1 million walks when each
    condition's dependencies were walked again for it).
    """
    section = template.section("Conditions")
    reads: dict[str, set[str]] = {}  # condition -> the varied parameters it reads itself
    names: dict[str, list[str]] = {}  # condition -> the conditions it names
    todo, seen = list(conditions), set(conditions)
    while todo:
        name = todo.pop()
        expr = section.get(name)
        reads[name] = {p for p in _parameter_refs(expr)[0] if p in choices}
        names[name] = [str(r) for r in condition_refs(expr) if str(r) in section]
        for ref in names[name]:
            if ref not in seen:
                seen.add(ref)
                todo.append(ref)
    users: dict[str, list[str]] = {}
    for name, refs in names.items():
        for ref in refs:
            users.setdefault(ref, []).append(name)
    deciding = {n for n, r in reads.items() if r}  # conditions whose value depends on a varied parameter
    todo = list(deciding)
    while todo:
        for user in users.get(todo.pop(), ()):
            if user not in deciding:
                deciding.add(user)
                todo.append(user)
    parent: dict[tuple[str, str], tuple[str, str]] = {("parameter", n): ("parameter", n) for n in choices}
    parent.update({("condition", n): ("condition", n) for n in deciding})

    def root(n: tuple[str, str]) -> tuple[str, str]:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for name in deciding:
        joined = [("parameter", p) for p in reads[name]] + [("condition", r) for r in names[name] if r in deciding]
        for other in joined:
            parent[root(other)] = root(("condition", name))
    out: dict[tuple[str, str], list[str]] = {}
    for n in choices:
        out.setdefault(root(("parameter", n)), []).append(n)
    return list(out.values())


def branches(template: Template, fixed: Mapping[str, str] | None = None, limit: int = MAX_COMBINATIONS) -> Branches:
    """Every distinct outcome of the values the IAM conditions (and IAM resources) depend on; the defaults first.

    Not the product of every parameter's values: each group of parameters that decide
    together is tried on its own, and only the choices that change what an IAM condition
    says, or a value an IAM resource names, make a new outcome.
    """
    fixed = dict(fixed or {})
    params = template.section("Parameters")
    conditions = template.section("Conditions")
    iam_conditions = sorted(_iam_conditions(template))
    refs: set[str] = set()
    compared: dict[str, set[str]] = {}
    for name in iam_conditions:
        r, c = _parameter_refs(conditions.get(name))
        refs |= r
        for k, v in c.items():
            compared.setdefault(k, set()).update(v)
    direct = {n for n in _direct_parameters(template) if isinstance(params.get(n), dict)
              and isinstance(params[n].get("AllowedValues"), list) and params[n]["AllowedValues"]}
    choices: dict[str, list[str]] = {}
    for name in params:
        if name not in refs | direct or name in fixed:
            continue
        spec = params[name] if isinstance(params[name], dict) else {}
        default = to_text(spec["Default"]) if "Default" in spec else None
        if isinstance(spec.get("AllowedValues"), list) and spec["AllowedValues"]:
            values = [to_text(v) for v in spec["AllowedValues"]]
        else:
            known = tuple(sorted(compared.get(name, set())))
            values = [*known, default if default is not None and default not in known else Other(name, known)]
        if default in values:  # the default first: the first combination is what a plain deploy gets
            values.remove(default)
            values.insert(0, default)
        choices[str(name)] = values
    for name in PSEUDO_VARIED:  # any value first: the condition that tests one partition or Region is the exception
        known = tuple(sorted(compared.get(name, set())))
        if name in refs and name not in fixed and known:
            choices[name] = [Other(name, known), *known]
    total = 1
    for v in choices.values():
        total *= len(v)
    partial = False
    # An outcome is what the IAM resources see: the conditions they use themselves (not those only
    # feeding them) and the values they name.
    deciding = sorted(_direct_conditions(template) & set(conditions))
    outcomes_per_group: list[list[list[dict[str, str]]]] = []  # per group: per outcome, its choices
    for names in _groups(template, iam_conditions, choices):
        found: dict[tuple[Any, ...], list[dict[str, str]]] = {}
        for n, values in enumerate(itertools.product(*(choices[p] for p in names))):
            if n >= MAX_GROUP:
                partial = True
                break
            choice = dict(zip(names, values, strict=True))
            found.setdefault(_outcome(template, {**fixed, **choice}, deciding, names, direct), []).append(choice)
        outcomes_per_group.append(list(found.values()))
    outcomes = 1
    for g in outcomes_per_group:
        outcomes *= len(g)
    combos: list[dict[str, str]] = []
    groups: list[list[list[dict[str, str]]]] = []
    for picked in itertools.islice(itertools.product(*outcomes_per_group), limit):
        combo = dict(fixed)
        for members in picked:
            combo.update(members[0])
        combos.append(combo)
        groups.append(list(picked))
    return Branches(combos, total, list(choices), outcomes, groups, partial)


def _outcome(template: Template, values: Mapping[str, str], conditions: list[str], names: list[str],
             direct: set[str]) -> tuple[Any, ...]:
    """What one choice of a group's values decides: the IAM conditions it reaches and the values resources name."""
    ev = Evaluator(template, dict(values))
    out: list[Any] = []
    for c in conditions:
        try:
            out.append((c, ev.condition(c, c)))
        except TemplateError as exc:  # evaluated again with this choice, where it is reported at its place
            out.append((c, "error", exc.message))
    out.extend((n, values[n]) for n in names if n in direct)
    return tuple(out)


def read_parameters(path: Path) -> dict[str, str]:
    """A CloudFormation parameter file: the AWS CLI's list of ParameterKey/ParameterValue, or {"Name": "value"}."""
    raw = read_bytes(path, path, "parameter file")
    try:
        root = jsonpos.parse(raw.decode("utf-8-sig")).root
    except UnicodeDecodeError:
        raise UserError(f"{path}: not valid UTF-8") from None
    except jsonpos.JSONPositionError as exc:
        raise UserError(f"{path}:{exc.line}:{exc.col}: malformed JSON: {exc.message}") from None
    data = from_node(root)
    out: dict[str, str] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(v, (dict, list)) or v is None:
                line, col = pos(k)
                raise UserError(f"{path}:{line}:{col}: parameter {k}: the value must be text, a number or a boolean")
            out[str(k)] = to_text(v)
        return out
    if isinstance(data, list):
        for item in data:
            line, col = pos(item, (root.line, root.col))
            if not isinstance(item, dict) or not isinstance(item.get("ParameterKey"), str):
                raise UserError(f"{path}:{line}:{col}: expected {{\"ParameterKey\": ..., \"ParameterValue\": ...}}")
            if item.get("UsePreviousValue") is True:
                continue
            value = item.get("ParameterValue")
            if isinstance(value, (dict, list)) or value is None:
                raise UserError(f"{path}:{line}:{col}: parameter {item['ParameterKey']}: ParameterValue must be text")
            out[str(item["ParameterKey"])] = to_text(value)
        return out
    raise UserError(f"{path}:1:1: a parameter file is a list of ParameterKey/ParameterValue objects or a "
                    "{\"Name\": \"value\"} object")
