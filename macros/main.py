"""mkdocs-macros entry point: registers the render functions of `iamdocs.render`, nothing else.

Each function `fn(project, *args, **kwargs) -> str` is found through its module's
MACROS list and registered under its own name with the project bound, so pages
call `{{ policy_json("session-manager.json") }}`. Logic stays in iamdocs/render,
where it is unit tested. With IAMDOCS_MACRO_TIMES=<file>, every call is timed and
the totals are written to that file after the build (the benchmark reads them).

A mistake in a page stops the build with one line: the page, the line in its file
(front matter counted) and, for a misspelt macro or policy, the closest correct name.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.debug import rewrite_traceback_stack
from mkdocs.exceptions import PluginError

from iamdocs import iamdb
from iamdocs.guide.guards import front_matter_lines, page_source, policy_argument_positions, template_problems
from iamdocs.guide.project import sound_project
from iamdocs.render import discover_macros

_times: dict[str, list[float]] = {}


class MacroFailure(BaseException):
    """A macro failed; a BaseException, so that the macros plugin, which prints a traceback
    for any Exception, lets it through to `_render`, which stops the build with one line."""


def _template_line() -> int:
    """The line of the page's template that called the running macro (0 if not found)."""
    frame = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            return template.get_corresponding_lineno(frame.f_lineno)
        frame = frame.f_back
    return 0


def _bind(fn: Callable[..., str], project: Any, timed: bool) -> Callable[..., str]:
    """The macro as pages see it: the project bound, optionally timed, an error named by its line."""

    @functools.wraps(fn)
    def macro(*args: Any, **kwargs: Any) -> str:
        start = time.perf_counter()
        try:
            return fn(project, *args, **kwargs)
        except Exception as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            raise MacroFailure(_template_line(), f"{fn.__name__}: {type(exc).__name__}: {message}") from exc
        finally:
            if timed:
                entry = _times.setdefault(fn.__name__, [0.0, 0])
                entry[0] += time.perf_counter() - start
                entry[1] += 1

    return macro


def _template_error(source: str | None = None) -> None:
    """Jinja's handle_exception: any error while a page renders (a filter, an undefined name, a division
    by zero) is a MacroFailure naming the page's line, which the plugin cannot turn into a traceback."""
    exc = sys.exc_info()[1]
    if isinstance(exc, jinja2.TemplateSyntaxError):  # from parsing: template_problems reports it with its line
        raise rewrite_traceback_stack(source=source)
    line = 0
    tb = exc.__traceback__ if exc is not None else None
    while tb is not None:  # the innermost frame of the page's own template code
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            line = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    raise MacroFailure(line, f"{type(exc).__name__}: {message}") from None


def _strict_render(env: Any, project: Any) -> Callable[..., str]:
    """The plugin's render, checking the page first and turning any failure into one line."""
    original = env.render
    macros = discover_macros()
    policy_args = policy_argument_positions(macros)

    def render(markdown: str, force_rendering: bool = False) -> str:
        env.env.handle_exception = _template_error  # the plugin's Jinja environment exists by now
        page = env.page
        where = f"{Path(env.conf['docs_dir']).name}/{page.file.src_uri}"
        offset = front_matter_lines(page_source(page.file.abs_src_path), markdown)
        if force_rendering or (page.meta or {}).get("render_macros") is True:
            known = {*env.variables, *env.macros, *env.env.globals}
            problems = template_problems(env.env, markdown, known, policy_args, project.policy_names)
            if problems:
                line, message = problems[0]
                raise PluginError(f"{where}:{line + offset}: {message}")
        try:
            return original(markdown=markdown, force_rendering=force_rendering)
        except MacroFailure as failure:
            line, message = failure.args
            raise PluginError(f"{where}:{line + offset}: {message}") from None

    return render


def define_env(env: Any) -> None:
    """Load the project and the IAM action data once, and register every render function as a macro."""
    project = sound_project(Path(env.conf["config_file_path"]).parent)
    iamdb.load()  # data loading belongs here, with the project, not in whichever macro asks first
    timed = bool(os.environ.get("IAMDOCS_MACRO_TIMES"))
    _times.clear()
    for name, fn in discover_macros(reload=True).items():
        env.macro(_bind(fn, project, timed), name)
    env.render = _strict_render(env, project)


def on_post_build(env: Any) -> None:
    """Write the macro timings when the benchmark asked for them."""
    target = os.environ.get("IAMDOCS_MACRO_TIMES")
    if target:
        totals = {name: {"seconds": t, "calls": n} for name, (t, n) in _times.items()}
        Path(target).write_text(json.dumps(totals, indent=2) + "\n", encoding="utf-8")
