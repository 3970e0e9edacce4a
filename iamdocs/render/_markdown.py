"""Small Markdown builders shared by the render modules (not macros themselves)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

# Site paths the guide publishes. Links starting with "/" are resolved against docs/
# by mkdocs (validation.links.absolute_links: relative_to_docs) and made relative.
POLICY_DOWNLOAD_DIR = "policies"
POLICY_PAGE_DIR = "reference/policies"
TRUST_POLICY_DIR = "policies/trust"
LINT_RULES_PAGE = "/writers/lint-rules.md"
CHANGELOG_PAGE = "/reference/permissions-changelog.md"


def text(value: str) -> str:
    """Text from the catalog as Markdown: it is data, so HTML in it is shown, never run."""
    return html.escape(value, quote=False)


def cell(text: str) -> str:
    """Text that is safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ").strip()


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; cells must already be Markdown."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def fence(text: str, lang: str, title: str | None = None) -> str:
    """A fenced code block; the text goes in unchanged (a final newline is added if missing)."""
    ticks = "```"
    while ticks in text:
        ticks += "`"
    head = f"{ticks}{lang}" + (f' title="{title}"' if title else "")
    body = text if text.endswith("\n") else text + "\n"
    return f"{head}\n{body}{ticks}\n"


def code(text: str) -> str:
    """Inline code, safe for any backtick content."""
    ticks = "``" if "`" in text else "`"
    return f"{ticks}{text}{ticks}"


def stem(file_name: str) -> str:
    return file_name.removesuffix(".json")


def policy_page(file_name: str, anchor: str = "") -> str:
    return f"/{POLICY_PAGE_DIR}/{stem(file_name)}.md" + (f"#{anchor}" if anchor else "")


def policy_download(file_name: str) -> str:
    return f"/{POLICY_DOWNLOAD_DIR}/{file_name}"


def trust_policy_file(role_id: str) -> str:
    return f"{role_id}-role-trust-policy.json"


def trust_policy_download(role_id: str) -> str:
    return f"/{TRUST_POLICY_DIR}/{trust_policy_file(role_id)}"


def download(label: str, href: str, file_name: str) -> str:
    """A download link; the fill-in form swaps its target for the filled-in file."""
    return f'[{label}]({href}){{ download="{file_name}" .iamdocs-download }}'
