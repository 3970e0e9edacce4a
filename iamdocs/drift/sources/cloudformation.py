"""IAM policy documents in a CloudFormation template, YAML or JSON, intrinsics evaluated.

Short forms (`!Sub`) are turned into the long form (`{"Fn::Sub": ...}`) while
reading, so one evaluator handles both. Only the parts that hold policies are
evaluated: `PolicyDocument` of AWS::IAM::Policy and AWS::IAM::ManagedPolicy,
and `Policies` of AWS::IAM::Role.

Choice for `Fn::If` and resource `Condition`: conditions are evaluated with the
parameters' Default values, overridden by `--param NAME=VALUE`. That is what a
stack deployed with those values would get; to check another branch, run again
with other values (the Makefile checks the generated template with
Session=false and Session=true). A condition that needs a parameter without a
Default is a usage error naming the parameter, never a guess.

`${AWS::Region}`, `${AWS::AccountId}` and `${AWS::Partition}` stay as written,
since grants.py treats them as the policies' <REGION>, <ACCOUNT_ID> and the
partition. References to resources and attributes stay as `${Name}` text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from iamdocs import jsonpos
from iamdocs.drift.compare import Copy, Difference
from iamdocs.drift.positions import PDict, PList, PStr, at, from_node, pos
from iamdocs.errors import UserError
from iamdocs.model import Location

# Short-form tags and the long-form key each stands for.
SHORT_FORMS = {
    "!Ref": "Ref", "!Condition": "Condition",
    **{f"!{n}": f"Fn::{n}" for n in (
        "Sub", "GetAtt", "If", "Join", "Select", "Split", "Equals", "Not", "And", "Or", "FindInMap", "Base64",
        "ImportValue", "GetAZs", "Cidr", "Length", "ToJsonString", "Transform")},
}
# Intrinsics CloudFormation has that cannot appear in a policy this reader evaluates:
# accepted anywhere else in the template, an error inside a policy.
NOT_EVALUATED = {"Fn::Cidr", "Fn::Length", "Fn::ToJsonString", "Fn::Transform"}
KNOWN_LONG_FORMS = set(SHORT_FORMS.values())

POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
ROLE_TYPE = "AWS::IAM::Role"
PSEUDO_KEPT = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::StackId",
               "AWS::NotificationARNs"}
_NOVALUE = object()  # Ref AWS::NoValue: the item or key disappears
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024  # CloudFormation accepts 1 MB; anything far larger is not a template


class TemplateError(UserError):
    """The template cannot be read or evaluated; the message names file, line and column."""


class _Unknown(Exception):
    def __init__(self, tag: str, mark: yaml.Mark) -> None:
        self.tag, self.mark = tag, mark


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader that builds positioned values and reads CloudFormation's short-form tags."""


def _mark(value: Any, node: yaml.Node) -> Any:
    return at(value, node.start_mark.line + 1, node.start_mark.column + 1)


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> PDict:
    loader.flatten_mapping(node)
    out = PDict()
    for k, v in node.value:
        key = loader.construct_object(k, deep=True)
        out[key if isinstance(key, str) else _text(key)] = loader.construct_object(v, deep=True)
    return _mark(out, node)


