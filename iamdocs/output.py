"""Writing findings safely, shared by every command that reports them (validate, drift).

Reported text quotes the user's files, which may hold escape sequences or lone
surrogates; GitHub workflow commands read %, CR, LF, "," and ":" specially.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence


def printable(text: str) -> str:
    """The text with unprintable characters escaped (\\x1b, \\ud800), so that a policy's content can neither
    garble the terminal nor fail the write to a UTF-8 stream (a lone surrogate from "\\ud800" cannot be encoded)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _data(text: str) -> str:
    """A workflow command's message on one line: CR and LF are escaped by printable(); % is GitHub's escape."""
    return printable(text).replace("%", "%25")


def _property(text: str) -> str:
    """A workflow command's property value, as GitHub reads it back: %, CR and LF encoded (a file name with a
    line break still names its file), then "," and ":", which would end or split the property."""
    encoded = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(encoded).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, path: str, line: int = 0, col: int = 0, title: str = "") -> str:
    """One GitHub Actions annotation (`::error file=...,line=...::message`) with every part escaped."""
    props = [f"file={_property(path)}"]
    if line:
        props += [f"line={line}", f"col={col or 1}"]
    if title:
        props.append(f"title={_property(title)}")
    return f"::{level} {','.join(props)}::{_data(message)}"


def workflow_command(name: str, value: str = "") -> str:
    """A workflow command with no properties, such as `::group::title`; the value escaped as a message is."""
    return f"::{name}::{_data(value)}"


def github_log(lines: Iterable[str]) -> str:
    """Plain lines for a GitHub Actions log, between `::stop-commands::` and its token, with a line feed after each.

    The runner reads a line as a workflow command when it starts with `::` (after blanks) or holds `##[`
    anywhere; a file name or a template's text must never become one. The token is new each time, so the
    text cannot end the block early. Control characters but the tab are escaped, as printable() does.
    """
    token = secrets.token_hex(16)
    body = "".join("\t".join(printable(part) for part in line.split("\t")) + "\n" for line in lines)
    return f"::stop-commands::{token}\n{body}::{token}::\n" if body else ""


def short_list(names: Sequence[str], limit: int = 5) -> str:
    """`a, b, c and 4 more`: findings name what they are about without printing 70 lines."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
