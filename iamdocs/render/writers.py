"""Reference pages for writers, generated from the code itself: lint rules and macros."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from iamdocs.lint import discover_rules
from iamdocs.model import SoundProject
from iamdocs.render import discover_macros
from iamdocs.render._markdown import code, table


def lint_rules_reference(project: SoundProject, heading: str = "##") -> str:
    """One section per lint rule, from the rules' own metadata (ID, name, severity, description)."""
    rules = discover_rules()
    out = [table(["Rule", "Name", "Severity", "Checks"],
                 [[f"[{r.id}](#{r.id.lower()})", code(r.name), r.severity(), r.description] for r in rules])]
    for r in rules:
        out.append(f"{heading} {r.id} {r.name} {{#{r.id.lower()}}}\n")
        out.append(f"**{r.severity().capitalize()}.** {r.description}\n")
        if r.explanation:
            out.append(f"{r.explanation}\n")
        if r.project_only:
            out.append("Runs only on the project's own `policies/`, not on loose files.\n")
    return "\n".join(out)


def _signature(fn: Callable[..., str]) -> str:
    """How a page calls the macro: the project is bound, so it is left out."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    shown = [p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}" for p in params]
    return f"{fn.__name__}(" + ", ".join(shown) + ")"


def macros_reference(project: SoundProject) -> str:
    """Every macro the pages can call, with its arguments and the first line of its docstring."""

    rows = []
    for _name, fn in sorted(discover_macros().items()):
        doc = (inspect.getdoc(fn) or "").splitlines()
        module = fn.__module__.rsplit(".", 1)[-1]
        rows.append([code("{{ " + _signature(fn) + " }}"), code(f"render/{module}.py"), doc[0] if doc else ""])
    return table(["Macro", "Defined in", "Gives"], rows)


MACROS = [lint_rules_reference, macros_reference]
