"""The navigation, built from the pages that exist, so that no list of pages can fall behind.

Folders become sections; within a folder, `index.md` comes first, then pages and
sub-folders by their front-matter `nav_order` (default 100), then by path. A section
sorts by its index.md's `nav_order`, or without an index.md by the smallest inside
it; its title is the `section` front-matter key of its `index.md`, or the folder name.
Pages that other people add under docs/ and the generated policy pages appear without
anyone editing mkdocs.yml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ORDER = 100


@dataclass
class _Folder:
    name: str
    pages: list[tuple[int, str]] = field(default_factory=list)  # (order, src_uri)
    folders: dict[str, _Folder] = field(default_factory=dict)
    title: str | None = None

    def order(self) -> int:
        """The index page's nav_order, or else the smallest one inside the folder."""
        for o, src in self.pages:
            if src.rsplit("/", 1)[-1] == "index.md":
                return o
        orders = [o for o, _ in self.pages] + [f.order() for f in self.folders.values()]
        return min(orders) if orders else DEFAULT_ORDER


def _order(meta: Mapping[str, Any]) -> int:
    value = meta.get("nav_order", DEFAULT_ORDER)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"nav_order must be a whole number, not {value!r}")
    return value


def humanize(folder: str) -> str:
    """A section title for a folder whose index.md gives none: "check-a-role" -> "Check a role"."""
    return folder.replace("-", " ").replace("_", " ").capitalize()


def build_nav(pages: Mapping[str, Mapping[str, Any]]) -> list[Any]:
    """mkdocs `nav` config from {src_uri: front matter} of every documentation page."""
    root = _Folder("")
    for src_uri, meta in pages.items():
        parts = src_uri.split("/")
        folder = root
        for part in parts[:-1]:
            folder = folder.folders.setdefault(part, _Folder(part))
        try:
            order = _order(meta)
        except ValueError as exc:
            raise ValueError(f"{src_uri}: {exc}") from None
        if parts[-1] == "index.md" and isinstance(meta.get("section"), str):
            folder.title = meta["section"]
        folder.pages.append((order, src_uri))
    return _items(root)


def _items(folder: _Folder) -> list[Any]:
    # (index page first, order, pages before folders, name, nav item)
    entries: list[tuple[int, int, int, str, Any]] = []
    for order, src in folder.pages:
        entries.append((0 if src.rsplit("/", 1)[-1] == "index.md" else 1, order, 0, src, src))
    for name, sub in folder.folders.items():
        entries.append((1, sub.order(), 1, name, {sub.title or humanize(name): _items(sub)}))
    return [e[-1] for e in sorted(entries, key=lambda e: e[:4])]
