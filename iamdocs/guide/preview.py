"""What `make serve` shows a writer in the page they preview: the lint findings of the policies and pages.

Only the live preview shows them (the hooks know it from mkdocs' command); `make site` builds never do, and
there validate and the build's own checks stop on a finding instead. Pure functions: the hooks call them.
"""

from __future__ import annotations

import html
from pathlib import Path

from iamdocs.lint import Context
from iamdocs.lint import run as run_rules
from iamdocs.lint.formatters import Run, text
from iamdocs.loader import load_project

BANNER_CLASS = "iamdocs-preview-findings"
_ARTICLE = '<article class="md-content__inner md-typeset">'


def policy_findings(root: Path) -> list[str]:
    """`iamdocs validate`'s lines for the project (accepted findings left out), without its summary line."""
    project = load_project(root)
    ctx = Context(project=project, files=project.files)
    report = "".join(text(run_rules(ctx), Run(len(ctx.files))))
    return report.splitlines()[:-1]


def banner(lines: list[str]) -> str:
    """A box of finding lines, as text (a finding quotes what a writer typed: it is never markup)."""
    if not lines:
        return ""
    items = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in lines)
    head = f"{len(lines)} finding{'s' if len(lines) != 1 else ''} in policies/ and the pages (make serve only)"
    return (f'<div class="{BANNER_CLASS}" role="status"><p><strong>{html.escape(head)}</strong>: fix them before '
            f"<code>make site</code>, which stops on them.</p><ul>{items}</ul></div>")


def with_banner(page_html: str, lines: list[str]) -> str:
    """The page with the banner at the top of its article; the page as it was when there is nothing to show."""
    box = banner(lines)
    if not box or _ARTICLE not in page_html:
        return page_html
    return page_html.replace(_ARTICLE, _ARTICLE + box, 1)
