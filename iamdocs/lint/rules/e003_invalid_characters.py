from __future__ import annotations

import re
from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile
from iamdocs.positions import Location

# What IAM accepts in a policy document: tab, line feed, carriage return and U+0020 to U+00FF.
_BAD = re.compile(r"[^\t\n\r\u0020-\u00ff]")


def _describe(ch: str) -> str:
    shown = f" ({ch})" if ch.isprintable() else ""
    return f"U+{ord(ch):04X}{shown}"


class InvalidCharacters(Rule):
    id = "E003"
    name = "invalid-characters"
    description = "A policy may contain only tab, line feed, carriage return and characters U+0020 to U+00FF."
    explanation = (
        "IAM rejects documents with other characters, typically typographic quotes, dashes or non-breaking "
        "spaces pasted from a word processor. The finding points at the first one and counts the rest."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        if f.text is None:
            return
        found = list(_BAD.finditer(f.text))
        if found:
            first = found[0]
            line = f.text.count("\n", 0, first.start()) + 1
            col = first.start() - (f.text.rfind("\n", 0, first.start()) + 1) + 1
            more = f"; {len(found) - 1} more in the file" if len(found) > 1 else ""
            yield self.finding(
                f"character {_describe(first.group())} is not allowed in an IAM policy "
                f"(only tab, line feed, carriage return and U+0020 to U+00FF){more}",
                Location(f.path, line, col),
            )
            return
        # The text is clean, but a \\u escape in a string can still decode to a character IAM rejects.
        if f.root is None:
            return
        stack = [f.root]
        while stack:
            n = stack.pop()
            if n.kind == "string" and (m := _BAD.search(n.value)):
                yield self.finding(
                    f"escaped character {_describe(m.group())} is not allowed in an IAM policy "
                    "(only tab, line feed, carriage return and U+0020 to U+00FF)",
                    f.loc(n),
                )
                return
            stack.extend(reversed(n.items))
            for k, v in reversed(n.pairs):
                stack.extend([v, k])
