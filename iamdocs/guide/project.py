"""One loaded project per state of policies/, shared by the macros and the hooks of a build."""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.exceptions import PluginError

from iamdocs.lint import Context
from iamdocs.lint import run as run_rules
from iamdocs.lint.formatters import Run, text
from iamdocs.loader import ProjectError, load_sound_project
from iamdocs.model import Project

_cache: dict[Path, tuple[tuple, Project]] = {}


def _stamp(root: Path) -> tuple:
    """Names, sizes and modification times of everything under policies/: changes on any edit.

    Linked folders are not entered (a link to / would walk the whole machine); a linked file
    counts with its target's state, and a broken or looping link with its own.
    """
    out = []
    for folder, _, names in os.walk(root / "policies"):
        for name in names:
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except OSError:
                try:
                    st = os.lstat(path)
                except OSError:  # removed meanwhile
                    continue
            out.append((path, st.st_mode, st.st_size, st.st_mtime_ns))
    return tuple(sorted(out))


def sound_project(root: Path) -> Project:
    """The project through `load_sound_project`, loaded once until a file under policies/ changes.

    `mkdocs serve` keeps the process alive between builds, so the cache is keyed on the
    files' state rather than kept forever. A policy that cannot be read stops the build with
    one line naming the file, line and column, not a traceback.
    """
    root = root.resolve()
    stamp = _stamp(root)
    hit = _cache.get(root)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        project = load_sound_project(root)
    except ProjectError as exc:  # mkdocs prints a PluginError as one line; anything else as a traceback
        raise PluginError(f"{exc.message} ({exc.hint})" if exc.hint else exc.message) from None
    _cache[root] = (stamp, project)
    return project


_errors: dict[Path, tuple[tuple, list[str]]] = {}


def validate_errors(root: Path) -> list[str]:
    """The errors `iamdocs validate` would print for the project, as it prints them, once per state of policies/.

    Every build runs them (the hooks stop on any), so that `mkdocs build` or `mkdocs serve` alone
    never publishes a policy that validate rejects (a lone surrogate, a zero-width character).
    """
    root = root.resolve()
    project = sound_project(root)
    stamp = _stamp(root)
    hit = _errors.get(root)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    findings = [f for f in run_rules(Context(project=project, files=project.files), None)
                if f.severity == "error" and not f.accepted]
    lines = "".join(text(findings, Run(len(project.files)))).splitlines()[:-1]  # without the summary line
    _errors[root] = (stamp, lines)
    return lines
