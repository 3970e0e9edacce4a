"""mkdocs-macros entry point: registers the render functions of `iamdocs.render`, nothing else.

Each function `fn(project, *args, **kwargs) -> str` is found through its module's
MACROS list and registered under its own name with the project bound, so pages
call `{{ policy_json("session-manager.json") }}`. Logic stays in iamdocs/render,
where it is unit tested. With IAMDOCS_MACRO_TIMES=<file>, every call is timed and
the totals are written to that file after the build (the benchmark reads them).
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iamdocs import iamdb
from iamdocs.guide.project import sound_project
from iamdocs.render import discover_macros

_times: dict[str, list[float]] = {}


def _bind(fn: Callable[..., str], project: Any, timed: bool) -> Callable[..., str]:
    """The macro as pages see it: the project bound, optionally timed."""

    @functools.wraps(fn)
    def macro(*args: Any, **kwargs: Any) -> str:
        if not timed:
            return fn(project, *args, **kwargs)
        start = time.perf_counter()
        try:
            return fn(project, *args, **kwargs)
        finally:
            entry = _times.setdefault(fn.__name__, [0.0, 0])
            entry[0] += time.perf_counter() - start
            entry[1] += 1

    return macro


def define_env(env: Any) -> None:
    """Load the project and the IAM action data once, and register every render function as a macro."""
    project = sound_project(Path(env.conf["config_file_path"]).parent)
    iamdb.load()  # data loading belongs here, with the project, not in whichever macro asks first
    timed = bool(os.environ.get("IAMDOCS_MACRO_TIMES"))
    _times.clear()
    for name, fn in discover_macros(reload=True).items():
        env.macro(_bind(fn, project, timed), name)


def on_post_build(env: Any) -> None:
    """Write the macro timings when the benchmark asked for them."""
    target = os.environ.get("IAMDOCS_MACRO_TIMES")
    if target:
        totals = {name: {"seconds": t, "calls": n} for name, (t, n) in _times.items()}
        Path(target).write_text(json.dumps(totals, indent=2) + "\n", encoding="utf-8")
