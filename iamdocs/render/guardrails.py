"""The guardrail check on the role-check page, and the page of guardrails that commonly block AI Unlimited.

Each guardrail comes from the catalog; what it stops and that its exception lets the options through
are decided by `iamdocs preflight`'s evaluation while the page is built, so the page cannot promise an
exception that does not work: a guardrail whose exception leaves anything blocked stops the build.
"""

from __future__ import annotations

import html

from iamdocs import iamdb
from iamdocs.model import Guardrail, SoundProject, canonical_json
from iamdocs.output import count
from iamdocs.preflight.check import Result
from iamdocs.preflight.guardrails import check, exception_statements, with_exception
from iamdocs.render._markdown import code, fence, inert

ATTACHED = {"scp": "a service control policy, beside FullAWSAccess",
            "scp-allow-list": "a service control policy, instead of FullAWSAccess",
            "boundary": "a permissions boundary"}


def guardrail_check_form(project: SoundProject) -> str:
    """Where docs/javascripts/guardrail-check.js puts its form; without JavaScript, the command that does the same."""
    return ('<div class="iamdocs-guardrail-check" data-iamdocs-guardrail-check></div>\n\n'
            "<noscript>The check runs in your browser and needs JavaScript; without it, run "
            "<code>iamdocs preflight</code>.</noscript>\n")


def _options(g: Guardrail) -> str:
    return ", ".join(code(o) for o in g.options)


def _stops(g: Guardrail, result: Result) -> str:
    """What the guardrail stops, as preflight decides it: the actions, and the purposes of their statements."""
    blocked = sorted({f.action for f in result.blocked})
    conditional = sorted({f.action for f in result.conditional})
    if result.allowed:
        raise ValueError(f"guardrail {g.id}: it blocks nothing of {', '.join(g.options)}; choose options it blocks")
    named = blocked or conditional
    listed = ", ".join(code(a) for a in named[:8]) + (f" and {len(named) - 8} more" if len(named) > 8 else "")
    if blocked:
        what = f"it blocks {len(blocked)} of the {count(result.actions, 'action')} the options need: {listed}"
    else:
        keys = ", ".join(code(k) for k in sorted({f.key for f in result.conditional}))
        what = (f"{len(conditional)} of the {count(result.actions, 'action')} the options need depend on {keys}: "
                f"{listed}")
    affected = sorted({f.breaks for f in [*result.blocked, *result.conditional] if f.breaks})
    lines = [f"Checked with {_options(g)} in {code(g.region)}, {what}.", "", "What stops working:", ""]
    lines += [f"- {inert(a)}" for a in affected]
    return "\n".join(lines) + "\n"


def guardrail_block(g: Guardrail) -> str:
    """The rule as the catalog has it, marked as a guardrail: `drift --site` compares it with the catalog's
    guardrail, not with the roles' policies (an allow-list SCP lists the actions the roles need)."""
    return (f'<div class="iamdocs-guardrail" data-iamdocs-guardrail="{html.escape(g.id)}" markdown="1">\n\n'
            f"{fence(canonical_json(g.document), 'json')}\n</div>\n")


def guardrail_section(project: SoundProject, g: Guardrail) -> str:
    """One guardrail: what it does, the policy as it is often written, what it stops, and its exception."""
    db = iamdb.load()
    before = check(project, db, g, g.document)
    after = check(project, db, g, with_exception(project, db, g))
    if not after.allowed:
        left = sorted({f.action for f in [*after.blocked, *after.conditional]})
        raise ValueError(f"guardrail {g.id}: its exception still leaves {', '.join(left)} blocked or conditional")
    statements = exception_statements(project, db, g)
    shown = statements[0] if len(statements) == 1 else statements
    return (f"## {inert(g.title)}\n\n{inert(g.what.strip())}\n\n"
            f"As organizations often write it, as {ATTACHED[g.attached]}:\n\n"
            f"{guardrail_block(g)}\n"
            f"{_stops(g, before)}\n"
            f"**The exception.** {inert(g.exception_text.strip())}\n\n"
            f"{fence(canonical_json(shown), 'json')}\n"
            f"With the exception, all {count(after.actions, 'action')} are allowed"
            " (decided when this page was built).\n")


def guardrails_page(project: SoundProject) -> str:
    """Every guardrail of the catalog, in its order."""
    return "\n".join(guardrail_section(project, g) for g in project.catalog.guardrails.values())


MACROS = [guardrail_check_form, guardrails_page]
