"""Read a CloudFormation template as CloudFormation reads it, into positioned values.

Every value keeps where it came from: `line`/`col` for reports, and `start`/`end`
character offsets into the template text (`Template.text[v.start:v.end]` is its
source) for tools that rewrite a document in place (positions.py). For YAML the
span is the node's own, as PyYAML marks it: a block mapping or sequence ends
where the next token starts, so its span can include the trailing line break.

What CloudFormation accepts is accepted here, whatever the section: short forms
of every function (`!Ref`, `!Sub`, the rule functions `!EachMemberEquals`, ...,
and any other `!Name`, read as `Fn::Name` like cfn-lint does), comments, anchors
and aliases (bounded: a few hundred bytes of aliases can stand for billions of
values), JSON and YAML. Nothing is evaluated here; an unknown function only
matters where something evaluates it (evaluate.py). What CloudFormation rejects
and a YAML parser would silently accept is an error: a key given twice in one
mapping names both places.

JSON-looking text is read as JSON first and, when that fails, as YAML (which is
what CloudFormation does with a template that is not valid JSON); the JSON error
is reported when neither reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from iamdocs import jsonpos
from iamdocs.errors import UserError
from iamdocs.fsutil import Unreadable, read_regular
from iamdocs.loader import MAX_CATALOG_NODES, _expanded_size
from iamdocs.positions import PDict, PList, at, pos

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024  # CloudFormation accepts 1 MB; anything far larger is not a template
MAX_NODES = MAX_CATALOG_NODES  # values after alias expansion; the same bound as the catalog's
MAX_DEPTH = 128  # nesting levels; real templates use about a dozen, and evaluation walks them

# Functions CloudFormation knows, as keys of the long form. Short forms are "!" + the part after "Fn::".
INTRINSICS = ("Ref", "Condition", "Fn::Base64", "Fn::Cidr", "Fn::FindInMap", "Fn::ForEach", "Fn::GetAtt",
              "Fn::GetAZs", "Fn::ImportValue", "Fn::Join", "Fn::Length", "Fn::Select", "Fn::Split", "Fn::Sub",
              "Fn::ToJsonString", "Fn::Transform")
CONDITION_FUNCTIONS = ("Fn::And", "Fn::Equals", "Fn::If", "Fn::Not", "Fn::Or")
RULE_FUNCTIONS = ("Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::RefAll", "Fn::ValueOf",
                  "Fn::ValueOfAll")
KNOWN_FUNCTIONS = frozenset((*INTRINSICS, *CONDITION_FUNCTIONS, *RULE_FUNCTIONS))


class TemplateError(UserError):
    """The template cannot be read or evaluated; the message names file, line and column."""


class NotATemplate(TemplateError):
    """Readable, but not a CloudFormation template (empty, or no Resources): a parameters file beside the templates,
    say. Commands that check every file a pattern matches pass it with a note (--skip-unrelated)."""


@dataclass
class Template:
    """A parsed template: its positioned data and the text the positions point into."""

    path: Path  # as shown in messages
    text: str
    data: PDict
    format: str  # "json" or "yaml"

    def section(self, name: str) -> dict[str, Any]:
        """A top-level section as a mapping ({} when absent or not a mapping)."""
        value = self.data.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def resources(self) -> dict[str, Any]:
        return self.section("Resources")

    def where(self, value: Any) -> str:
        """`file:line:col` of a positioned value, or the file alone."""
        line, col = pos(value)
        return f"{self.path}:{line}:{col}" if line else str(self.path)


def read_bytes(path: Path, shown: Path, what: str = "template") -> bytes:
    """A regular file's bytes through the one file reader (no FIFO, device or folder; bounded in size)."""
    try:
        return read_regular(path, limit=MAX_TEMPLATE_BYTES, what=f"a CloudFormation {what}")
    except Unreadable as exc:
        raise TemplateError(f"{shown}: {exc}") from None


def read_template(path: Path, display: Path | None = None) -> Template:
    """The template at `path`; TemplateError (exit 2) for anything unreadable."""
    shown = display or path
    return decode_template(read_bytes(path, shown), shown)


