"""Plain Python values that remember the line and column they came from.

Copies are read from YAML, JSON in HTML and git blobs; a difference report is
only useful when it points at the line to fix. These subclasses behave like
str, dict and list everywhere (grants.py, json.dumps) and carry `line`/`col`.
"""

from __future__ import annotations

from typing import Any

from iamdocs.jsonpos import Node


class PStr(str):
    line: int = 0
    col: int = 0


class PDict(dict):
    line: int = 0
    col: int = 0


class PList(list):
    line: int = 0
    col: int = 0


def at(value: Any, line: int, col: int) -> Any:
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
    return value


def pos(value: Any, default: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """The (line, col) a value came from, or `default` when unknown."""
    line = getattr(value, "line", 0)
    return (line, getattr(value, "col", 0)) if line else default


def from_node(node: Node, line_offset: int = 0) -> Any:
    """A jsonpos tree as positioned Python values (last duplicate key wins, as in json.loads)."""
    line = node.line + line_offset
    if node.kind == "object":
        return at({at(k.value, k.line + line_offset, k.col): from_node(v, line_offset) for k, v in node.pairs},
                  line, node.col)
    if node.kind == "array":
        return at([from_node(v, line_offset) for v in node.items], line, node.col)
    if node.kind == "string":
        return at(node.value, line, node.col)
    return node.to_python()
