"""The real guide, built once with `mkdocs build --strict`, read back as HTML with BeautifulSoup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from iamdocs.cfn import template_yaml


def _pages(site: Path) -> dict[str, BeautifulSoup]:
    return {str(p.relative_to(site)): BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
            for p in site.rglob("index.html") if p.parent.name != "404"}


@pytest.fixture(scope="module")
def pages(built_site: Path) -> dict[str, BeautifulSoup]:
    return _pages(built_site)


def _titled_blocks(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(title, code text) of every code block that has a title."""
    out = []
    for block in soup.select("div.highlight"):
        title = block.select_one("span.filename")
        if title is not None:
            out.append((title.get_text(), block.select_one("code").get_text()))
    return out


def test_every_policy_code_block_equals_its_file(pages, project):
    sources = {f.name: f.text for f in project.files}
    checked = 0
    for path, soup in pages.items():
        for title, text in _titled_blocks(soup):
            if title in sources:
                assert text == sources[title], f"{path}: the block titled {title} differs from policies/{title}"
                checked += 1
    assert checked >= len(sources)


def test_placeholders_are_intact_in_the_html(pages):
    engine = pages["reference/policies/ai-unlimited-engine/index.html"]
    blocks = dict(_titled_blocks(engine))
    arn = '"arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:compute-engine/*"'
    assert arn in blocks["ai-unlimited-engine.json"]


def test_every_policy_has_a_generated_page_that_shows_it(pages, project):
    for f in project.files:
        page = pages[f"reference/policies/{f.name.removesuffix('.json')}/index.html"]
        assert (f.name, f.text) in _titled_blocks(page)
        assert page.h1.get_text(strip=True).rstrip("¶") == f.meta.title


def test_every_policy_is_offered_on_the_customer_guide(pages, project):
    guide = pages["guide/create-an-iam-role-and-policies/index.html"]
    offered = {a["download"] for a in guide.select("a.iamdocs-download")}
    assert {f.name for f in project.files} <= offered


def test_downloads_are_byte_identical_also_under_former_names(built_site, project):
    checked = []
    for f in project.files:
        for name in [f.name, *f.meta.former_names]:
            assert (built_site / "policies" / name).read_bytes() == f.raw, name
            checked.append(name)
    assert "workspaces.json" in checked
    assert "workspaces-without-iam-role-permissions.json" in checked
    assert "ai-unlimited-workspaces-without-iam-role-permissions.json" in checked


def test_the_cloudformation_template_and_trust_policies_are_published(built_site, project):
    assert (built_site / "cloudformation" / "ai-unlimited-iam.yaml").read_text() == template_yaml(project)
    trust = json.loads((built_site / "policies" / "trust" / "manager-role-trust-policy.json").read_text())
    assert trust == project.catalog.roles["manager"].trust_policy()


def test_download_links_resolve_to_published_files(built_site, pages):
    for path, soup in pages.items():
        for a in soup.select("a.iamdocs-download"):
            target = (built_site / path).parent / a["href"]
            assert target.resolve().is_file(), f"{path}: {a['href']}"


def test_every_page_is_in_the_navigation(pages, root, project):
    nav = pages["index.html"].select("nav.md-nav--primary a.md-nav__link[href]")
    linked = {(Path("/") / a["href"]).resolve().as_posix().strip("/") for a in nav}
    expected = set()
    for md in (root / "docs").rglob("*.md"):
        rel = md.relative_to(root / "docs").with_suffix("")
        expected.add("" if rel.name == "index" and rel.parent == Path(".") else
                     rel.parent.as_posix() if rel.name == "index" else rel.as_posix())
    expected |= {f"reference/policies/{f.name.removesuffix('.json')}" for f in project.files}
    assert expected - linked == set()


def test_pages_without_render_macros_keep_other_tools_syntax(pages):
    text = pages["writers/index.html"].get_text()
    assert "${{ secrets.TOKEN }}" in text


def test_no_macro_syntax_or_macro_errors_left_in_rendered_pages(pages):
    for path, soup in pages.items():
        text = soup.select_one("article").get_text()
        assert "Macro Rendering Error" not in text, path
        if path != "writers/index.html" and path != "writers/macros/index.html":
            assert "{{" not in text, path


def test_the_guide_has_tabs_for_console_cli_and_cloudformation(pages):
    guide = pages["guide/create-an-iam-role-and-policies/index.html"]
    tab_sets = guide.select("div.tabbed-set")
    labels = [[label.get_text() for label in s.select(".tabbed-labels label")] for s in tab_sets]
    assert labels.count(["AWS console", "AWS CLI", "CloudFormation"]) == 4


def test_the_overview_has_a_mermaid_diagram(pages):
    diagram = pages["index.html"].select_one("pre.mermaid")
    assert diagram is not None and "flowchart" in diagram.get_text()


def test_search_index_knows_action_names(built_site):
    index = json.loads((built_site / "search" / "search_index.json").read_text())
    hits = [d["location"] for d in index["docs"] if "DescribeManagedPrefixLists" in d["text"]]
    assert "reference/policies/ai-unlimited-workspaces/" in {h.split("#")[0] for h in hits}


def test_lint_rule_reference_lists_every_rule(pages):
    from iamdocs.lint import discover_rules

    page = pages["writers/lint-rules/index.html"]
    for rule in discover_rules():
        assert page.find(id=rule.id.lower()) is not None, rule.id