def decode_template(raw: bytes, shown: Path) -> Template:
    """Template bytes as a Template: for a caller that keeps the bytes (sync compares them before writing)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{shown}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    return parse_template(text, shown)


def parse_template(text: str, shown: Path) -> Template:
    """Template text as a Template: readable text (parse_text) with a Resources section."""
    if not text.strip():
        raise NotATemplate(f"{shown}: file is empty; expected a CloudFormation template")
    data, fmt = parse_text(text, shown)
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise NotATemplate(f"{shown}: not a CloudFormation template (no Resources section)")
    return Template(shown, text, data, fmt)


def parse_text(text: str, shown: Path) -> tuple[Any, str]:
    """Template text as positioned values and the format read ("json" or "yaml"); no evaluation.

    Text without a document (empty, or only comments) reads as an empty mapping, as cfn-lint reads it.
    """
    if text.lstrip().startswith("{"):
        try:
            return _from_json(jsonpos.parse(text).root, shown), "json"
        except jsonpos.JSONPositionError as exc:
            try:
                return _parse_yaml(text, shown), "yaml"
            except TemplateError:
                raise TemplateError(f"{shown}:{exc.line}:{exc.col}: malformed JSON: {exc.message}") from None
    return _parse_yaml(text, shown), "yaml"


def _duplicate(shown: Path, key: str, first: tuple[int, int], again: tuple[int, int]) -> TemplateError:
    return TemplateError(f"{shown}:{again[0]}:{again[1]}: duplicate key {key!r}: also at line {first[0]} column "
                         f"{first[1]}; CloudFormation does not accept a key twice in one mapping")


def _from_json(root: jsonpos.Node, shown: Path) -> Any:
    """A jsonpos tree as positioned values, iteratively; duplicate keys are an error naming both places."""
    def shell(n: jsonpos.Node) -> Any:
        if n.kind == "object":
            return at(PDict(), n.line, n.col, n.start, n.end)
        if n.kind == "array":
            return at(PList(), n.line, n.col, n.start, n.end)
        if n.kind == "string":
            return at(n.value, n.line, n.col, n.start, n.end)
        return n.value

    top = shell(root)
    stack = [(root, top)]
    while stack:
        node, target = stack.pop()
        if node.kind == "object":
            seen: dict[str, jsonpos.Node] = {}
            for k, v in node.pairs:
                if k.value in seen:
                    first = seen[k.value]
                    raise _duplicate(shown, k.value, (first.line, first.col), (k.line, k.col))
                seen[k.value] = k
                child = shell(v)
                target[at(k.value, k.line, k.col, k.start, k.end)] = child
                if v.kind in ("object", "array"):
                    stack.append((v, child))
        elif node.kind == "array":
            for v in node.items:
                child = shell(v)
                target.append(child)
                if v.kind in ("object", "array"):
                    stack.append((v, child))
    return top


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The fast safe loader; this module builds values from its nodes itself."""


def _node_at(value: Any, node: yaml.Node) -> Any:
    m, e = node.start_mark, node.end_mark
    return at(value, m.line + 1, m.column + 1, m.index, e.index)


def _function_name(tag: str) -> str:
    name = tag[1:]
    return name if name in ("Ref", "Condition") else f"Fn::{name}"


def _parse_yaml(text: str, shown: Path) -> Any:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return at(PDict(), 1, 1, 0, 0)
        if _expanded_size(node) > MAX_NODES:
            raise TemplateError(f"{shown}: the template expands to over {MAX_NODES:,} values through YAML aliases; "
                                "CloudFormation does not accept aliases, and this many is an alias bomb")
        return _construct(loader, node, shown)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark else str(shown)
        raise TemplateError(f"{where}: malformed YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"{shown}: malformed YAML: {exc}") from None
    except RecursionError:
        raise TemplateError(f"{shown}: nested too deeply to be a template") from None
    finally:
        loader.dispose()


def _scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode, shown: Path) -> Any:
    """A plain scalar: text keeps its position; dates stay text (IAM's Version is text); numbers, booleans, null."""
    tag = node.tag
    if tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp") or tag.startswith("!"):
        return _node_at(node.value, node)
    m = node.start_mark
    if not isinstance(node, yaml.ScalarNode):  # !!set, !!omap, !!pairs: no JSON value, and no position to keep
        raise TemplateError(f"{shown}:{m.line + 1}:{m.column + 1}: unsupported YAML tag {tag}; "
                            "CloudFormation reads only mappings, lists and scalars")
    if tag.startswith("tag:yaml.org,2002:"):  # numbers, booleans, null, and the rarer standard types (binary)
        try:
            return loader.construct_object(node, deep=True)
        except ValueError:  # Python's int-digit limit raises it, unlocated
            raise TemplateError(f"{shown}:{m.line + 1}:{m.column + 1}: the number has too many digits "
                                f"({len(node.value):,} characters)") from None
    raise TemplateError(f"{shown}:{m.line + 1}:{m.column + 1}: unsupported YAML tag {tag}")


