"""The guide's mkdocs-macros module, loaded by name (`modules: [iamdocs.guide.macros]` in mkdocs.yml).

It uses the plugin's own hooks and Jinja's own extension point, nothing else:

- `define_env` registers every render function of `iamdocs.render` as a macro with the
  project bound, so pages call `{{ policy_json("session-manager.json") }}`; logic stays in
  iamdocs/render, where it is unit tested. The one wrapper around each macro turns an error
  inside it into one message that names the macro.
- `on_pre_page_macros` checks a page that is about to be rendered: Jinja syntax, unknown
  names, filters and tests, unknown policy files, files read into the page; each with the line in the page's
  file (front matter counted) and the closest correct name.
- Pages are rendered as `PageTemplate`s (Jinja's `template_class`): an error anywhere in a
  page, in a macro or not, is recorded with the page's line from the traceback Jinja rewrites
  for templates, and the page renders empty, so the plugin never prints a traceback.
- `on_post_page_macros` stops the build with that one line, or when a macro call is left
  unrendered on a page without `render_macros: true`.
- With IAMDOCS_MACRO_TIMES=<file>, every call is timed and `on_post_build` writes the
  totals to that file (the benchmark reads them).
"""

from __future__ import annotations

import functools
import json
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.exceptions import PluginError

from iamdocs import iamdb
from iamdocs.guide.guards import (
    front_matter_lines,
    page_source,
    policy_argument_positions,
    template_problems,
    unrendered_macros,
)
from iamdocs.guide.project import sound_project
from iamdocs.render import discover_macros


class _MacroFailed(Exception):
    """A macro raised: the message names the macro, the error's type and what it said."""


@dataclass
class _Build:
    """What one build's hooks share: the page being rendered, its Markdown, what failed in it, the timings."""

    macro_names: list[str]
    policy_args: dict[str, int]
    policies: list[str]
    markdown: str = ""
    failures: list[tuple[int, str]] = field(default_factory=list)  # (line in the page's Markdown, message)
    times: dict[str, list[float]] = field(default_factory=dict)


_build: _Build | None = None


class PageTemplate(jinja2.Template):
    """A page as the guide renders it: an error is recorded with the page's line, and the page renders empty."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        try:
            return super().render(*args, **kwargs)
        except Exception as exc:  # on_post_page_macros stops the build with it; the plugin would print a traceback
            assert _build is not None
            # Jinja rewrites a traceback so that the page's own code shows as frames of the template, at its lines.
            own = self.filename or "<template>"
            lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == own]
            if isinstance(exc, _MacroFailed):
                message = str(exc)
            else:
                message = f"{type(exc).__name__}: {exc.args[0] if isinstance(exc, KeyError) and exc.args else exc}"
            _build.failures.append((lines[-1] if lines else 1, message))
            return ""


def _bind(fn: Callable[..., str], project: Any, build: _Build, timed: bool) -> Callable[..., str]:
    """The macro as pages see it: the project bound, an error named by the macro, optionally timed."""

    @functools.wraps(fn)
    def macro(*args: Any, **kwargs: Any) -> str:
        start = time.perf_counter()
        try:
            return fn(project, *args, **kwargs)
        except Exception as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            raise _MacroFailed(f"{fn.__name__}: {type(exc).__name__}: {message}") from exc
        finally:
            if timed:
                entry = build.times.setdefault(fn.__name__, [0.0, 0])
                entry[0] += time.perf_counter() - start
                entry[1] += 1

    return macro


def define_env(env: Any) -> None:
    """Load the project and the IAM action data once, and register every render function as a macro."""
    global _build
    project = sound_project(Path(env.conf["config_file_path"]).parent)
    iamdb.load()  # data loading belongs here, with the project, not in whichever macro asks first
    macros = discover_macros(reload=True)
    _build = _Build(list(macros), policy_argument_positions(macros), project.policy_names)
    timed = bool(os.environ.get("IAMDOCS_MACRO_TIMES"))
    for name, fn in macros.items():
        env.macro(_bind(fn, project, _build, timed), name)


def _where(env: Any) -> tuple[str, int]:
    """The page as reports name it (docs/...) and how many lines of its file come before its Markdown."""
    page = env.page
    assert _build is not None
    return (f"{Path(env.conf['docs_dir']).name}/{page.file.src_uri}",
            front_matter_lines(page_source(page.file.abs_src_path), _build.markdown))


def _renders(env: Any) -> bool:
    """Whether the plugin will render this page, by the rule its render() follows."""
    meta = env.page.meta or {}
    if meta.get("render_macros") is False:
        return False
    if env.config["render_by_default"]:
        return True
    return meta.get("render_macros") is True or env.force_page_rendering(env.page.file.src_path)


def on_pre_page_macros(env: Any) -> None:
    """Before a page is rendered: its syntax, names and policy files, each problem at its line."""
    assert _build is not None
    env.env.template_class = PageTemplate  # the plugin makes its Jinja environment after define_env
    _build.markdown = env.markdown
    _build.failures.clear()
    if not _renders(env):
        return
    known = {*env.variables, *env.macros, *env.env.globals}
    problems = template_problems(env.env, env.markdown, known, _build.policy_args, _build.policies)
    if problems:
        where, offset = _where(env)
        line, message = problems[0]
        raise PluginError(f"{where}:{line + offset}: {message}")


def on_post_page_macros(env: Any) -> None:
    """After a page is rendered: a macro that failed, or a macro call left in the page, stops the build."""
    assert _build is not None
    if _build.failures:
        line, message = _build.failures[0]
        where, offset = _where(env)
        raise PluginError(f"{where}:{line + offset}: {message}")
    left = unrendered_macros(env.markdown, _build.macro_names)
    if left:
        where, offset = _where(env)
        line, name = left[0]
        raise PluginError(f"{where}:{line + offset}: the macro {name} is not rendered on this page; add "
                          "`render_macros: true` to its front matter")


def on_post_build(env: Any) -> None:
    """Write the macro timings when the benchmark asked for them."""
    target = os.environ.get("IAMDOCS_MACRO_TIMES")
    if target and _build is not None:
        totals = {name: {"seconds": t, "calls": n} for name, (t, n) in _build.times.items()}
        Path(target).write_text(json.dumps(totals, indent=2) + "\n", encoding="utf-8")
