"""The YAML reader that remembers where every value came from (as positions.Node trees).

Both YAML files iamdocs reads go through here: the catalog and CloudFormation
templates. A plain YAML loader would hand them over with their places thrown
away, a key given twice silently resolved to the last one, and aliases expanded
without bound (a few hundred bytes can stand for billions of values). This reader:

- keeps the line, column and character span of every value and key;
- reports each key given twice in one mapping with both places (`Duplicate`),
  while a key that overrides one merged in with `<<` is no repeat;
- refuses, with one located message each: control characters, more than
  MAX_NODES values or MAX_CHARS characters once aliases are expanded (each
  alias of a text is a copy of it once read), nesting deeper than MAX_DEPTH,
  an integer too long for Python, a key that is no plain scalar, a tag it does
  not read (`!!set`, `!!python/...`, or `!Name` unless the caller reads those);
- keeps dates as the text that was written (a catalog checks them as text, and
  IAM's Version is text).

Block mappings and sequences end where their last value ends, not where PyYAML
ends them (at the next token, which would take in the line breaks and comments
after them): a tool that rewrites a value in place needs the value alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from iamdocs.positions import Duplicate, Node, ReadError

MAX_NODES = 100_000  # values after alias expansion; the real catalog has about 700, real templates a few thousand
MAX_DEPTH = 128  # nesting levels; real templates use about a dozen, and evaluation walks them
MAX_CHARS = 10_000_000  # characters of all scalars after alias expansion; CloudFormation takes 1 MB at most

# What YAML allows in a stream (PyYAML's own check); libyaml would name the offset only.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_STD = "tag:yaml.org,2002:"
_TEXT_TAGS = (_STD + "str", _STD + "timestamp")  # a date stays the text that was written
_VALUE_TAGS = {_STD + "int": "number", _STD + "float": "number", _STD + "bool": "", _STD + "null": "null"}
_MERGE = _STD + "merge"

# (tag, the node read without its tag) -> the node to use instead; for templates' `!Ref`, `!Sub`, ...
LocalTag = Callable[[str, Node, yaml.Node], Node]


class YAMLPositionError(ReadError):
    """YAML that cannot be read, with the 1-based place of the problem."""


@dataclass
class ParseResult:
    root: Node | None  # None for a stream without a document (empty, or only comments)
    duplicates: list[Duplicate]  # keys given twice in one mapping, in the order of the text


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The fast safe loader; it only composes nodes and constructs scalars, this module does the rest."""


def parse(text: str, what: str, reader: str, local_tag: LocalTag | None = None) -> ParseResult:
    """Read `text`, a YAML `what` ("catalog", "template") that `reader` reads ("iamdocs", "CloudFormation").

    Raises YAMLPositionError naming line and column (1:1 when the problem is the whole document).
    `local_tag` reads tags such as `!Ref`; without it they are refused.
    """
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, col = _place(text, bad.start())
        raise YAMLPositionError(f"the character U+{ord(bad.group()):04X} is not allowed in YAML (control characters "
                                "other than tab and line breaks); remove it", line, col)
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            node = None
            raise YAMLPositionError(f"the YAML is nested too deeply to be a {what}", 1, 1) from None
        except yaml.MarkedYAMLError as exc:
            if "maximum nesting depth" in str(exc.problem):  # libyaml's own bound, where PyYAML would recurse
                raise YAMLPositionError(f"the YAML is nested too deeply to be a {what}", 1, 1) from None
            raise _malformed(exc) from None
        if node is None:
            return ParseResult(None, [])
        values, chars = _expanded_size(node)
        if values > MAX_NODES:
            m = node.start_mark
            raise YAMLPositionError(f"the {what} expands to over {MAX_NODES:,} values through YAML aliases, far more "
                                    "than any real one; use fewer or smaller anchors", m.line + 1, m.column + 1)
        if chars > MAX_CHARS:
            m = node.start_mark
            raise YAMLPositionError(f"the {what} expands to over {MAX_CHARS:,} characters through YAML aliases, far "
                                    "more than any real one; use fewer or smaller anchors", m.line + 1, m.column + 1)
        return _Builder(loader, reader, local_tag).build(node)
    except yaml.MarkedYAMLError as exc:  # a merge (<<) of something that is no mapping
        raise _malformed(exc) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text
        raise YAMLPositionError(f"malformed YAML: {exc}", 1, 1) from None
    finally:
        loader.dispose()