def _construct_seq(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> PList:
    return _mark(PList(loader.construct_object(v, deep=True) for v in node.value), node)


def _construct_str(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> PStr:
    return _mark(loader.construct_scalar(node), node)


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> PDict:
    tag = "!" + suffix
    key = SHORT_FORMS.get(tag)
    if key is None:
        raise _Unknown(tag, node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        arg: Any = _construct_str(loader, node)
        if key == "Fn::GetAtt":  # !GetAtt Resource.Attribute
            name, _, attr = str(arg).partition(".")
            arg = _mark(PList([_mark(name, node), _mark(attr, node)]), node)
    elif isinstance(node, yaml.SequenceNode):
        arg = _construct_seq(loader, node)
    else:
        arg = _construct_map(loader, node)
    return _mark(PDict({key: arg}), node)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_str)  # 2012-10-17 is text to IAM
_Loader.add_multi_constructor("!", _construct_tag)


def read_template(path: Path, display: Path | None = None) -> Any:
    """The template as positioned Python values; TemplateError for anything unreadable."""
    shown = display or path
    try:
        if path.is_file() and path.stat().st_size > MAX_TEMPLATE_BYTES:
            raise TemplateError(f"{shown}: {path.stat().st_size:,} bytes is too large for a CloudFormation template")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise TemplateError(f"{shown}: is a folder, not a template") from None
    except OSError as exc:
        raise TemplateError(f"{shown}: cannot be read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{shown}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    return parse_template(text, shown)


def parse_template(text: str, shown: Path) -> Any:
    """Parse template text: JSON when it starts with `{`, otherwise YAML."""
    if not text.strip():
        raise TemplateError(f"{shown}: file is empty; expected a CloudFormation template")
    if text.lstrip().startswith("{"):
        try:
            data = from_node(jsonpos.parse(text).root)
        except jsonpos.JSONPositionError as exc:
            raise TemplateError(f"{shown}:{exc.line}:{exc.col}: malformed JSON: {exc.message}") from None
    else:
        try:
            data = yaml.load(text, Loader=_Loader)
        except _Unknown as exc:
            raise TemplateError(
                f"{shown}:{exc.mark.line + 1}:{exc.mark.column + 1}: unknown intrinsic function {exc.tag}",
                hint="CloudFormation's short forms are " + ", ".join(sorted(SHORT_FORMS))) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark else str(shown)
            raise TemplateError(f"{where}: malformed YAML: {exc.problem or exc.context}") from None
        except yaml.YAMLError as exc:
            raise TemplateError(f"{shown}: malformed YAML: {exc}") from None
        except RecursionError:
            raise TemplateError(f"{shown}: nested too deeply to be a template") from None
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise TemplateError(f"{shown}: not a CloudFormation template (no Resources section)")
    _check_intrinsics(data, shown)
    return data


def _check_intrinsics(value: Any, shown: Path) -> None:
    """An unknown `Fn::` key anywhere is an error, as an unknown short-form tag is."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k in v:
                if isinstance(k, str) and k.startswith("Fn::") and k not in KNOWN_LONG_FORMS:
                    line, col = pos(k, pos(v))
                    raise TemplateError(f"{shown}:{line}:{col}: unknown intrinsic function {k}",
                                        hint="known: " + ", ".join(sorted(KNOWN_LONG_FORMS)))
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


class Evaluator:
    """Evaluates the intrinsics inside policy documents, with parameter values and conditions."""

    def __init__(self, template: Mapping[str, Any], shown: Path, params: Mapping[str, str]) -> None:
        self.t = template
        self.shown = shown
        self.parameters: Mapping[str, Any] = template.get("Parameters") or {}
        self.conditions: Mapping[str, Any] = template.get("Conditions") or {}
        self.mappings: Mapping[str, Any] = template.get("Mappings") or {}
        self.resources: Mapping[str, Any] = template["Resources"]
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            raise TemplateError(f"{shown}: --param {', '.join(unknown)}: no such parameter in the template",
                                hint="parameters: " + (", ".join(self.parameters) or "none"))
        self.params = dict(params)
        self._cond_cache: dict[str, bool] = {}
        self._cond_stack: list[str] = []

    def fail(self, value: Any, message: str) -> TemplateError:
        line, col = pos(value)
        where = f"{self.shown}:{line}:{col}" if line else str(self.shown)
        return TemplateError(f"{where}: {message}")

    def parameter(self, name: str, where: Any, need: bool) -> Any:
        """A parameter's value: --param, else Default; None (or an error when `need`) without either."""
        if name in self.params:
            value: Any = self.params[name]
        else:
            spec = self.parameters.get(name)
            if not isinstance(spec, dict) or "Default" not in spec:
                if need:
                    raise self.fail(where, f"parameter {name} has no Default; its value decides a condition here")
                return None
            value = spec["Default"]
        spec = self.parameters.get(name) or {}
        if isinstance(spec, dict) and str(spec.get("Type", "")).startswith(("CommaDelimitedList", "List<")):
            return [s.strip() for s in str(value).split(",")] if isinstance(value, str) else list(value)
        return _text(value) if isinstance(value, (int, float, bool)) else value

    def condition(self, name: str, where: Any) -> bool:
        if name in self._cond_cache:
            return self._cond_cache[name]
        if name not in self.conditions:
            raise self.fail(where, f"no condition named {name} in Conditions")
        if name in self._cond_stack:
            raise self.fail(where, f"condition {name} refers to itself")
        self._cond_stack.append(name)
        result = self.truth(self.conditions[name])
        self._cond_stack.pop()
        self._cond_cache[name] = result
        return result

    def truth(self, value: Any) -> bool:
        """A condition expression (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition) as a bool."""
        if isinstance(value, dict) and len(value) == 1:
            (key, arg), = value.items()
            if key == "Condition":
                return self.condition(str(arg), value)
            if key == "Fn::Equals":
                if not isinstance(arg, list) or len(arg) != 2:
                    raise self.fail(value, "Fn::Equals needs a list of two values")
                a, b = (self.resolve(x, need=True) for x in arg)
                return _text(a) == _text(b)
            if key == "Fn::Not":
                items = arg if isinstance(arg, list) else [arg]
                if len(items) != 1:
                    raise self.fail(value, "Fn::Not needs a list of one condition")
                return not self.truth(items[0])
            if key in ("Fn::And", "Fn::Or"):
                if not isinstance(arg, list) or not arg:
                    raise self.fail(value, f"{key} needs a list of conditions")
                results = [self.truth(x) for x in arg]
                return all(results) if key == "Fn::And" else any(results)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.fail(value, "not a condition: expected Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition")

    def resolve(self, value: Any, need: bool = False) -> Any:
        """A value with every intrinsic evaluated; `_NOVALUE` items and keys removed."""
        if isinstance(value, list):
            out = [self.resolve(v, need) for v in value]
            line, col = pos(value)
            return at([v for v in out if v is not _NOVALUE], line, col)
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
                result = self.intrinsic(key, arg, value, need)
                line, col = pos(value)
                return at(result, line, col) if line and result is not _NOVALUE else result
        out = {k: self.resolve(v, need) for k, v in value.items()}
        line, col = pos(value)
        return at({k: v for k, v in out.items() if v is not _NOVALUE}, line, col)

    def intrinsic(self, key: str, arg: Any, where: Any, need: bool) -> Any:
        if key in NOT_EVALUATED:
            raise self.fail(where, f"{key} cannot be evaluated inside an IAM policy")
        if key == "Ref":
            return self.ref(str(arg), where, need)
        if key == "Fn::If":
            if not isinstance(arg, list) or len(arg) != 3:
                raise self.fail(where, "Fn::If needs [condition name, value if true, value if false]")
            return self.resolve(arg[1] if self.condition(str(arg[0]), where) else arg[2], need)
        if key == "Fn::Sub":
            return self.sub(arg, where, need)
        if key == "Fn::Join":
            if not isinstance(arg, list) or len(arg) != 2:
                raise self.fail(where, "Fn::Join needs [delimiter, list of values]")
            items = self.resolve(arg[1], need)
            if not isinstance(items, list):
                raise self.fail(where, "Fn::Join: the second item must be a list")
            return _text(self.resolve(arg[0], need)).join(self._string(x, where) for x in items)
        if key == "Fn::Select":
            if not isinstance(arg, list) or len(arg) != 2:
                raise self.fail(where, "Fn::Select needs [index, list]")
            items = self.resolve(arg[1], need)
            try:
                return items[int(self.resolve(arg[0], need))]
            except (ValueError, TypeError, IndexError):
                raise self.fail(where, "Fn::Select: index is not a number within the list") from None
        if key == "Fn::Split":
            if not isinstance(arg, list) or len(arg) != 2:
                raise self.fail(where, "Fn::Split needs [delimiter, text]")
            delim = self._string(self.resolve(arg[0], need), where)
            line, col = pos(where)
            return PList(at(s, line, col) for s in self._string(self.resolve(arg[1], need), where).split(delim))
        if key == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
            if len(parts) != 2:
                raise self.fail(where, "Fn::GetAtt needs [resource, attribute]")
            return "${" + ".".join(self._string(self.resolve(p, need), where) for p in parts) + "}"
        if key == "Fn::FindInMap":
            if not isinstance(arg, list) or len(arg) not in (3, 4):
                raise self.fail(where, "Fn::FindInMap needs [map, top-level key, second-level key]")
            m, k1, k2 = (self._string(self.resolve(x, need), where) for x in arg[:3])
            try:
                return self.resolve(self.mappings[m][k1][k2], need)
            except (KeyError, TypeError):
                if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                    return self.resolve(arg[3]["DefaultValue"], need)
                raise self.fail(where, f"Fn::FindInMap: no {m}/{k1}/{k2} in Mappings") from None
        if key == "Fn::Base64":
            return self.resolve(arg, need)
        if key == "Fn::ImportValue":
            return "${Import:" + self._string(self.resolve(arg, need), where) + "}"
        if key == "Fn::GetAZs":
            return ["${AWS::Region}a", "${AWS::Region}b"]
        if key in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            return self.truth({key: arg})
        raise self.fail(where, f"unknown intrinsic function {key}")

    def ref(self, name: str, where: Any, need: bool) -> Any:
        if name == "AWS::NoValue":
            return _NOVALUE
        if name in PSEUDO_KEPT:
            return "${" + name + "}"
        if name == "AWS::URLSuffix":
            return "amazonaws.com"
        if name in self.parameters:
            value = self.parameter(name, where, need)
            return "${" + name + "}" if value is None else value
        return "${" + name + "}"  # a resource: its physical ID is known only after deploy

    def sub(self, arg: Any, where: Any, need: bool) -> str:
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[1], dict):
                raise self.fail(where, "Fn::Sub needs a text or [text, {variables}]")
            text, variables = arg[0], {k: self.resolve(v, need) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}
        if not isinstance(text, str):
            raise self.fail(where, "Fn::Sub: the template text must be a string")

        def one(m: re.Match[str]) -> str:
            inner = m.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            name = inner.strip()
            if name in variables:
                return self._string(variables[name], where)
            if "." in name and name.split(".", 1)[0] in self.resources:
                return "${" + name + "}"
            value = self.ref(name, where, need)
            if value is _NOVALUE:
                raise self.fail(where, "Fn::Sub: ${AWS::NoValue} cannot be substituted")
            return self._string(value, where)

        return re.sub(r"\$\{([^}]*)\}", one, str(text))

    def _string(self, value: Any, where: Any) -> str:
        if isinstance(value, str):
            return str(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise self.fail(where, f"expected text here, got {type(value).__name__}")


def _text(value: Any) -> str:
    """A scalar as CloudFormation compares it: YAML's true is "true", lists join with commas."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)


MAX_COMBINATIONS = 32  # parameter value combinations tried per template (see parameter_combinations)


def parameter_combinations(template: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every combination of the values of parameters with AllowedValues, the defaults first.

    What a published template can create depends on the values a reader picks,
    so every choice it offers is a copy to check. With more than
    MAX_COMBINATIONS, each parameter is varied on its own from the defaults.
    """
    params = template.get("Parameters") or {}
    choices = {str(name): [_text(v) for v in spec["AllowedValues"]] for name, spec in params.items()
               if isinstance(spec, dict) and isinstance(spec.get("AllowedValues"), list) and spec["AllowedValues"]}
    base = {n: v[0] for n, v in choices.items() if "Default" not in params[n]}  # no Default: the first value
    defaults = {**{n: _text(params[n]["Default"]) for n in choices if n not in base}, **base}
    combos: list[dict[str, str]] = [{}]
    for name, values in choices.items():
        combos = [{**c, name: v} for c in combos for v in values]
    if len(combos) > MAX_COMBINATIONS:
        combos = [{**defaults, name: v} for name, values in choices.items() for v in values]
    out = [base]  # the parameters' own defaults first
    for c in combos:
        changed = {k: v for k, v in c.items() if k in base or v != defaults[k]}
        if changed not in out:
            out.append(changed)
    return out


def _parse_map(entries: list[str]) -> dict[str, tuple[str, ...]]:
    """--map LogicalId[/PolicyName]=file.json[,other.json]"""
    out: dict[str, tuple[str, ...]] = {}
    for e in entries:
        key, sep, files = e.partition("=")
        if not sep or not key.strip() or not files.strip():
            raise UserError(f"--map {e}: expected LogicalId=policy-file.json (or LogicalId/PolicyName=...)")
        out[key.strip()] = tuple(f.strip() for f in files.split(",") if f.strip())
    return out


def template_copies(path: Path, params: Mapping[str, str] | None = None, mapping: list[str] | None = None,
                    display: Path | None = None, none_created_ok: bool = False) -> tuple[list[Copy], list[Difference]]:
    """Every IAM policy document the template creates with these parameter values, and the resources skipped.

    Raises TemplateError when the template has no IAM policy documents at all, or
    none with these values (unless `none_created_ok`, for callers that try
    several values): a check that compares nothing must not pass.
    """
    shown = display or path
    t = read_template(path, shown)
    ev = Evaluator(t, shown, params or {})
    maps = _parse_map(mapping or [])
    copies: list[Copy] = []
    notes: list[Difference] = []
    found_any = False
    used_keys: set[str] = set()

    def add(name: str, logical: str, doc: Any, where: Any) -> None:
        if isinstance(doc, str):  # a policy written as JSON text
            try:
                doc = from_node(jsonpos.parse(doc).root, max(pos(where)[0] - 1, 0))
            except jsonpos.JSONPositionError as exc:
                raise ev.fail(where, f"{name}: PolicyDocument is text but not JSON: {exc.message}") from None
        if not isinstance(doc, dict):
            raise ev.fail(where, f"{name}: PolicyDocument is not an object")
        forced = maps.get(name) or maps.get(logical) or ()
        used_keys.update(k for k in (name, logical) if k in maps)
        line, col = pos(doc, pos(where))
        copies.append(Copy(name, doc, Location(shown, line, col), tuple(forced)))

    for logical, res in ev.resources.items():
        if not isinstance(res, dict):
            continue
        rtype = res.get("Type")
        if rtype not in (*POLICY_TYPES, ROLE_TYPE):
            continue
        props = res.get("Properties") or {}
        if not isinstance(props, dict):
            raise ev.fail(res, f"{logical}: Properties is not an object")
        if rtype == ROLE_TYPE and "Policies" not in props:
            continue
        found_any = True
        if "Condition" in res and not ev.condition(str(res["Condition"]), res):
            line, col = pos(res)
            notes.append(Difference("skipped", "info", Location(shown, line, col), str(logical), "", "",
                                    f"not created: condition {res['Condition']} is false with these parameter values"))
            continue
        if rtype in POLICY_TYPES:
            if "PolicyDocument" not in props:
                raise ev.fail(res, f"{logical}: {rtype} without PolicyDocument")
            add(str(logical), str(logical), ev.resolve(props["PolicyDocument"]), props["PolicyDocument"])
            continue
        policies = ev.resolve(props["Policies"])
        if not isinstance(policies, list):
            raise ev.fail(props["Policies"], f"{logical}: Policies is not a list")
        for i, p in enumerate(policies):
            if not isinstance(p, dict) or "PolicyDocument" not in p:
                raise ev.fail(p if pos(p)[0] else props["Policies"], f"{logical}: Policies[{i}] has no PolicyDocument")
            pname = p.get("PolicyName")
            name = f"{logical}/{pname if isinstance(pname, str) else i}"
            add(name, str(logical), p["PolicyDocument"], p)
    if not found_any:
        key = next(k for k in t if k == "Resources")  # the key carries its position; point the reader at it
        line, col = pos(key, pos(ev.resources))
        where = f"{shown}:{line}:{col}" if line else str(shown)
        types = sorted({str(r.get("Type")) for r in ev.resources.values() if isinstance(r, dict) and r.get("Type")})
        found = f"Resources has {len(ev.resources)} resource(s)" + (f": {', '.join(types)}" if types else "")
        raise TemplateError(f"{where}: no IAM policies in this template ({found})",
                            hint="drift looks at AWS::IAM::Policy, AWS::IAM::ManagedPolicy and the Policies of "
                                 "AWS::IAM::Role")
    unused = sorted(set(maps) - used_keys)
    if unused:
        raise UserError(f"--map {', '.join(unused)}: no such policy document in {shown}",
                        hint="documents: " + ", ".join(c.name for c in copies))
    if not copies and not none_created_ok:
        skipped = "; ".join(f"{n.document} {n.message}" for n in notes)
        raise TemplateError(f"{shown}: no IAM policy document is created with these parameter values: {skipped}",
                            hint="set other values with --param NAME=VALUE")
    return copies, notes
