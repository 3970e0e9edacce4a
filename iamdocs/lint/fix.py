"""`iamdocs validate --fix`: rewrite policy files into canonical form, changing nothing else.

A rewrite must keep the document's meaning exactly, so files whose content is
ambiguous (unreadable, duplicate keys) or whose numbers would be respelled are
refused, and the new text is read back and compared before it replaces the old
one. Writing goes through a temporary file and os.replace, so a crash leaves
either the old or the new file, never half of one.
"""

from __future__ import annotations

import json
from pathlib import Path

from iamdocs import jsonpos
from iamdocs.errors import UserError
from iamdocs.fsutil import write_atomic
from iamdocs.model import PolicyFile, canonical_json
from iamdocs.positions import Node


def _number_respelled(f: PolicyFile) -> Node | None:
    """The first number whose canonical spelling differs from the file's (1e2 would become 100.0)."""
    assert f.root is not None and f.text is not None
    lines = f.text.split("\n")
    stack = [f.root]
    while stack:
        n = stack.pop()
        if n.kind == "number":
            spelled = json.dumps(n.value)
            if lines[n.line - 1][n.col - 1 : n.col - 1 + len(spelled) + 1].rstrip(",]} \r\t") != spelled:
                return n
        stack.extend(n.items)
        stack.extend(v for _, v in n.pairs)
    return None


def _refusal(f: PolicyFile) -> str | None:
    if f.root is None:
        return f"cannot be read ({f.error})"
    if f.duplicates:
        d = f.duplicates[0]
        return f'has a duplicate key "{d.key}" at line {d.again.line}: which value to keep is for you to decide'
    if (n := _number_respelled(f)) is not None:
        return f"the number at line {n.line}, column {n.col} would be respelled as {json.dumps(n.value)}"
    return None


def fix_files(files: list[PolicyFile]) -> list[str]:
    """Rewrite each file that is not in canonical form; one message per file rewritten or refused."""
    messages = []
    for f in files:
        refusal = _refusal(f)
        if refusal:
            messages.append(f"{f.path}: not rewritten: {refusal}")
            continue
        new = canonical_json(f.document)
        if new == f.text:
            continue
        try:
            new.encode("utf-8")
        except UnicodeEncodeError as exc:  # "\ud800" in the file decodes to a lone surrogate
            messages.append(f"{f.path}: not rewritten: the escaped character U+{ord(exc.object[exc.start]):04X} "
                            "cannot be written as UTF-8; remove it (rule E003)")
            continue
        if jsonpos.parse(new).root.to_python() != f.document:  # never write a different document
            messages.append(f"{f.path}: not rewritten: the canonical form would change the document")
            continue
        try:  # the file itself, wherever the command runs: f.path is only how reports name it; a save made
            # since it was read is kept (the fix was made from the text before it)
            write_atomic(f.source or Path(f.path), new, unchanged_since=f.raw)
        except UserError as exc:  # a link or a file that cannot be written: the others are still fixed
            messages.append(f"{f.path}: not rewritten: {exc.message.split(': ', 1)[-1]}")
            continue
        messages.append(f"{f.path}: rewritten in canonical form")
    return messages
