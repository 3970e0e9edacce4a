"""Evaluate intrinsic functions and conditions of a template for given parameter values.

Only what a caller asks for is evaluated (the IAM documents drift compares, their
attachments, the conditions above them), so a function this module cannot evaluate
elsewhere in the template never stops a run. Inside an evaluated value, anything
CloudFormation would refuse, or that cannot be known before deploy in a way that
matters to IAM (`Fn::Transform`, a `Ref` to a name the template does not define),
is a TemplateError naming file, line and column.

`${AWS::Region}`, `${AWS::AccountId}` and `${AWS::Partition}` stay as written,
since grants.py reads them as the policies' <REGION>, <ACCOUNT_ID> and partition.
References to resources and their attributes stay as `${Name}` / `${Name.Attr}` text.

Conditions are evaluated in dependency order with an explicit stack, never by
recursion, so a long chain of conditions that name each other is only a loop.

Evaluation is bounded: a few bytes of template can stand for gigabytes (`!Sub` of a long
parameter default, again and again; `!Join` of one anchor's text through thousands of
aliases). One evaluated text, one evaluated list and the work of all evaluations of one
template together each have a bound far above any real template; past one, the run stops
with one line naming the place and the bound (EvaluationBound, exit 2), before the memory
is spent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from iamdocs.cfn.reader import KNOWN_FUNCTIONS, RULE_FUNCTIONS, Template, TemplateError, to_text
from iamdocs.errors import UserError
from iamdocs.positions import PList, at, pos, span

# Functions CloudFormation has whose result cannot be known here in a way IAM documents could use.
NOT_EVALUATED = frozenset({"Fn::Cidr", "Fn::ForEach", "Fn::Length", "Fn::ToJsonString", "Fn::Transform"})
PSEUDO_KEPT = frozenset({"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::StackId",
                         "AWS::NotificationARNs"})
LIST_TYPES = ("CommaDelimitedList", "List<")
NOVALUE = object()  # Ref AWS::NoValue: the item or key disappears

# Bounds. IAM's largest policy is 10,240 characters and CloudFormation's largest template 1 MB, so
# real templates stay orders of magnitude below each of them.
MAX_TEXT = 1_000_000  # characters in one evaluated text (Fn::Sub, Fn::Join)
MAX_ITEMS = 100_000  # items in one evaluated list (Fn::Split, a list parameter)
MAX_WORK = 20_000_000  # characters and list items produced for one template, all branches together
MAX_INDEX_DIGITS = 9  # Fn::Select's index: no list is longer than MAX_ITEMS anyway
_INDEX = re.compile(r"[0-9]+")


class EvaluationBound(UserError):
    """Evaluating a value would pass one of the bounds above: the whole run stops, exit 2, in one line.

    Not a TemplateError: a document that cannot be evaluated is reported and the others are
    compared, but a template that would take unbounded work is not read any further.
    """


class UnknownValue(TemplateError):
    """A value depends on a parameter value that is not known (a free-text parameter's "any other value")."""


class DeployTimeValue(TemplateError):
    """A value CloudFormation reads only when it deploys (an SSM parameter type): its content is not known here."""


# The shape of AWS::StackId (arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>), its parts
# written as comparison tokens (placeholders.token) so that Fn::Split and Fn::Select reach the part a template
# names, as the product's templates do to name their policies.
STACK_ID = ("arn:{partition}:cloudformation:{region}:{account}:stack/{stack_name}/"
            "{stack_id_1}-{stack_id_2}-{stack_id_3}-{stack_id_4}-{stack_id_5}")
SSM_TYPE = "AWS::SSM::Parameter::Value<"


def is_function(value: Any) -> str | None:
    """The function name when `value` is a one-key mapping `{Ref|Condition|Fn::...: arg}`."""
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        if isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::")):
            return key
    return None


def condition_refs(expr: Any) -> list[Any]:
    """Every `{"Condition": name}` inside a condition expression (positioned names), without recursion."""
    out = []
    stack = [expr]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if is_function(v) == "Condition":
                out.append(v["Condition"])
                continue
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


class Evaluator:
    """Evaluates one template for one choice of parameter values (`params`, else each parameter's Default)."""

    def __init__(self, template: Template, params: Mapping[str, str] | None = None,
                 placeholders: frozenset[str] = frozenset()) -> None:
        self.template = template
        # Parameters that stand for a placeholder of the policy files (${ClusterPrefix} for <CLUSTER_PREFIX>):
        # inside a policy they stay as written, as ${AWS::Region} does, unless a value was chosen.
        self.placeholders = placeholders
        self.shown = template.path
        self.parameters: Mapping[str, Any] = template.section("Parameters")
        self.conditions: Mapping[str, Any] = template.section("Conditions")
        self.mappings: Mapping[str, Any] = template.section("Mappings")
        self.resources: Mapping[str, Any] = template.resources
        self.params = dict(params or {})
        self._cond_cache: dict[str, bool] = {}

    def bound(self, value: Any, message: str) -> EvaluationBound:
        return EvaluationBound(f"{self.template.where(value)}: {message}; refusing to evaluate the template further")

    def charge(self, where: Any, work: int) -> None:
        """Count work done for this template; past MAX_WORK, stop."""
        self.template.evaluated += work
        if self.template.evaluated > MAX_WORK:
            raise self.bound(where, f"evaluating this template takes over {MAX_WORK:,} characters and list items "
                                    "(the bound on all its branches together)")

    def checked_text(self, where: Any, what: str, size: int) -> None:
        if size > MAX_TEXT:
            raise self.bound(where, f"{what} evaluates to over {MAX_TEXT:,} characters (the bound on one text)")
        self.charge(where, size)

    def checked_items(self, where: Any, what: str, size: int) -> None:
        if size > MAX_ITEMS:
            raise self.bound(where, f"{what} evaluates to over {MAX_ITEMS:,} items (the bound on one list)")
        self.charge(where, size)

    def fail(self, value: Any, message: str) -> TemplateError:
        """An error at a value's place; `detail` and `at` let a report place it itself."""
        err = TemplateError(f"{self.template.where(value)}: {message}")
        err.detail, err.at = message, value  # type: ignore[attr-defined]
        return err

    # parameters and conditions

    def parameter(self, name: str, where: Any) -> Any:
        """A parameter's value: the chosen one, else its Default; None without either. Lists for list types."""
        spec = self.parameters.get(name)
        if name in self.params:
            value: Any = self.params[name]
        elif isinstance(spec, dict) and "Default" in spec:
            value = spec["Default"]
        else:
            return None
        if isinstance(spec, dict) and str(spec.get("Type", "")).startswith(LIST_TYPES):
            if not isinstance(value, list):
                self.checked_items(where, f"parameter {name}", to_text(value).count(",") + 1)
            items = value if isinstance(value, list) else to_text(value).split(",")
            return at(PList(at(to_text(s).strip(), *pos(where)) for s in items), *pos(where))
        return at(to_text(value), *pos(where)) if not isinstance(value, (dict, list)) else value

    def condition(self, name: str, where: Any) -> bool:
        """A named condition's value; its dependencies are evaluated first, with an explicit stack."""
        if name in self._cond_cache:
            return self._cond_cache[name]
        if name not in self.conditions:
            raise self.fail(where, f"no condition named {name} in Conditions")
        stack: list[tuple[str, bool, Any]] = [(name, False, where)]
        visiting: set[str] = set()  # expanded, not finished: the current path of dependencies
        while stack:
            current, deps_done, at_ref = stack.pop()
            if current in self._cond_cache:
                continue
            if deps_done:
                self._cond_cache[current] = self.truth(self.conditions[current])
                visiting.discard(current)
                continue
            if current in visiting:
                raise self.fail(at_ref, f"condition {current} depends on itself")
            visiting.add(current)
            stack.append((current, True, at_ref))
            for ref in condition_refs(self.conditions[current]):
                dep = str(ref)
                if dep in self._cond_cache:
                    continue
                if dep not in self.conditions:
                    raise self.fail(ref, f"no condition named {dep} in Conditions")
                if dep in visiting:
                    raise self.fail(ref, f"condition {dep} depends on itself")
                stack.append((dep, False, ref))
        return self._cond_cache[name]

    def truth(self, value: Any) -> bool:
        """A condition expression as a bool; conditions it names must already be evaluated (see condition)."""
        fn = is_function(value)
        arg = value[fn] if fn else None
        if fn == "Condition":
            return self.condition(str(arg), arg)
        if fn == "Fn::Equals":
            if not isinstance(arg, list) or len(arg) != 2:
                raise self.fail(value, "Fn::Equals needs a list of two values")
            a, b = (self.resolve(x, need=True) for x in arg)
            return to_text(a) == to_text(b)
        if fn == "Fn::Not":
            items = arg if isinstance(arg, list) else [arg]
            if len(items) != 1:
                raise self.fail(value, "Fn::Not needs a list of one condition")
            return not self.truth(items[0])
        if fn in ("Fn::And", "Fn::Or"):
            if not isinstance(arg, list) or not 2 <= len(arg) <= 10:
                raise self.fail(value, f"{fn} needs a list of 2 to 10 conditions")
            results = [self.truth(x) for x in arg]
            return all(results) if fn == "Fn::And" else any(results)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.fail(value, "not a condition: expected Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition")

    # values

    def resolve(self, value: Any, need: bool = False) -> Any:
        """`value` with every function evaluated; NOVALUE items and keys removed. Positions are kept.

        `need`: a parameter without a value is an error (it decides a condition), not `${Name}` text.
        """
        if isinstance(value, list):
            self.charge(value, len(value))
            out = [self.resolve(v, need) for v in value]
            return _keep(value, [v for v in out if v is not NOVALUE])
        if not isinstance(value, dict):
            return value
        self.charge(value, len(value))
        fn = is_function(value)
        if fn is not None:
            result = self.function(fn, value[fn], value, need)
            return _keep(value, result) if result is not NOVALUE else result
        out = {k: self.resolve(v, need) for k, v in value.items()}
        return _keep(value, {k: v for k, v in out.items() if v is not NOVALUE})

    def function(self, key: str, arg: Any, where: Any, need: bool) -> Any:
        if key in NOT_EVALUATED:
            raise self.fail(where, f"{key} cannot be evaluated here: its result is known only to CloudFormation")
        if key in RULE_FUNCTIONS:
            raise self.fail(where, f"{key} is a rule function: valid only in the Rules section")
        if key not in KNOWN_FUNCTIONS:
            raise self.fail(where, f"unknown intrinsic function {key}")
        if key == "Ref":
            return self.ref(arg, where, need)
        if key == "Condition":
            raise self.fail(where, "Condition is valid only inside Conditions and as a resource's Condition")
        if key == "Fn::If":
            if not isinstance(arg, list) or len(arg) != 3:
                raise self.fail(where, "Fn::If needs [condition name, value if true, value if false]")
            return self.resolve(arg[1] if self.condition(str(arg[0]), arg[0]) else arg[2], need)
        if key in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            for ref in condition_refs(arg):
                self.condition(str(ref), ref)
            return "true" if self.truth({key: arg}) else "false"
        if key == "Fn::Sub":
            return self.sub(arg, where, need)
        if key == "Fn::Join":
            if not isinstance(arg, list) or len(arg) != 2:
                raise self.fail(where, "Fn::Join needs [delimiter, list of values]")
            items = self.resolve(arg[1], need)
            if not isinstance(items, list):
                raise self.fail(where, "Fn::Join: the second item must be a list")
            delim = self.text(self.resolve(arg[0], need), where)
            parts = [self.text(x, where) for x in items]
            self.checked_text(where, "Fn::Join", sum(map(len, parts)) + len(delim) * max(0, len(parts) - 1))
            return delim.join(parts)
        if key == "Fn::Select":
            if not isinstance(arg, list) or len(arg) != 2:
                raise self.fail(where, "Fn::Select needs [index, list]")
            index = to_text(self.resolve(arg[0], need))
            items = self.resolve(arg[1], need)
            if not _INDEX.fullmatch(index):
                raise self.fail(where, f"Fn::Select: index {index[:20]!r} is not a whole number of 0 or more")
            if len(index.lstrip("0")) > MAX_INDEX_DIGITS or not isinstance(items, list) or int(index) >= len(items):
                index = index if len(index) <= 20 else f"{index[:20]}... ({len(index):,} digits)"
                raise self.fail(where, f"Fn::Select: index {index} is outside the list")
            return items[int(index)]
        if key == "Fn::Split":
            if not isinstance(arg, list) or len(arg) != 2:
                raise self.fail(where, "Fn::Split needs [delimiter, text]")
            delim = self.text(self.resolve(arg[0], need), where)
            if not delim:
                raise self.fail(where, "Fn::Split: the delimiter must not be empty")
            text = self.text(self.resolve(arg[1], need), where)
            self.checked_items(where, "Fn::Split", text.count(delim) + 1)
            return PList(at(s, *pos(where)) for s in text.split(delim))
        if key == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
            if len(parts) != 2:
                raise self.fail(where, "Fn::GetAtt needs [resource, attribute]")
            name, attr = (self.text(self.resolve(p, need), where) for p in parts)
            if name not in self.resources:
                raise self.fail(where, f"Fn::GetAtt: no resource named {name} in this template")
            return "${" + name + "." + attr + "}"
        if key == "Fn::FindInMap":
            if not isinstance(arg, list) or len(arg) not in (3, 4):
                raise self.fail(where, "Fn::FindInMap needs [map, top-level key, second-level key]")
            m, k1, k2 = (self.text(self.resolve(x, need), where) for x in arg[:3])
            try:
                return self.resolve(self.mappings[m][k1][k2], need)
            except (KeyError, TypeError):
                if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                    return self.resolve(arg[3]["DefaultValue"], need)
                if "${" in k1 + k2:
                    err = UnknownValue(f"{self.template.where(where)}: Fn::FindInMap: key {k1}/{k2} depends on a "
                                       "parameter value not known here")
                    err.detail, err.at = "Fn::FindInMap key depends on a free-text parameter", where  # type: ignore[attr-defined]
                    raise err from None
                raise self.fail(where, f"Fn::FindInMap: no {m}/{k1}/{k2} in Mappings") from None
        if key == "Fn::Base64":
            return self.resolve(arg, need)
        if key == "Fn::ImportValue":
            return "${Import:" + self.text(self.resolve(arg, need), where) + "}"
        if key == "Fn::GetAZs":
            return PList(at(f"${{AWS::Region}}{z}", *pos(where)) for z in "ab")
        raise self.fail(where, f"{key} cannot be evaluated here")  # pragma: no cover - every known name is above

    def ref(self, name: Any, where: Any, need: bool) -> Any:
        if not isinstance(name, str):
            raise self.fail(where, "Ref needs the name of a parameter or resource")
        if name == "AWS::NoValue":
            return NOVALUE
        if name in PSEUDO_KEPT:
            if need and name in self.params:  # a condition, in a branch that tries a value (parameters.py)
                return at(self.params[name], *pos(where))
            if name == "AWS::StackId":
                return at(STACK_ID, *pos(where))
            return "${" + name + "}"
        if name == "AWS::URLSuffix":
            return "amazonaws.com"
        if name in self.parameters:
            spec = self.parameters[name]
            if isinstance(spec, dict) and str(spec.get("Type", "")).startswith(SSM_TYPE) and name not in self.params:
                err = DeployTimeValue(f"{self.template.where(where)}: parameter {name} is of type {spec['Type']}: "
                                      "CloudFormation reads its value from Systems Manager when it deploys")
                err.detail, err.at = (f"parameter {name} is of type {spec['Type']}: its value is read from Systems "  # type: ignore[attr-defined]
                                      "Manager when the stack deploys, so what it grants is not known here"), where
                raise err
            if name in self.placeholders and name not in self.params and not need:
                return "${" + name + "}"
            value = self.parameter(name, where)
            if value is None:
                if need:
                    raise self.fail(where, f"parameter {name} has no value and no Default; it decides a condition "
                                           "here")
                return "${" + name + "}"
            return value
        if name in self.resources:
            return "${" + name + "}"  # a resource: its physical ID is known only after deploy
        raise self.fail(where, f"Ref {name}: no parameter or resource named {name} in this template")

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
                # ${!Literal}: CloudFormation writes the text ${Literal}. An IAM policy variable (${!aws:username})
                # is meant so; a name Fn::Sub would otherwise fill (${!AWS::Region}) is not that value: it stays
                # marked, so that it never compares equal to the Region it looks like.
                literal = inner[1:]
                head = literal.strip().split(".", 1)[0]
                fills = literal.strip() in PSEUDO_KEPT or head in self.parameters or head in self.resources \
                    or literal.strip().startswith("AWS::")
                return "${!" + literal + "}" if fills else "${" + literal + "}"
            name = inner.strip()
            if name in variables:
                return self.text(variables[name], where)
            head = name.split(".", 1)[0]
            if "." in name and head in self.resources:
                return "${" + name + "}"
            value = self.ref(name, where, need)
            if value is NOVALUE:
                raise self.fail(where, "Fn::Sub: ${AWS::NoValue} cannot be substituted")
            return self.text(value, where)

        size = [len(text)]

        def counted(m: re.Match[str]) -> str:
            out = one(m)
            size[0] += len(out) - len(m.group(0))
            if size[0] > MAX_TEXT:  # checked as it grows: ${Big} a thousand times would be built first
                self.checked_text(where, "Fn::Sub", size[0])
            return out

        result = re.sub(r"\$\{([^}]*)\}", counted, str(text))
        self.charge(where, len(result))
        return result

    def text(self, value: Any, where: Any) -> str:
        """A scalar as text, as CloudFormation makes it; a mapping or list here is an error."""
        if isinstance(value, (str, int, float, bool)):
            return to_text(value)
        raise self.fail(where, f"expected text here, got {type(value).__name__}")


def _keep(source: Any, result: Any) -> Any:
    """`result` with the position and source span of the value it was evaluated from."""
    line, col = pos(source)
    if not line or pos(result)[0]:
        return result  # a value with its own place (a branch of Fn::If, a mapping entry) keeps it
    start, end = span(source)
    return at(result, line, col, start, end)
