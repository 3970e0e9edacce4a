"""A policy in text of any shape: the one definition the build's paste guard and the site source share.

A policy can be written as JSON, YAML, a Python dict, the AWS CLI's shorthand
(`Statement=[{Effect=Allow,Action=[s3:GetObject],Resource=*}]`), with its keys escaped
(`"\\u0041ction"`) or its text in HTML entities (`&quot;Action&quot;`), or only as what it
grants: a Markdown table or a list of its actions. `documents` finds the first kinds as
documents that drift can compare; `grants` finds the actions any text names, so that a
policy is recognised by what it grants whatever its shape.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iamdocs import jsonpos, yamlpos
from iamdocs.positions import ReadError, from_node, pos

MAX_TEXT = 5_000_000  # characters read from one text; a page or download is far smaller
# An action as text names it: service prefix, colon, name (wildcards allowed); not inside a URL or ARN.
_ACTION = re.compile(r"(?<![\w:/.@-])([a-z0-9][a-z0-9-]{1,40}):([A-Za-z0-9*?]{1,128})(?![\w:/@-])")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")
_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")
_SHORTHAND = re.compile(r"\s*(?:Version=[^,]*,\s*)?Statement=\[")


def decoded(text: str) -> str:
    """The text as a reader sees it: HTML entities and \\u/\\x escapes resolved, line by line (lines are kept)."""
    out = []
    for line in text.split("\n"):
        line = html.unescape(line) if "&" in line else line
        if "\\" in line:
            line = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), line)
        out.append(line.replace("\n", " ").replace("\r", " "))
    return "\n".join(out)


@dataclass
class Found:
    line: int  # 1-based line of the text where the document starts
    document: dict[str, Any]  # {"Statement": [...], ...}, with positions when JSON or YAML gave them
    shape: str  # JSON, YAML, Python, CLI shorthand
    end: int = 0  # its last line (the last line of its block when the shape gives no positions)


def _last_line(value: Any, default: int) -> int:
    """The last line any positioned value inside `value` is on."""
    last, stack = default, [value]
    while stack:
        v = stack.pop()
        last = max(last, pos(v)[0])
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return last


def _is_statement(value: Any) -> bool:
    return isinstance(value, dict) and "Effect" in value and any(
        k in value for k in ("Action", "NotAction", "Principal", "NotPrincipal"))


def policy_documents(value: Any) -> Iterator[dict[str, Any]]:
    """Every policy document in a parsed value: a mapping with Statement, or a statement (or list of them) alone."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            statement = v.get("Statement")
            items = statement if isinstance(statement, list) else [statement]
            if any(_is_statement(s) for s in items):
                yield v
                continue
            if _is_statement(v):
                yield {"Statement": [v]}
                continue
            stack.extend(reversed(list(v.values())))
        elif isinstance(v, list):
            stack.extend(reversed(v))


def _shorthand(text: str) -> Any:
    """The AWS CLI's shorthand syntax (`k=v,k=[a,b],k={x=y}`) as Python values; ValueError when it is not."""
    pos_ = 0

    def value(stop: str) -> Any:
        nonlocal pos_
        if text.startswith("[", pos_):
            pos_ += 1
            items = []
            while not text.startswith("]", pos_):
                items.append(value(",]"))
                if text.startswith(",", pos_):
                    pos_ += 1
                elif not text.startswith("]", pos_):
                    raise ValueError("expected , or ]")
            pos_ += 1
            return items
        if text.startswith("{", pos_):
            pos_ += 1
            out = mapping("}")
            if not text.startswith("}", pos_):
                raise ValueError("expected }")
            pos_ += 1
            return out
        start = pos_
        while pos_ < len(text) and text[pos_] not in stop:
            pos_ += 1
        return text[start:pos_].strip().strip("'\"")

    def mapping(stop: str) -> dict[str, Any]:
        nonlocal pos_
        out: dict[str, Any] = {}
        while pos_ < len(text) and not text.startswith(stop, pos_):
            eq = text.find("=", pos_)
            if eq < 0:
                raise ValueError("expected =")
            key = text[pos_:eq].strip()
            pos_ = eq + 1
            out[key] = value("," + stop)
            if text.startswith(",", pos_):
                pos_ += 1
        return out

    result = mapping("\n")
    if text[pos_:].strip():
        raise ValueError("text after the shorthand")
    return result