def _construct(loader: yaml.SafeLoader, root: yaml.Node, shown: Path) -> Any:
    """Positioned values from a composed node tree, without recursion; aliases share one value."""
    memo: dict[int, Any] = {}
    pending: list[tuple[yaml.Node, Any, int, bool]] = []  # (node, its empty container, depth, strip the tag)
    made: list[tuple[yaml.Node, Any]] = []  # every container and function value, parents before children

    def make(node: yaml.Node, depth: int, untagged: bool = False) -> Any:
        if depth > MAX_DEPTH:
            m = node.start_mark
            raise TemplateError(f"{shown}:{m.line + 1}:{m.column + 1}: nested more than {MAX_DEPTH} levels deep")
        key = (id(node), untagged)
        if key in memo:
            return memo[key]
        if not untagged and node.tag.startswith("!") and not node.tag.startswith("!!"):
            name = _function_name(node.tag)
            if name == "Fn::GetAtt" and isinstance(node, yaml.ScalarNode):  # !GetAtt Resource.Attribute
                first, _, rest = node.value.partition(".")
                arg: Any = _node_at(PList([_node_at(first, node), *([_node_at(rest, node)] if _ else [])]), node)
            else:
                arg = make(node, depth + 1, untagged=True)
            value: Any = _node_at(PDict({_node_at(name, node): arg}), node)
        elif isinstance(node, yaml.ScalarNode):
            value = _node_at(node.value, node) if untagged else _scalar(loader, node, shown)
        elif not untagged and node.tag not in ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"):
            value = _scalar(loader, node, shown)  # !!set, !!omap; an unsafe or unknown tag is refused there
        elif isinstance(node, yaml.SequenceNode):
            value = _node_at(PList(), node)
            pending.append((node, value, depth, untagged))
        elif isinstance(node, yaml.MappingNode):
            value = _node_at(PDict(), node)
            pending.append((node, value, depth, untagged))
        else:  # pragma: no cover - the composer makes only these three
            raise TemplateError(f"{shown}: unexpected YAML node")
        memo[key] = value
        if not isinstance(node, yaml.ScalarNode):
            made.append((node, value))
        return value

    top = make(root, 0)
    while pending:
        node, target, depth, _ = pending.pop()
        if isinstance(node, yaml.SequenceNode):
            target.extend(make(child, depth + 1) for child in node.value)
            continue
        merged = any(k.tag == "tag:yaml.org,2002:merge" for k, _v in node.value)
        if merged:
            loader.flatten_mapping(node)  # `<<: *defaults`, as cfn-lint and the AWS CLI resolve it
        keys: dict[str, tuple[int, int]] = {}
        for k, v in node.value:
            m = k.start_mark
            if not isinstance(k, yaml.ScalarNode) or (k.tag.startswith("!") and not k.tag.startswith("!!")):
                raise TemplateError(f"{shown}:{m.line + 1}:{m.column + 1}: a mapping key must be plain text")
            raw = _scalar(loader, k, shown)
            if raw is None:
                raise TemplateError(f"{shown}:{m.line + 1}:{m.column + 1}: a mapping key must not be null")
            name = _node_at(to_text(raw), k)
            if name in keys and not merged:
                raise _duplicate(shown, str(name), keys[name], (m.line + 1, m.column + 1))
            keys[name] = (m.line + 1, m.column + 1)
            target[name] = make(v, depth + 1)  # a merged key given again: the later one wins, in its first place
    _block_ends(made)
    return top


def _block_ends(made: list[tuple[yaml.Node, Any]]) -> None:
    """End a block mapping or sequence where its last value ends, not where the next token starts.

    PyYAML ends a block collection at the next token, so its span would take in the
    line breaks, indentation and comments that follow it; a tool that rewrites the
    value in place needs the value alone. Flow collections (`{...}`, `[...]`) end at
    their closing bracket already. Children come after parents in `made`.
    """
    ends: dict[int, int] = {}
    for node, value in reversed(made):
        if id(node) not in ends:
            if node.flow_style or not node.value:
                ends[id(node)] = node.end_mark.index
            else:
                last = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
                ends[id(node)] = ends.get(id(last), last.end_mark.index)
        value.end = ends[id(node)]


def to_text(value: Any) -> str:
    """A scalar as CloudFormation turns it into text: YAML's true is "true", 5 is "5", lists join with commas."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(to_text(v) for v in value)
    return str(value) if value is not None else ""
