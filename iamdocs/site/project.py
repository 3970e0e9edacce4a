"""One loaded project per state of policies/, shared by the macros and the hooks of a build."""

from __future__ import annotations

from pathlib import Path

from iamdocs.loader import load_sound_project
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
    files' state rather than kept forever.
    """
    root = root.resolve()
    stamp = _stamp(root)
    hit = _cache.get(root)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    project = load_sound_project(root)
    _cache[root] = (stamp, project)
    return project