def parse(text: str, line: int = 1) -> tuple[Any, str] | None:
    """`text` read as JSON, YAML, a Python literal or CLI shorthand (the first that reads it), with its shape.

    JSON and YAML values keep their lines, counted from `line`.
    """
    if len(text) > MAX_TEXT or not text.strip():
        return None
    try:
        return from_node(jsonpos.parse(text).root, line - 1), "JSON"
    except (ReadError, RecursionError):
        pass
    if _SHORTHAND.match(text):
        try:
            return _shorthand(text.strip()), "CLI shorthand"
        except ValueError:
            pass
    try:
        tree = ast.parse(text.strip(), mode="eval")
        return ast.literal_eval(tree), "Python"
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        pass
    try:
        root = yamlpos.parse(text, "policy", "YAML").root
    except (ReadError, RecursionError):
        return None
    return (from_node(root, line - 1), "YAML") if root is not None else None


def _blocks(text: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of the whole text and of every fenced code block in it (Markdown)."""
    yield 1, text
    lines = text.split("\n")
    fence, start, body = "", 0, []
    for i, line in enumerate(lines, 1):
        m = _FENCE.match(line)
        if not fence and m:
            fence, start, body = m.group(1), i + 1, []
        elif fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                yield start, "\n".join(body)
                fence = ""
            else:
                body.append(line)


def _balanced_end(text: str, start: int) -> int:
    """The offset just past the bracket that closes the one at `start` (quotes respected), or -1."""
    depth, quote, i = 0, "", start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def _inline(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of each bracketed value that starts on a line naming a policy's keys, inside prose or code
    (`var p = {...}`, a dict in a sentence)."""
    offset = 0
    for number, line in enumerate(text.split("\n"), 1):
        if re.search(r"""["']?(Statement|Effect)["']?\s*[:=]""", line):
            for m in re.finditer(r"[{\[]", line):
                end = _balanced_end(text, offset + m.start())
                if end > 0:
                    yield number, text[offset + m.start():end]
                    break
        offset += len(line) + 1


def documents(text: str, line: int = 1) -> list[Found]:
    """Every policy document written in `text` in any shape: the whole text, each fenced code block, and each
    bracketed value on a line that names a policy's keys. HTML entities and \\u escapes are read as a reader sees
    them."""
    text = decoded(text)
    found: list[Found] = []
    seen: set[int] = set()
    for start, block in [*_blocks(text), *_inline(text)]:
        parsed = parse(block, line + start - 1)
        if parsed is None:
            continue
        value, shape = parsed
        block_end = line + start - 1 + block.count("\n")
        for doc in policy_documents(value):
            at = pos(doc)[0] or pos(doc.get("Statement"))[0] or line + start - 1
            if at not in seen:
                seen.add(at)
                end = _last_line(doc, at) if shape in ("JSON", "YAML") else block_end
                found.append(Found(at, doc, shape, end))
    return sorted(found, key=lambda f: f.line)


def grants(text: str, services: frozenset[str]) -> list[tuple[int, str]]:
    """(line, action in lower case) for every action of a known service that `text` names, in any shape."""
    out = []
    for i, line in enumerate(decoded(text).split("\n"), 1):
        for m in _ACTION.finditer(line):
            if m.group(1).lower() in services:
                out.append((i, f"{m.group(1)}:{m.group(2)}".lower()))
    return out


def clusters(named: list[tuple[int, str]], gap: int = 8) -> list[tuple[int, int, frozenset[str]]]:
    """Actions named close together (at most `gap` lines apart) as (first line, last line, actions): one list or
    table each."""
    out: list[tuple[int, int, frozenset[str]]] = []
    first, last, current = 0, -gap - 1, set()
    for line, action in named:
        if line - last > gap and current:
            out.append((first, last, frozenset(current)))
            current = set()
        if not current:
            first = line
        current.add(action)
        last = line
    if current:
        out.append((first, last, frozenset(current)))
    return out
