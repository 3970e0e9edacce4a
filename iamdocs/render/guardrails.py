"""The guardrail check on the role-check page, and the page of guardrails that commonly block AI Unlimited."""

from __future__ import annotations

from iamdocs.model import SoundProject


def guardrail_check_form(project: SoundProject) -> str:
    """Where docs/javascripts/guardrail-check.js puts its form; without JavaScript, the command that does the same."""
    return ('<div class="iamdocs-guardrail-check" data-iamdocs-guardrail-check></div>\n\n'
            "<noscript>The check runs in your browser and needs JavaScript; without it, run "
            "<code>iamdocs preflight</code>.</noscript>\n")


MACROS = [guardrail_check_form]
