"""What GitHub's runner does with a step's log and environment, written from actions/runner's rules.

The runner (src/Runner.Common/ActionCommand.cs, src/Runner.Worker/ActionCommandManager.cs) reads
each output line. It is a workflow command when, after leading blanks, it starts with `::NAME` and
has a second `::` (properties before it, split on ",", values %-decoded), or when it holds `##[NAME`
anywhere and a `]` after it (the old form, properties split on ";"). NAME must be a registered
command, compared without case. `::stop-commands::TOKEN` makes every line inert until `::TOKEN::`.
Lines end at CR, LF or CRLF (.NET's ReadLine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REGISTERED = {"add-mask", "add-matcher", "add-path", "debug", "echo", "endgroup", "error", "group", "notice",
              "remove-matcher", "save-state", "set-env", "set-output", "stop-commands", "warning"}


@dataclass
class Command:
    name: str
    properties: dict[str, str] = field(default_factory=dict)
    data: str = ""


def _unescape(text: str, mappings: list[tuple[str, str]]) -> str:
    for token, replacement in mappings:
        text = text.replace(replacement, token)
    return text


DATA = [("\r", "%0D"), ("\n", "%0A"), ("%", "%25")]
PROPERTY = [("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25")]
OLD = [(";", "%3B"), ("\r", "%0D"), ("\n", "%0A"), ("]", "%5D"), ("%", "%25")]


def _v2(line: str, registered: set[str]) -> Command | None:
    text = line.lstrip()
    if not text.startswith("::"):
        return None
    end = text.find("::", 2)
    if end < 0:
        return None
    info = text[2:end]
    name, _, props = info.partition(" ")
    if name.lower() not in registered:
        return None
    cmd = Command(name)
    for part in props.strip().split(","):
        key, _, value = part.partition("=")
        if part and key and value:
            cmd.properties[key] = _unescape(value, PROPERTY)
    cmd.data = _unescape(text[end + 2:], DATA)
    return cmd


def _v1(line: str, registered: set[str]) -> Command | None:
    start = line.find("##[")
    if start < 0:
        return None
    end = line.find("]", start)
    if end < 0:
        return None
    name, _, props = line[start + 3:end].partition(" ")
    if name.lower() not in registered:
        return None
    cmd = Command(name)
    for part in props.split(";"):
        key, _, value = part.partition("=")
        if part and key and value:
            cmd.properties[key] = _unescape(value, OLD)
    cmd.data = _unescape(line[end + 1:], OLD)
    return cmd


def commands(log: str) -> list[Command]:
    """Every workflow command the runner would act on in `log`, in order (stop-commands and its token left out)."""
    registered = set(REGISTERED)
    token: str | None = None
    out = []
    for line in re.split(r"\r\n|\r|\n", log):
        cmd = _v2(line, registered) or _v1(line, registered)
        if cmd is None:
            continue
        if token is not None:
            if cmd.name.lower() == token:
                registered.discard(token)
                token = None
            continue
        if cmd.name.lower() == "stop-commands":
            token = cmd.data.lower()
            registered.add(token)
            continue
        out.append(cmd)
    return out
