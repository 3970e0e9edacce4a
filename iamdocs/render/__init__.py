"""Render functions: pure `fn(project, *args, **kwargs) -> str` that return Markdown for the guide.

Every module in this package lists its functions in `MACROS`; `discover_macros`
finds them, so that `iamdocs/guide/macros.py` never keeps a list of its own and a new
module (deploy, drift) appears in the pages without touching the macros file.
Logic lives here, in Python that tests can call, never in Jinja.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable

MacroFn = Callable[..., str]


class MacroError(RuntimeError):
    """A render module breaks the macro contract (duplicate name, missing MACROS)."""


def discover_macros(reload: bool = False) -> dict[str, MacroFn]:
    """Every function listed in `MACROS` of a module of this package, by its __name__.

    `reload=True` re-executes modules imported before, so that `mkdocs serve`, which
    keeps one process across rebuilds, picks up a writer's edit to a render module.
    """
    from iamdocs import render as pkg  # lazy: the package is walked when macros are discovered

    found: dict[str, MacroFn] = {}
    owner: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        if reload:
            module = importlib.reload(module)
        macros = getattr(module, "MACROS", None)
        if macros is None:
            raise MacroError(f"{module.__name__} defines no MACROS list")
        for fn in macros:
            name = fn.__name__
            if name in found:
                raise MacroError(f"macro {name} is defined twice: {owner[name]} and {module.__name__}")
            params = list(inspect.signature(fn).parameters)
            if not params or params[0] != "project":
                raise MacroError(f"{module.__name__}.{name}: the first parameter must be `project`")
            found[name] = fn
            owner[name] = module.__name__
    return found
