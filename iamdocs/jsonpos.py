"""The JSON reader that remembers where every value came from (as positions.Node trees).

The standard library parser throws positions away, accepts duplicate keys
silently and recurses once per nesting level. Policy findings must point at a
line and column, IAM rejects duplicate keys, and a hostile file may nest
100,000 levels deep, so this reader is iterative and keeps positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from iamdocs.positions import Duplicate, Node, ReadError

MAX_DEPTH = 64  # IAM documents nest a handful of levels; anything deeper is not a policy.
MAX_NUMBER_CHARS = 1000


class JSONPositionError(ReadError):
    """Malformed JSON, with the 1-based position of the problem."""


_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\n\r]+)
  | (?P<string>"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*")
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<punct>[{}\[\],:])
  | (?P<word>true|false|null)
    """,
    re.VERBOSE,
)
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _decode_string(raw: str) -> str:
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        esc = body[i + 1]
        if esc == "u":
            code = int(body[i + 2 : i + 6], 16)
            i += 6
            if 0xD800 <= code < 0xDC00 and body[i : i + 2] == "\\u":
                low = int(body[i + 2 : i + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
            out.append(chr(code))
        else:
            out.append(_ESCAPES[esc])
            i += 2
    return "".join(out)


@dataclass
class ParseResult:
    root: Node
    duplicates: list[Duplicate]  # keys given twice in one object, in the order they were repeated


def parse(text: str) -> ParseResult:
    """Parse `text`; raise JSONPositionError naming line and column on any error."""
    line_starts = [0]
    for m in re.finditer("\n", text):
        line_starts.append(m.end())

    last_line = len(line_starts) - 1
    cursor = 0  # tokens come in order, so the line of the next one is found by walking forward

    def where(offset: int) -> tuple[int, int]:
        nonlocal cursor
        if offset >= line_starts[cursor]:
            while cursor < last_line and line_starts[cursor + 1] <= offset:
                cursor += 1
            return cursor + 1, offset - line_starts[cursor] + 1
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - line_starts[lo] + 1

    def fail(message: str, offset: int) -> JSONPositionError:
        line, col = where(offset)
        return JSONPositionError(message, line, col)

    pos = 0
    n = len(text)
    duplicates: list[Duplicate] = []

    def next_token() -> tuple[str, str, int]:
        nonlocal pos
        while True:
            if pos >= n:
                return "eof", "", pos
            m = _TOKEN.match(text, pos)
            if not m:
                ch = text[pos]
                if ch == '"':
                    raise fail("unterminated string or invalid escape or control character in string", pos)
                raise fail(f"unexpected character {ch!r}", pos)
            start = pos
            pos = m.end()
            kind = m.lastgroup or ""
            if kind != "ws":
                return kind, m.group(), start

    def scalar(kind: str, tok: str, start: int) -> Node:
        line, col = where(start)
        end = start + len(tok)
        if kind == "string":
            return Node("string", line, col, _decode_string(tok), start=start, end=end)
        if kind == "number":
            if len(tok) > MAX_NUMBER_CHARS:  # Python refuses to convert longer integers; IAM has none
                raise JSONPositionError(f"number with {len(tok):,} characters; at most {MAX_NUMBER_CHARS}", line, col)
            value: Any = float(tok) if any(c in tok for c in ".eE") else int(tok)
            return Node("number", line, col, value, start=start, end=end)
        return Node(tok, line, col, {"true": True, "false": False, "null": None}[tok], start=start, end=end)

    # Stack of open containers: (node, first key node by key, pending key node, state)
    # state for objects: "key" | "colon" | "value" | "comma"; arrays: "value" | "comma"
    stack: list[list[Any]] = []
    root: Node | None = None

    def attach(value: Node, start: int) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        frame = stack[-1]
        container = frame[0]
        if container.kind == "array":
            container.items.append(value)
        else:
            container.pairs.append((frame[2], value))
        frame[3] = "comma"

    while True:
        kind, tok, start = next_token()
        if root is not None and not stack:
            if kind != "eof":
                raise fail("extra data after the JSON document", start)
            break
        if kind == "eof":
            raise fail("unexpected end of file", start)
        frame = stack[-1] if stack else None
        state = frame[3] if frame else "value"
        container = frame[0] if frame else None

        if container is not None and container.kind == "object" and state == "key":
            if kind == "string":
                key_node = scalar(kind, tok, start)
                if key_node.value in frame[1]:
                    duplicates.append(Duplicate(key_node.value, frame[1][key_node.value], key_node))
                else:
                    frame[1][key_node.value] = key_node
                frame[2] = key_node
                frame[3] = "colon"
                continue
            if tok == "}" and not container.pairs:
                stack.pop()
                container.end = start + 1
                attach(container, start)
                continue
            raise fail("expected a property name in double quotes", start)
        if state == "colon":
            if tok != ":":
                raise fail("expected ':' after the property name", start)
            frame[3] = "value"
            continue
        if state == "comma":
            if tok == ",":
                frame[3] = "key" if container.kind == "object" else "value"
                if container.kind == "array":
                    frame[4] = True  # a value must follow
                continue
            closer = "}" if container.kind == "object" else "]"
            if tok == closer:
                stack.pop()
                container.end = start + 1
                attach(container, start)
                continue
            raise fail(f"expected ',' or '{closer}'", start)
        # state == "value"
        if tok in ("{", "["):
            if len(stack) >= MAX_DEPTH:
                raise fail(f"nested more than {MAX_DEPTH} levels deep", start)
            line, col = where(start)
            node = Node("object" if tok == "{" else "array", line, col, start=start)
            stack.append([node, {}, None, "key" if tok == "{" else "value", False])
            continue
        if tok == "]" and container is not None and container.kind == "array" and not container.items and not frame[4]:
            stack.pop()
            container.end = start + 1
            attach(container, start)
            continue
        if kind in ("string", "number", "word"):
            attach(scalar(kind, tok, start), start)
            continue
        raise fail("expected a value", start)

    assert root is not None
    return ParseResult(root, duplicates)
