"""Writing findings safely, shared by every command that reports them (validate, drift).

Reported text quotes the user's files, which may hold escape sequences or lone
surrogates; GitHub workflow commands read %, CR, LF, "," and ":" specially.
"""

from __future__ import annotations

from collections.abc import Sequence


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
    """A workflow command's property value: also "," and ":", which would end or split the property."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, path: str, line: int = 0, col: int = 0, title: str = "") -> str:
    """One GitHub Actions annotation (`::error file=...,line=...::message`) with every part escaped."""
    props = [f"file={_property(path)}"]
    if line:
        props += [f"line={line}", f"col={col or 1}"]
    if title:
        props.append(f"title={_property(title)}")
    return f"::{level} {','.join(props)}::{_data(message)}"


def short_list(names: Sequence[str], limit: int = 5) -> str:
    """`a, b, c and 4 more`: findings name what they are about without printing 70 lines."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
