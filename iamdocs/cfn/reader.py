"""Read a CloudFormation template as CloudFormation reads it, into positioned values.

Every value keeps where it came from: `line`/`col` for reports, and `start`/`end`
character offsets into the template text (`Template.text[v.start:v.end]` is its
source) for tools that rewrite a document in place (positions.py). The text is
read by the one JSON reader (jsonpos.py) or the one YAML reader (yamlpos.py),
which the catalog is read with too; they bound aliases and nesting and find keys
given twice. CloudFormation does not accept a key twice in one mapping, so here
that is an error naming both places.

What CloudFormation accepts is accepted here, whatever the section: short forms
of every function (`!Ref`, `!Sub`, the rule functions `!EachMemberEquals`, ...,
and any other `!Name`, read as `Fn::Name` like cfn-lint does), comments, anchors
and aliases, JSON and YAML. Nothing is evaluated here; an unknown function only
matters where something evaluates it (evaluate.py).

JSON-looking text is read as JSON first and, when that fails, as YAML (which is
what CloudFormation does with a template that is not valid JSON); the JSON error
is reported when neither reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from iamdocs import jsonpos, yamlpos
from iamdocs.cfn.foreach import ForEachError, expand, uses_language_extensions
from iamdocs.errors import UserError
from iamdocs.fsutil import Unreadable, read_regular
from iamdocs.positions import Duplicate, Node, PDict, at, from_node, pos

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024  # CloudFormation accepts 1 MB; anything far larger is not a template

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
    evaluated: int = 0  # characters and list items evaluate.py has produced from it so far, for its bound

    def section(self, name: str) -> dict[str, Any]:
        """A top-level section as a mapping ({} when absent or not a mapping)."""
        value = self.data.get(name)
        return value if isinstance(value, dict) else {}

    @cached_property
    def resources(self) -> dict[str, Any]:
        """The Resources section, with the loops of the AWS::LanguageExtensions transform expanded (foreach.py)."""
        resources = self.section("Resources")
        if not uses_language_extensions(self.data):
            return resources
        try:
            return expand(resources)
        except ForEachError as exc:
            raise TemplateError(f"{self.where(exc.at)}: {exc.message}") from None

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
            result = jsonpos.parse(text)
        except jsonpos.JSONPositionError as exc:
            try:
                return _parse_yaml(text, shown), "yaml"
            except TemplateError:
                raise TemplateError(f"{shown}:{exc.line}:{exc.col}: malformed JSON: {exc.message}") from None
        return _positioned(result.root, result.duplicates, shown), "json"
    return _parse_yaml(text, shown), "yaml"


def _positioned(root: Node | None, duplicates: list[Duplicate], shown: Path) -> Any:
    """A read tree as positioned values; a key given twice is an error naming both places."""
    if duplicates:
        d = duplicates[0]
        raise TemplateError(f"{shown}:{d.again.line}:{d.again.col}: {d.message}")
    return from_node(root) if root is not None else at(PDict(), 1, 1, 0, 0)


def _parse_yaml(text: str, shown: Path) -> Any:
    try:
        result = yamlpos.parse(text, "template", "CloudFormation", local_tag=_function)
    except yamlpos.YAMLPositionError as exc:
        raise TemplateError(f"{shown}:{exc.line}:{exc.col}: {exc.message}") from None
    return _positioned(result.root, result.duplicates, shown)


def _function(tag: str, value: Node, node: yaml.Node) -> Node:
    """`!Name value` as CloudFormation reads it, `{"Fn::Name": value}` (`!Ref` and `!Condition` without Fn::).

    `!GetAtt Resource.Attribute` is the list [Resource, Attribute]. The function takes the place of the tag.
    """
    name = tag[1:] if tag in ("!Ref", "!Condition") else f"Fn::{tag[1:]}"
    where = {"line": value.line, "col": value.col, "start": value.start, "end": value.end}
    if name == "Fn::GetAtt" and value.kind == "string":
        first, dot, rest = value.value.partition(".")
        value = Node("array", items=[Node("string", value=first, **where),
                                     *([Node("string", value=rest, **where)] if dot else [])], **where)
    return Node("object", pairs=[(Node("string", value=name, **where), value)], **where)


def to_text(value: Any) -> str:
    """A value as CloudFormation turns it into text: YAML's true is "true", 5 is "5", lists join with commas."""
    if isinstance(value, list):
        return ",".join(to_text(v) for v in value)
    return yamlpos.scalar_text(value)
