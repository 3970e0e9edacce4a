"""Catalog text is data: Jinja and HTML in every text field of the catalog reach the guide shown, never run.

One real `mkdocs build --strict` of a copy of the project whose catalog carries an attack in every
field a writer types prose into; every page of the built site is then searched for the attack
having worked.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from guide_copy import build, site_copy

# Each part is an attack of its own; the build must show all of them as text.
JINJA = "{{ 7*191 }}"
SHELL = "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
LINK = "[click](javascript:alert(3))"
ATTR = "**bold**{ onclick=alert(4) }"


def _attack(marker: Path) -> str:
    return " ".join([JINJA, SHELL.replace("MARKER", str(marker)), SCRIPT, IMG, LINK, ATTR])


def _poison(catalog: dict, attack: str) -> int:
    """Append the attack to every prose field of the catalog; return how many fields were changed."""
    fields: list[tuple[dict, str]] = [(catalog, "product")]
    fields += [(p, "description") for p in catalog["placeholders"].values()]
    for role in catalog["roles"].values():
        fields += [(role, "title"), (role, "description")]
    for policy in catalog["policies"].values():
        fields += [(policy, "title"), (policy, "purpose")]
        policy["statements"] = dict(policy["statements"])  # YAML anchors share one mapping between policies
        fields += [(policy["statements"], sid) for sid in policy["statements"]]
    for option in catalog["options"].values():
        fields += [(option, "title"), (option, "when"), (option, "setup_field")]
    fields += [(r, "why") for r in catalog["relations"]]
    fields += [(a, "justification") for a in catalog["accepted_findings"]]
    for entry in catalog["history"]:
        fields += [(entry, "summary"), (entry, "why")]
    for holder, key in fields:
        holder[key] = f"{holder.get(key) or 'Text'} {attack}"
    return len(fields)


def test_jinja_and_html_in_every_catalog_field_show_up_escaped(project_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "jinja-ran-a-shell-command"
    catalog_file = project_copy / "policies" / "catalog.yaml"
    catalog = yaml.safe_load(catalog_file.read_text())
    assert _poison(catalog, _attack(marker)) > 50
    catalog_file.write_text(yaml.safe_dump(catalog, sort_keys=False, allow_unicode=True))
    site_copy(project_copy)

    result = build(project_copy)

    assert result.returncode == 0, result.stderr[-3000:]
    assert not marker.exists()
    pages = {p: p.read_text() for p in (project_copy / "site").rglob("*.html")}
    for path, html in pages.items():
        assert "1337" not in html, path  # 7*191: Jinja did not evaluate catalog text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert 'href="javascript:' not in html, path
        assert "onclick=" not in html.replace("onclick=alert(4)", ""), path  # only shown as text, never an attribute
    engine = pages[project_copy / "site" / "reference" / "policies" / "ai-unlimited-engine" / "index.html"]
    assert "&#123;&#123; 7&#42;191 &#125;&#125;" in engine  # the title, shown as typed
    assert "&#60;script&#62;alert(1)&#60;/script&#62;" in engine
    assert "&#60;img src=x onerror=alert(2)&#62;" in engine
    assert "&#91;click&#93;(javascript:alert(3))" in engine  # shown as "[click](javascript:alert(3))"
    # catalog text is never Markdown either (round 3): shown as "**bold**{ onclick=alert(4) }"
    assert "&#42;&#42;bold&#42;&#42;&#123; onclick=alert(4) &#125;" in engine
    changelog = pages[project_copy / "site" / "reference" / "permissions-changelog" / "index.html"]
    assert "&#60;script&#62;alert(1)&#60;/script&#62;" in changelog
    search = (project_copy / "site" / "search" / "search_index.json").read_text()  # shown as HTML by the search
    assert "<script>alert" not in search and "&lt;script&gt;alert(1)" in search