def _place(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _malformed(exc: yaml.MarkedYAMLError) -> YAMLPositionError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return YAMLPositionError(f"malformed YAML: {exc.problem or exc.context}", line, col)


def _expanded_size(node: yaml.Node) -> tuple[int, int]:
    """How many values and scalar characters the document holds once aliases are expanded, counting up to just
    past the bounds."""
    count = chars = 0
    stack = [node]
    while stack and count <= MAX_NODES and chars <= MAX_CHARS:
        n = stack.pop()
        count += 1
        if isinstance(n, yaml.ScalarNode):
            chars += len(n.value)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.append(k)
                stack.append(v)
    return count, chars


def scalar_text(value: object) -> str:
    """A scalar as text, as a mapping key or CloudFormation takes it: YAML's true is "true", 5 is "5"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if value is not None else ""


def _at(node: yaml.Node) -> tuple[int, int, int, int]:
    m, e = node.start_mark, node.end_mark
    return m.line + 1, m.column + 1, m.index, e.index


class _Builder:
    """Nodes from a composed YAML tree, without recursion; an alias becomes the same Node."""

    def __init__(self, loader: yaml.SafeLoader, reader: str, local_tag: LocalTag | None) -> None:
        self.loader = loader
        self.reader = reader
        self.local_tag = local_tag
        self.memo: dict[tuple[int, bool], Node] = {}
        self.pending: list[tuple[yaml.Node, Node, int]] = []  # containers still to fill, with their depth
        self.made: list[tuple[yaml.Node, Node]] = []  # every container, parents before children
        self.duplicates: list[Duplicate] = []

    def build(self, root: yaml.Node) -> ParseResult:
        top = self.make(root, 0)
        while self.pending:
            node, target, depth = self.pending.pop()
            if isinstance(node, yaml.SequenceNode):
                target.items.extend(self.make(child, depth + 1) for child in node.value)
            else:
                self.fill(node, target, depth)
        self._block_ends()
        self.duplicates.sort(key=lambda d: (d.again.line, d.again.col))
        return ParseResult(top, self.duplicates)

    def fail(self, message: str, node: yaml.Node) -> YAMLPositionError:
        m = node.start_mark
        return YAMLPositionError(message, m.line + 1, m.column + 1)

    def make(self, node: yaml.Node, depth: int, untagged: bool = False) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep", node)
        key = (id(node), untagged)
        if key in self.memo:
            return self.memo[key]
        tag = node.tag
        line, col, start, end = _at(node)
        if not untagged and tag.startswith("!") and not tag.startswith("!!"):
            if self.local_tag is None:
                raise self.unsupported(tag, node)
            made = self.local_tag(tag, self.make(node, depth + 1, untagged=True), node)
            if not isinstance(node, yaml.ScalarNode):
                self.made.append((node, made))
        elif isinstance(node, yaml.ScalarNode):
            made = Node("string", line, col, node.value, start=start, end=end) if untagged else self.scalar(node)
        elif not untagged and tag not in (_STD + "seq", _STD + "map"):
            raise self.unsupported(tag, node)
        else:
            made = Node("array" if isinstance(node, yaml.SequenceNode) else "object", line, col, start=start, end=end)
            self.pending.append((node, made, depth))
            self.made.append((node, made))
        self.memo[key] = made
        return made

    def unsupported(self, tag: str, node: yaml.Node) -> YAMLPositionError:
        return self.fail(f"unsupported YAML tag {tag}; {self.reader} reads only mappings, lists and scalars", node)

    def scalar(self, node: yaml.ScalarNode) -> Node:
        """A plain scalar: text (dates too), a number, a boolean or null; any other tag is refused."""
        line, col, start, end = _at(node)
        if node.tag in _TEXT_TAGS:
            return Node("string", line, col, node.value, start=start, end=end)
        if node.tag not in _VALUE_TAGS:
            raise self.unsupported(node.tag, node)
        try:
            value = self.loader.construct_object(node, deep=True)
        except ValueError:  # Python's int-digit limit raises it, unlocated
            raise self.fail(f"the number has too many digits ({len(node.value):,} characters)", node) from None
        kind = _VALUE_TAGS[node.tag] or ("true" if value else "false")
        return Node(kind, line, col, value, start=start, end=end)

    def fill(self, node: yaml.MappingNode, target: Node, depth: int) -> None:
        """The pairs of a mapping. A key given twice here is kept twice and reported; a key merged in
        with `<<` gives way to one given later, in its own place, as YAML's merge means."""
        explicit = {id(k) for k, _v in node.value if k.tag != _MERGE}
        if len(explicit) < len(node.value):
            self.loader.flatten_mapping(node)  # merged pairs first, then the mapping's own
        given: dict[str, tuple[int, bool]] = {}  # key -> (index of its pair in target.pairs, given here)
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode) or (k.tag.startswith("!") and not k.tag.startswith("!!")):
                raise self.fail("a mapping key must be plain text", k)
            read = self.scalar(k)
            if read.value is None:
                raise self.fail("a mapping key must not be null", k)
            key = Node("string", read.line, read.col, scalar_text(read.value), start=read.start, end=read.end)
            value = self.make(v, depth + 1)
            here = id(k) in explicit
            earlier = given.get(key.value)
            if earlier is not None and not earlier[1]:  # overrides a merged key, in the merged key's place
                target.pairs[earlier[0]] = (key if here else target.pairs[earlier[0]][0], value)
                given[key.value] = (earlier[0], here)
                continue
            if earlier is not None:  # the first place is the one a report names
                self.duplicates.append(Duplicate(key.value, target.pairs[earlier[0]][0], key))
            else:
                given[key.value] = (len(target.pairs), here)
            target.pairs.append((key, value))

    def _block_ends(self) -> None:
        """End a block collection where its last value ends; children come after parents in `made`."""
        ends: dict[int, int] = {}
        for node, made in reversed(self.made):
            if id(node) not in ends:
                if node.flow_style or not node.value:
                    ends[id(node)] = node.end_mark.index
                else:
                    last = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
                    ends[id(node)] = ends.get(id(last), last.end_mark.index)
            made.end = ends[id(node)]
