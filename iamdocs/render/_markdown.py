"""Small Markdown builders shared by the render modules (not macros themselves)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

# Site paths the guide publishes. Links starting with "/" are resolved against docs/
# by mkdocs (validation.links.absolute_links: relative_to_docs) and made relative.
POLICY_DOWNLOAD_DIR = "policies"
POLICY_PAGE_DIR = "reference/policies"
TRUST_POLICY_DIR = "policies/trust"


# Characters that are syntax anywhere in a line: Markdown (escapes, code spans, emphasis, links and
# images, tables, heading closers), its extensions (attribute lists, admonitions, md_in_html, fences),
# HTML (tags, entities) and Jinja (`{{`, `{%`, `{#`).
_ANYWHERE = frozenset("\\`*_[]<>&{}|!~^#")
# What starts a block when it comes first on a line (lists, rules, setext and tab markers, details),
# and what makes leading digits an ordered list.
_LEADING = frozenset("-+=?:")
_ORDERED = re.compile(r"[0-9]+([.)])")
# A numeric character reference to these does not mean the character (HTML maps 0x80-0x9F to
# Windows-1252 and the others to U+FFFD), and YAML front matter cannot hold them raw (nor the two
# noncharacters): shown as U+FFFD.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def inert(value: str) -> str:
    """Catalog text as Markdown that shows exactly this text in HTML and is never syntax.

    The one way catalog text enters a page, a table, an admonition, a heading, a page title in the
    front matter (and so the navigation) or the search index, which is made from the pages. Each
    character that could be syntax becomes a numeric character reference, which Markdown passes
    through as it is and HTML shows as the character: no code span, link, emphasis, attribute list,
    HTML tag, entity or Jinja expression can start. Every line break and white space other than a
    single inner space is a reference too, so nothing the text holds is ever at the start of a line
    except its own first character (encoded when it could start a block), and nothing collapses
    runs of spaces (the table of contents does, in the headings' titles). Control characters
    and lone surrogates (which validate refuses) are shown as U+FFFD.
    """
    value = _UNSHOWABLE.sub("\ufffd", value)
    ordered = _ORDERED.match(value)
    out = []
    last = len(value) - 1
    for i, ch in enumerate(value):
        if (ch in _ANYWHERE or (i == 0 and ch in _LEADING) or (ordered and i == ordered.end() - 1)
                or (ch.isspace() and (ch != " " or i == 0 or i == last or value[i - 1] == " "))):
            out.append(f"&#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


def inert_json(data: object, **dumps: object) -> str:
    """Data for the pages' scripts as JSON in which no string can close a tag or start HTML.

    The scripts show catalog text with textContent, so its strings keep their exact value; `<`,
    `>` and `&` are JSON escapes (as is everything outside ASCII), so the data stays inert even
    inlined into HTML.
    """
    out = json.dumps(data, **dumps)  # type: ignore[arg-type]
    for ch in "<>&":
        out = out.replace(ch, f"\\u{ord(ch):04x}")
    return out


def code_comment(value: str) -> str:
    """Catalog text in a comment of a shell block: one line, so that a line break cannot start a command."""
    return " ".join(value.split())


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
