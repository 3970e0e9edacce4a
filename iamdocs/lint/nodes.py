"""Walking the positioned JSON tree of a policy file: the node a finding points at."""

from __future__ import annotations

from collections.abc import Sequence

from iamdocs.jsonpos import Node


def child(node: Node | None, key: str | int) -> Node | None:
    """The child of an object (last occurrence of `key`, as json.loads keeps) or an array."""
    if node is None:
        return None
    if isinstance(key, int):
        return node.items[key] if node.kind == "array" and 0 <= key < len(node.items) else None
    found = None
    for k, v in node.pairs:
        if k.value == key:
            found = v
    return found


def key_node(node: Node | None, key: str) -> Node | None:
    """The node of the key itself (not its value), for findings about a key."""
    if node is None:
        return None
    found = None
    for k, _ in node.pairs:
        if k.value == key:
            found = k
    return found


def node_at(root: Node, path: Sequence[str | int]) -> Node:
    """The deepest node that `path` reaches from `root` (the root itself for an empty path)."""
    node = root
    for key in path:
        nxt = child(node, key)
        if nxt is None:
            break
        node = nxt
    return node
