"""One loaded project per state of policies/, shared by the macros and the hooks of a build."""

from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError

from iamdocs.loader import ProjectError, load_sound_project
from iamdocs.model import Project

_cache: dict[Path, tuple[tuple, Project]] = {}


def _stamp(root: Path) -> tuple:
    """Names, sizes and modification times of everything under policies/: changes on any edit."""
    out = []
    for p in sorted((root / "policies").rglob("*")):
        if p.is_file():
            st = p.stat()
            out.append((str(p), st.st_size, st.st_mtime_ns))
    return tuple(out)


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
