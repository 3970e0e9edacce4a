"""One loaded project per state of policies/, shared by the macros and the hooks of a build."""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.exceptions import PluginError

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
