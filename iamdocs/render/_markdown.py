"""Small Markdown builders shared by the render modules (not macros themselves)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

# Site paths the guide publishes. Links starting with "/" are resolved against docs/
# by mkdocs (validation.links.absolute_links: relative_to_docs) and made relative.
POLICY_DOWNLOAD_DIR = "policies"
POLICY_PAGE_DIR = "reference/policies"
TRUST_POLICY_DIR = "policies/trust"


# Link targets a catalog field may use: the web, mail, and links within the guide (no scheme).
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
_AUTOLINK = re.compile(r"&lt;((?:https?|mailto):[^\s&<>]+)&gt;")
# `](target` of an inline link or image, and `]: target` of a reference definition
_LINK_TARGET = re.compile(r"\](\(|:)([^)]*)")
_SCHEME = re.compile(r"([^/?#]*?):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _safe_target(target: str) -> bool:
    """True for a relative link or one with an allowed scheme (browsers ignore blanks in a scheme)."""
    m = _SCHEME.match(_INVISIBLE.sub("", html.unescape(target)))
    return m is None or m.group(1).lower() in SAFE_SCHEMES


def _unlinked(m: re.Match[str]) -> str:
    """`](` or `]:` spelled as an entity: shown the same, but no longer a link or a link definition."""
    return "]" + ("&#40;" if m.group(1) == "(" else "&#58;") + m.group(2)


def _plain(part: str) -> str:
    """Catalog text outside code spans: no raw HTML, no script links, no attribute lists, no Jinja."""
    out = html.escape(part, quote=False)
    out = _AUTOLINK.sub(r"<\1>", out)  # <https://...> stays a link; every other `<` is shown
    out = _LINK_TARGET.sub(lambda m: m.group(0) if _safe_target(m.group(2)) else _unlinked(m), out)
    # `{` would start an attribute list ({ onclick=... }) or a Jinja expression; the entity shows the same
    return out.replace("{", "&#123;").replace("}", "&#125;")


def text(value: str) -> str:
    """Text from the catalog as Markdown: it is data, so HTML in it is shown, never run.

    The one escaping function for every catalog field a page shows. Markdown formatting
    (bold, code, links to https or within the guide) keeps working; raw HTML is shown
    as text, links to javascript:, data: or any other scheme are shown instead of
    linked, and `{` can neither start an attribute list nor a Jinja expression.
    Code spans are left to Markdown, which escapes their content itself.
    """
    out = []
    pos = 0
    for m in _CODE_SPAN.finditer(value):
        out.append(_plain(value[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_plain(value[pos:]))
    return "".join(out)


def title_html(value: str) -> str:
    """A page title from the catalog as the theme inserts it: HTML text, no tags, no Jinja.

    The theme puts a page's `title` into <title> and the navigation as HTML. A title it takes
    from the page's heading goes through `striptags`, which turns `&lt;` back into `<`; a title
    given in the front matter is used as it is, so the generated pages give this one.
    """
    shown = _UNPRINTABLE.sub("\ufffd", value)  # front matter is YAML: no control characters, no lone surrogates
    return html.escape(shown).replace("{", "&#123;").replace("}", "&#125;")


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
