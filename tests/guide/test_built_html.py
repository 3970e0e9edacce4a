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


@pytest.fixture(scope="module")
def writers_pages(built_writers_site: Path) -> dict[str, BeautifulSoup]:
    return _pages(built_writers_site)


AUDIENCE_FOLDERS = ("writers", "release")  # docs/ folders that only the writers' site has


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
    arn = '"arn:<PARTITION>:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:compute-engine/*"'
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


def _nav(soup: BeautifulSoup) -> set[str]:
    return {(Path("/") / a["href"]).resolve().as_posix().strip("/")
            for a in soup.select("nav.md-nav--primary a.md-nav__link[href]") if not a["href"].startswith("#")}


def _docs_pages(root: Path, project) -> set[str]:
    expected = set()
    for md in (root / "docs").rglob("*.md"):
        rel = md.relative_to(root / "docs").with_suffix("")
        expected.add("" if rel.name == "index" and rel.parent == Path(".") else
                     rel.parent.as_posix() if rel.name == "index" else rel.as_posix())
    return expected | {f"reference/policies/{f.name.removesuffix('.json')}" for f in project.files}


def test_every_customer_page_is_in_the_customer_navigation_and_nothing_else(pages, root, project):
    expected = {p for p in _docs_pages(root, project) if p.split("/")[0] not in AUDIENCE_FOLDERS}
    assert _nav(pages["index.html"]) == expected
    assert not any(path.split("/")[0] in AUDIENCE_FOLDERS for path in pages)


def test_every_page_is_in_the_writers_navigation(writers_pages, root, project):
    expected = _docs_pages(root, project)
    assert {p for p in expected if p.startswith(("writers", "release"))}, "the writers' site has its own pages"
    assert expected - _nav(writers_pages["index.html"]) == set()


def test_customer_search_index_holds_no_writers_or_release_page(built_site, built_writers_site):
    index = json.loads((built_site / "search" / "search_index.json").read_text())
    locations = {d["location"].split("#")[0] for d in index["docs"]}
    assert "guide/check-an-existing-role/" in locations
    assert not any(loc.startswith(("writers/", "release/")) for loc in locations)
    writers = json.loads((built_writers_site / "search" / "search_index.json").read_text())
    assert "writers/lint-rules/" in {d["location"].split("#")[0] for d in writers["docs"]}


def test_pages_without_render_macros_keep_other_tools_syntax(writers_pages):
    text = writers_pages["writers/index.html"].get_text()
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


def test_lint_rule_reference_lists_every_rule(writers_pages):
    from iamdocs.lint import discover_rules

    page = writers_pages["writers/lint-rules/index.html"]
    for rule in discover_rules():
        assert page.find(id=rule.id.lower()) is not None, rule.id


def test_every_dated_version_is_published_byte_identical_to_the_replay(built_site, project):
    from iamdocs import iamdb
    from iamdocs.history import versions

    published = 0
    for date, files in versions(project, iamdb.load()).items():
        for now, (then, text) in files.items():
            for name in {now, then}:
                assert (built_site / "policies" / date / name).read_bytes() == text.encode(), f"{date}/{name}"
            published += 1
    assert published == 8 * 4  # eight dates in the catalog's history, four policies on each


def _actions(site: Path, date: str, name: str) -> list[str]:
    doc = json.loads((site / "policies" / date / name).read_text())
    return [a for st in doc["Statement"] for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])]


# Expected values from the facts file's table "What changed when" (dates on main), counted by hand.
def test_dated_versions_read_against_the_product_history(built_site, project):
    first = _actions(built_site, "2023-11-14", "ai-unlimited-workspaces.json")
    assert len(first) == 56
    assert len(_actions(built_site, "2023-11-14", "ai-unlimited-without-iam-role-permissions.json")) == 53
    assert "iam:CreateRole" in first and "ec2:DescribeAvailabilityZones" not in first
    feb = _actions(built_site, "2024-02-27", "ai-unlimited-workspaces.json")
    assert len(feb) == 58
    assert "ec2:DescribeVpcAttribute" in feb and "ec2:DescribeManagedPrefixLists" not in feb
    may = _actions(built_site, "2024-05-14", "ai-unlimited-workspaces.json")
    assert len(may) == 61 and {"ec2:DescribeManagedPrefixLists", "ec2:DeleteTags"} <= set(may)
    assert "cloudformation:CreateStack" not in may
    assert len(_actions(built_site, "2024-06-26", "ai-unlimited-workspaces.json")) == 92
    sep = _actions(built_site, "2024-09-19", "ai-unlimited-without-iam-role-permissions.json")
    assert len(sep) == 90 and "s3:DeleteObject" in sep and "ec2:AssociateAddress" not in sep
    dec = _actions(built_site, "2024-12-10", "ai-unlimited-workspaces.json")
    assert len(dec) == 96 and "ec2:AssociateAddress" in dec and "route53:GetChange" not in dec
    assert _actions(built_site, "2023-11-14", "ai-unlimited-engine.json") == ["secretsmanager:GetSecretValue"]
    assert len(_actions(built_site, "2023-11-14", "session-manager.json")) == 23
    # The latest date is today's files, byte for byte.
    for f in project.files:
        assert (built_site / "policies" / "2025-04-03" / f.name).read_bytes() == f.raw, f.name
