"""Values that remember where they came from: the one module for positions.

A finding is only useful when it names file, line and column, and a tool that
rewrites a document in place needs the exact character span of a value's source.
Every reader of positioned text (jsonpos for JSON, yamlpos for YAML) produces the
same things, defined here:

- `Node`: the parse tree, one node per value with its kind, 1-based `line`/`col`
  and `start`/`end` character offsets (`text[start:end]` is its source). It keeps
  what plain values lose: the place of every scalar and key, and repeated keys.
  Lint walks it; the catalog loader finds the place of a schema error in it.
- `PStr`, `PDict`, `PList`: the same values as plain Python (they behave as str,
  dict and list everywhere: grants.py, json.dumps) that still carry `line`/`col`
  and `start`/`end`. Copies of policies (templates, pages, git blobs) are compared
  as these. `from_node` makes them from a tree.
- `Location`: where a finding points (file, line, column).
- `Duplicate`: a key given twice in one mapping, with both places and the one
  wording every reader reports it in.
- `ReadError`: text a reader cannot read, with the place of the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Location:
    """A place in a file, as findings name it (`path:line:col`, or the path alone when the line is unknown)."""

    path: Path
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col}"
        return str(self.path)


class ReadError(ValueError):
    """Text that a reader cannot read, with the 1-based place of the problem (line 0 when there is none)."""

    def __init__(self, message: str, line: int = 0, col: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


@dataclass
class Node:
    """A value of a parsed document with the place (1-based line and column) where it starts.

    `kind` is one of object, array, string, number, true, false, null. A tree may share a
    node where YAML aliases one (the reader bounds how far aliases expand).
    """

    kind: str
    line: int
    col: int
    value: Any = None  # scalars only
    items: list[Node] = field(default_factory=list)  # arrays
    pairs: list[tuple[Node, Node]] = field(default_factory=list)  # objects: (key node, value node)
    start: int = -1  # character offset of the value's first character in the parsed text
    end: int = -1  # character offset just past its last character (text[start:end] is its source)

    def get(self, key: str) -> Node | None:
        """The value of the first occurrence of `key` in an object."""
        for k, v in self.pairs:
            if k.value == key:
                return v
        return None

    def child(self, key: str | int) -> Node | None:
        """The child of an object (last occurrence of `key`, as json.loads keeps) or of an array."""
        if isinstance(key, int):
            return self.items[key] if self.kind == "array" and 0 <= key < len(self.items) else None
        found = None
        for k, v in self.pairs:
            if k.value == key:
                found = v
        return found

    def key(self, key: str) -> Node | None:
        """The node of the key itself (not its value), for findings about a key."""
        found = None
        for k, _ in self.pairs:
            if k.value == key:
                found = k
        return found

    def at(self, path: Sequence[str | int]) -> Node:
        """The deepest node that `path` reaches from this one (this node itself for an empty path)."""
        node = self
        for key in path:
            nxt = node.child(key)
            if nxt is None:
                break
            node = nxt
        return node

    def to_python(self) -> Any:
        """Plain Python value; for duplicate keys the last one wins, as in json.loads."""
        root = _shell(self)
        stack: list[tuple[Node, Any]] = [(self, root)]
        while stack:
            node, target = stack.pop()
            if node.kind == "object":
                for k, v in node.pairs:
                    target[k.value] = _shell(v)
                    if v.kind in ("object", "array"):
                        stack.append((v, target[k.value]))
            elif node.kind == "array":
                for v in node.items:
                    target.append(_shell(v))
                    if v.kind in ("object", "array"):
                        stack.append((v, target[-1]))
        return root


def _shell(node: Node) -> Any:
    if node.kind == "object":
        return {}
    if node.kind == "array":
        return []
    return node.value


@dataclass(frozen=True)
class Duplicate:
    """A key given twice in one mapping: `again` is where it is repeated, `first` where it was given first."""

    key: str
    first: Node
    again: Node

    @property
    def message(self) -> str:
        """The one wording of a repeated key, whichever reader found it and whichever file it is in."""
        return (f"duplicate key {self.key!r}, first given at line {self.first.line}, column {self.first.col}; "
                "tools keep the first, keep the last or refuse the file, so remove one")


class PStr(str):
    line: int = 0
    col: int = 0
    start: int = -1
    end: int = -1


class PDict(dict):
    line: int = 0
    col: int = 0
    start: int = -1
    end: int = -1


class PList(list):
    line: int = 0
    col: int = 0
    start: int = -1
    end: int = -1


def at(value: Any, line: int, col: int, start: int = -1, end: int = -1) -> Any:
    """`value` as a positioned value (a copy for str; in place for dict and list)."""
    if isinstance(value, str):
        value = PStr(value)
    elif isinstance(value, dict) and not isinstance(value, PDict):
        value = PDict(value)
    elif isinstance(value, list) and not isinstance(value, PList):
        value = PList(value)
    elif not isinstance(value, (PStr, PDict, PList)):
        return value
    value.line, value.col = line, col
    if start >= 0:
        value.start, value.end = start, end
    return value


def pos(value: Any, default: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """The (line, col) a value came from, or `default` when unknown."""
    line = getattr(value, "line", 0)
    return (line, getattr(value, "col", 0)) if line else default


def span(value: Any) -> tuple[int, int]:
    """The (start, end) character offsets of a value's source text, or (-1, -1) when unknown."""
    return getattr(value, "start", -1), getattr(value, "end", -1)


def from_node(node: Node, line_offset: int = 0, offset: int = 0) -> Any:
    """A tree as positioned Python values (last duplicate key wins, as in json.loads); iterative.

    `line_offset`/`offset` shift lines and character offsets, for a document embedded in a
    larger text. A node the tree shares (a YAML alias) becomes one value shared the same way.
    """
    made: dict[int, Any] = {}

    def shell(n: Node) -> tuple[Any, bool]:
        """The value of `n` (containers still empty) and whether it is new."""
        if id(n) in made:
            return made[id(n)], False
        if n.kind == "object":
            value: Any = PDict()
        elif n.kind == "array":
            value = PList()
        elif n.kind == "string":
            value = n.value
        else:
            return n.value, False
        value = at(value, n.line + line_offset, n.col, n.start + offset, n.end + offset)
        made[id(n)] = value
        return value, n.kind in ("object", "array")

    top, fresh = shell(node)
    stack = [(node, top)] if fresh else []
    while stack:
        n, target = stack.pop()
        if n.kind == "object":
            for k, v in n.pairs:
                child, fresh = shell(v)
                target[at(k.value, k.line + line_offset, k.col, k.start + offset, k.end + offset)] = child
                if fresh:
                    stack.append((v, child))
        else:
            for v in n.items:
                child, fresh = shell(v)
                target.append(child)
                if fresh:
                    stack.append((v, child))
    return top
