from __future__ import annotations

import re
from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile
from iamdocs.placeholders import NAME_RE
from iamdocs.positions import Location

_ANGLE = re.compile(r"<([^<>]{0,40})>")
_DOLLAR = re.compile(r"\$\{([^}]*)\}")
_BRACE = re.compile(r"(?<!\$)\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _suggest(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "_", name.strip()).strip("_").upper()
    return f"<{name}>" if name else "<NAME>"


def problems(text: str) -> list[tuple[int, str]]:
    """(offset, message) for every malformed placeholder in one string value."""
    out = []
    for m in _ANGLE.finditer(text):
        if not NAME_RE.fullmatch(m.group(1)):
            out.append((m.start(), f'malformed placeholder "{m.group()}": placeholders are upper case, '
                                   f"written like {_suggest(m.group(1))}"))
    for m in _DOLLAR.finditer(text):
        body = m.group(1)
        if ":" in body or body in ("*", "?", "$"):
            continue  # an IAM policy variable such as ${aws:username}
        out.append((m.start(), f'"{m.group()}" is neither an IAM policy variable nor a placeholder: '
                               f"write the placeholder as {_suggest(body)}"))
    for m in _BRACE.finditer(text):
        out.append((m.start(), f'malformed placeholder "{m.group()}": write it as {_suggest(m.group(1))}'))
    return sorted(out)


class MalformedPlaceholder(Rule):
    id = "E032"
    name = "malformed-placeholder"
    description = "Placeholders are written <NAME> in upper case; <region>, <>, {REGION} or ${Region} are mistakes."
    explanation = (
        "Only the <NAME> form is filled in by the guide, the CloudFormation template and the sandbox deploy; "
        "other spellings reach AWS as literal text. ${...} is left alone when it is an IAM policy variable "
        "(it contains a colon, like ${aws:username})."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        if f.root is None:
            return
        stack = [f.root]
        while stack:
            n = stack.pop()
            if n.kind == "string":
                for offset, message in problems(n.value):
                    yield self.finding(message, Location(f.path, n.line, n.col + 1 + offset))
            stack.extend(reversed(n.items))
            stack.extend(v for _, v in reversed(n.pairs))
