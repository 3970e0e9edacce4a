"""Plain Python values that remember where in the source text they came from.

Copies are read from YAML, JSON in HTML and git blobs; a difference report is
only useful when it points at the line to fix, and a tool that rewrites a
document in place needs the exact character span of its source text. These
subclasses behave like str, dict and list everywhere (grants.py, json.dumps)
and carry `line`/`col` (1-based) and `start`/`end` (character offsets into the
text that was parsed, `text[start:end]` being the value's source; -1 when unknown).
"""

from __future__ import annotations

from typing import Any

from iamdocs.jsonpos import Node


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
    """A jsonpos tree as positioned Python values (last duplicate key wins, as in json.loads).

    `line_offset`/`offset` shift lines and character offsets, for JSON embedded in a larger text.
    """
    line = node.line + line_offset
    if node.kind == "object":
        return at({at(k.value, k.line + line_offset, k.col, k.start + offset, k.end + offset):
                   from_node(v, line_offset, offset) for k, v in node.pairs},
                  line, node.col, node.start + offset, node.end + offset)
    if node.kind == "array":
        return at([from_node(v, line_offset, offset) for v in node.items], line, node.col,
                  node.start + offset, node.end + offset)
    if node.kind == "string":
        return at(node.value, line, node.col, node.start + offset, node.end + offset)
    return node.to_python()
