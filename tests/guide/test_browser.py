"""The built guide in Debian's Chromium, driven by Playwright, served on 127.0.0.1.

Never `playwright install`: the browser is /usr/bin/chromium (CI installs it in .ci/run).
Screenshots of every customer page at 390 px and 1280 px go to build/screenshots/ (not committed).
axe-core (pinned in the Makefile, fetched by `make test`) checks every page for WCAG 2.1 A/AA violations.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
AXE = ROOT / "build" / "npm" / "axe-core-4.14.1" / "axe.min.js"  # Makefile AXE_VERSION
GUIDE = "guide/create-an-iam-role-and-policies/"
CHECK = "guide/check-an-existing-role/"
SINCE = "guide/what-changed-since-my-install/"
TROUBLE = "guide/troubleshooting/"
# Every page of the customers' guide, written out: a page that goes missing fails the tests.
CUSTOMER_PAGES = {
    "overview": "",
    "create-role": GUIDE,
    "check-role": CHECK,
    "guardrails": "guide/guardrails-that-block-ai-unlimited/",
    "what-changed": SINCE,
    "troubleshooting": TROUBLE,
    "reference": "reference/",
    "changelog": "reference/permissions-changelog/",
    "policy-workspaces": "reference/policies/ai-unlimited-workspaces/",
    "policy-without-iam": "reference/policies/ai-unlimited-without-iam-role-permissions/",
    "policy-engine": "reference/policies/ai-unlimited-engine/",
    "policy-session-manager": "reference/policies/session-manager/",
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(site: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def base_url(built_site: Path) -> Iterator[str]:
    """The customers' guide over HTTP on a free port of 127.0.0.1, for this worker."""
    yield from _serve(built_site)


@pytest.fixture(scope="session")
def writers_base_url(built_writers_site: Path) -> Iterator[str]:
    """The writers' site over HTTP on a free port of 127.0.0.1, for this worker."""
    yield from _serve(built_writers_site)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


class Watch:
    """Console errors, page errors and any request that leaves 127.0.0.1."""

    def __init__(self, page, base_url: str) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.outside: list[str] = []
        host = urlsplit(base_url).netloc
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

        def on_request(r) -> None:
            self.requests.append(r.url)
            if urlsplit(r.url).scheme in ("http", "https") and urlsplit(r.url).netloc != host:
                self.outside.append(r.url)

        page.on("request", on_request)


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light",
                                  accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    pg = context.new_page()
    pg.watch = Watch(pg, base_url)
    yield pg
    errors, outside = pg.watch.errors, pg.watch.outside
    context.close()
    assert errors == [], "errors in the browser console"
    assert outside == [], "requests left 127.0.0.1"


def _code_text(block) -> str:
    return block.locator("code").inner_text()


def _block(page, title: str):
    return page.locator("div.highlight", has=page.locator("span.filename", has_text=title)).first


def test_policy_block_and_its_copy_button(page, base_url, project):
    page.goto(base_url + "reference/policies/session-manager/")
    block = _block(page, "session-manager.json")
    source = project.policy("session-manager.json").text
    assert _code_text(block).rstrip("\n") == source.rstrip("\n")
    block.hover()
    block.locator("button[data-clipboard-target]").click()
    assert page.evaluate("navigator.clipboard.readText()") == source.rstrip("\n")


def _fill(page, region: str, account: str) -> None:
    form = page.locator("[data-iamdocs-fill] form")
    form.locator("select[name=REGION]").select_option(region)
    form.locator("input[name=ACCOUNT_ID]").fill(account)
    form.locator("button[type=submit]").click()


def test_invalid_account_id_is_refused(page, base_url):
    page.goto(base_url + GUIDE)
    _fill(page, "eu-west-1", "12345")
    message = page.locator(".iamdocs-fill__message")
    assert message.get_attribute("data-kind") == "error"
    assert "Account ID must look like 123456789012" in message.inner_text()
    assert page.locator("input[name=ACCOUNT_ID]").get_attribute("aria-invalid") == "true"
    assert "<ACCOUNT_ID>" in _code_text(_block(page, "ai-unlimited-engine.json"))
    assert page.evaluate("localStorage.getItem('iamdocs.fill.v1')") is None


def test_fill_in_form_fills_code_copy_and_downloads_then_resets(page, base_url, project):
    page.goto(base_url + GUIDE)
    engine_source = project.policy("ai-unlimited-engine.json").text
    filled = (engine_source.replace("<REGION>", "eu-west-1").replace("<ACCOUNT_ID>", "123456789012")
              .replace("<PARTITION>", "aws"))  # the partition follows from the Region
    page.wait_for_load_state("networkidle")
    engine_link = "a.iamdocs-download[download='ai-unlimited-engine.json']"
    original_href = page.locator(engine_link).first.get_attribute("href")
    assert original_href.endswith("/policies/ai-unlimited-engine.json")
    before = len(page.watch.requests)
    _fill(page, "eu-west-1", "123456789012")
    assert page.watch.requests[before:] == [], "filling in must not make requests"

    block = _block(page, "ai-unlimited-engine.json")
    assert _code_text(block).rstrip("\n") == filled.rstrip("\n")
    codes = page.locator("article pre > code").all_inner_texts()
    assert not any("<ACCOUNT_ID>" in c or "<REGION>" in c for c in codes)
    assert any("\nACCOUNT_ID=123456789012\n" in c for c in codes)
    assert any("\nREGION=eu-west-1\n" in c for c in codes)

    block.hover()
    block.locator("button[data-clipboard-target]").click()
    assert page.evaluate("navigator.clipboard.readText()") == filled.rstrip("\n")

    link = page.locator(engine_link).first
    assert link.get_attribute("href").startswith("blob:")
    with page.expect_download() as info:
        link.click()
    assert Path(info.value.path()).read_text() == filled
    unfilled = page.locator("a.iamdocs-download[download='session-manager.json']").first
    assert not unfilled.get_attribute("href").startswith("blob:")

    # Remembered in this browser: a reload fills the page again.
    page.reload()
    assert "eu-west-1" in _code_text(_block(page, "ai-unlimited-engine.json"))
    assert page.locator("input[name=ACCOUNT_ID]").input_value() == "123456789012"
    assert json.loads(page.evaluate("localStorage.getItem('iamdocs.fill.v1')")) == {
        "REGION": "eu-west-1", "ACCOUNT_ID": "123456789012"}

    # A page without the form still fills its downloads with the saved values.
    page.goto(base_url)
    overview_link = page.locator(engine_link).first
    assert overview_link.get_attribute("href").startswith("blob:")
    with page.expect_download() as info:
        overview_link.click()
    assert Path(info.value.path()).read_text() == filled
    page.goto(base_url + GUIDE)

    page.locator("[data-iamdocs-fill] [data-action=reset]").click()
    assert _code_text(_block(page, "ai-unlimited-engine.json")) == engine_source
    assert page.locator(engine_link).first.get_attribute("href") == original_href
    assert page.evaluate("localStorage.getItem('iamdocs.fill.v1')") is None


def test_form_only_on_pages_with_placeholders_and_after_instant_navigation(page, base_url):
    page.goto(base_url + "reference/permissions-changelog/")
    assert page.locator("[data-iamdocs-fill]").count() == 0
    page.goto(base_url)  # offers the engine policy for download, shows no placeholder in code
    assert page.locator("a.iamdocs-download[download='ai-unlimited-engine.json']").count() > 0
    assert page.locator("[data-iamdocs-fill]").count() == 0
    page.goto(base_url + "reference/permissions-changelog/")
    page.locator("article a[href$='ai-unlimited-engine/']").first.click()
    page.wait_for_url("**/reference/policies/ai-unlimited-engine/")
    page.locator("[data-iamdocs-fill]").wait_for()
    assert page.evaluate("document.readyState") == "complete"


def test_tabs_switch_together_across_the_page(page, base_url):
    page.goto(base_url + GUIDE)
    sets = page.locator("div.tabbed-set")
    first_cli = sets.nth(0).locator(".tabbed-labels label", has_text="AWS CLI")
    first_cli.click()
    for i in range(sets.count()):
        block = sets.nth(i).locator(".tabbed-block").nth(1)
        assert block.is_visible(), f"tab set {i} did not follow"
        assert not sets.nth(i).locator(".tabbed-block").nth(0).is_visible()
    assert "aws iam create-role" in sets.nth(0).locator(".tabbed-block").nth(1).inner_text()


def test_search_finds_an_action_name(page, base_url):
    page.goto(base_url)
    search = page.locator("input.md-search__input")
    search.click()
    # Material says "Initializing search" until its worker has built the index.
    page.wait_for_function("!document.querySelector('.md-search-result__meta').textContent.includes('Initializing')")
    search.press_sequentially("DescribeManagedPrefixLists")  # Material searches on key events
    result = page.locator(".md-search-result__item a[href*='ai-unlimited-workspaces']").first
    result.wait_for(state="attached", timeout=10_000)
    assert "DescribeManagedPrefixLists" in page.locator(".md-search-result").inner_text()


def test_the_diagram_renders_from_the_vendored_mermaid(page, base_url):
    page.goto(base_url)
    page.locator("article div.mermaid").wait_for(timeout=15_000)
    assert page.locator("article pre.mermaid").count() == 0
    assert any(u.endswith("/javascripts/vendor/mermaid.min.js") for u in page.watch.requests)


def test_every_customer_page_is_listed(built_site):
    pages = {str(p.parent.relative_to(built_site)) for p in built_site.rglob("index.html")}
    listed = {path.rstrip("/") or "." for path in CUSTOMER_PAGES.values()}
    assert pages == listed


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", list(CUSTOMER_PAGES))
def test_screenshot_of_each_customer_page(browser, base_url, name, width):
    """One test per page and width, so that the test workers share them."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme="light")
    page = context.new_page()
    watch = Watch(page, base_url)
    page.goto(base_url + CUSTOMER_PAGES[name])
    page.wait_for_load_state("load")
    if name == "overview":
        page.locator("article div.mermaid").wait_for(timeout=15_000)
    shot = SHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000
    # Nothing wider than the screen: the page never scrolls sideways (wide tables and code scroll inside).
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    context.close()
    assert watch.errors == []
    assert watch.outside == []


def _axe(browser, base_url: str, scheme: str, pages: dict[str, str]) -> dict[str, list[str]]:
    assert AXE.is_file(), "run `make test` (or make build/npm/axe-core-4.14.1/axe.min.js) to fetch axe-core"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    found = {}
    for name, path in pages.items():
        page.goto(base_url + path)
        page.wait_for_load_state("load")
        if name == "overview":
            page.locator("article div.mermaid").wait_for(timeout=15_000)
        expected = "slate" if scheme == "dark" else "default"
        assert page.locator("body").get_attribute("data-md-color-scheme") == expected
        page.add_script_tag(path=str(AXE))
        # resultTypes: only violations are detailed (half of axe's time goes to describing what passed)
        result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
        violations = [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
                      for v in result["violations"]]
        if violations:
            found[name] = violations
    context.close()
    return found


# What a page is made of, as far as the theme's colours go: each element's tag, each of its classes, the state
# attributes the stylesheets select on, and the parent it sits in (`td > code` is coloured unlike `p > code`).
STYLE_FEATURES = """() => {
    const out = new Set();
    for (const el of document.querySelectorAll('body *')) {
        const tag = el.tagName.toLowerCase();
        out.add(tag);
        out.add((el.parentElement ? el.parentElement.tagName.toLowerCase() : '') + ' > ' + tag);
        for (const c of el.classList) out.add(tag + '.' + c);
        for (const a of ['type', 'role', 'data-kind']) {
            if (el.hasAttribute(a)) out.add(tag + '[' + a + '=' + el.getAttribute(a) + ']');
        }
    }
    return [...out];
}"""


def _pages_whose_styles_differ(browser, base_url: str, pages: dict[str, str]) -> dict[str, str]:
    """The fewest pages (chosen greedily, in the order given) that together show every style feature any page shows.

    The dark theme (Material's slate) changes colours only: the same elements, classes and layout, other colour
    values. What axe can find only in the dark theme is therefore a colour pair (contrast, a link told apart from
    its text by colour alone) of some kind of element, and each kind needs checking once, on a page that has it.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    page = context.new_page()
    features = {}
    for name, path in pages.items():
        page.goto(base_url + path)
        page.wait_for_load_state("load")
        features[name] = set(page.evaluate(STYLE_FEATURES))
    context.close()
    missing = set().union(*features.values())
    chosen: dict[str, str] = {}
    while missing:
        best = max(features, key=lambda n: len(features[n] & missing))  # the first of equals, in the order given
        chosen[best] = pages[best]
        missing -= features[best]
    return chosen


# Every page is checked in the light theme. In the dark theme, only the pages whose elements differ in styles:
# a page made of nothing but kinds of element that another checked page has (the four policy pages, say, which
# differ in their code, not in its styles) adds no colour pair to check. The pages are chosen from what the
# built pages hold, so a new page, or a new kind of element on one, is checked in the dark theme too.
@pytest.mark.parametrize("name", list(CUSTOMER_PAGES))
def test_axe_finds_no_wcag_violation(browser, base_url, name):
    assert _axe(browser, base_url, "light", {name: CUSTOMER_PAGES[name]}) == {}


def test_axe_finds_no_wcag_violation_in_the_dark_theme_where_styles_differ(browser, base_url):
    pages = _pages_whose_styles_differ(browser, base_url, CUSTOMER_PAGES)
    assert {"overview", "create-role", "check-role"} <= set(pages)  # the diagram, the fill-in form, the role check
    assert _axe(browser, base_url, "dark", pages) == {}


def _writers_pages(built_writers_site: Path) -> dict[str, str]:
    found = (p.parent.relative_to(built_writers_site).as_posix() for p in built_writers_site.rglob("index.html"))
    pages = {rel: rel + "/" for rel in sorted(found) if rel.split("/")[0] in ("writers", "release")}
    assert "writers/lint-rules" in pages and "release/deploy-to-a-sandbox" in pages
    return pages


def test_axe_finds_no_wcag_violation_in_the_writers_site(browser, writers_base_url, built_writers_site):
    assert _axe(browser, writers_base_url, "light", _writers_pages(built_writers_site)) == {}


def test_axe_finds_no_wcag_violation_in_the_writers_site_dark_where_styles_differ(browser, writers_base_url,
                                                                                  built_writers_site):
    pages = _pages_whose_styles_differ(browser, writers_base_url, _writers_pages(built_writers_site))
    assert "writers/lint-rules" in pages  # its table of rules
    assert _axe(browser, writers_base_url, "dark", pages) == {}


def test_the_diagram_is_readable_on_a_phone(browser, base_url):
    """Material draws the diagram in a closed shadow root: its box is what the test can measure.

    Left to right, it was 358 x 61 px at this width, too small to read; top to bottom it is tall.
    """
    sizes = {}
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 844}, color_scheme="light")
        page = context.new_page()
        page.goto(base_url)
        host = page.locator("article div.mermaid")
        host.wait_for(timeout=15_000)
        page.wait_for_function("document.querySelector('article div.mermaid').getBoundingClientRect().height > 0")
        sizes[width] = host.bounding_box()
        context.close()
    assert sizes[390]["width"] <= 390
    assert sizes[390]["height"] > 300
    assert sizes[390]["height"] > sizes[390]["width"], "laid out top to bottom on a phone"
    assert sizes[1280]["width"] > sizes[1280]["height"], "left to right on a desktop"


def _search(page, words: str):
    search = page.locator("input.md-search__input")
    search.click()
    page.wait_for_function("!document.querySelector('.md-search-result__meta').textContent.includes('Initializing')")
    search.press_sequentially(words)
    first = page.locator(".md-search-result__item a").first
    first.wait_for(state="attached", timeout=10_000)
    return first


def test_search_for_passrole_finds_a_customer_page_first(page, base_url):
    page.goto(base_url)
    href = _search(page, "PassRole").get_attribute("href")
    path = urlsplit(href).path
    assert "/writers/" not in path and "/release/" not in path
    assert path.startswith("/guide/") or path.startswith("/reference/")


def _case_texts(project):
    from rolecheck_cases import load_cases, paste_text

    return [(c, paste_text(c, project)) for c in load_cases()]


def test_shared_role_check_cases_in_chromium(page, base_url, project):
    from rolecheck_cases import outcome

    page.goto(base_url + CHECK)
    page.wait_for_function("window.iamdocsRoleCheck !== undefined")
    failures = []
    for case, text in _case_texts(project):
        result = page.evaluate("([t, r, o, a, g]) => window.iamdocsRoleCheck.check(t, r, o, a, g)",
                               [text, case["role"], case["option"], case["as"], case["region"]])
        if outcome(result, case["expect"]) != case["expect"]:
            failures.append((case["name"], result))
    assert failures == []


def test_role_check_form_reads_a_paste_and_shows_text_not_html(page, base_url, project):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base_url + CHECK)
    page.locator("#iamdocs-check-paste").wait_for()
    before = len(page.watch.requests)
    case = next(c for c in _case_texts(project) if c[0]["name"] == "hostile role name is shown as text")
    page.locator("#iamdocs-check-paste").fill(case[1])
    page.locator("#iamdocs-check-role").select_option(case[0]["role"])
    page.locator("#iamdocs-check-option").select_option("engine-a")
    page.locator("#iamdocs-check-as").select_option("manager")
    page.locator(".iamdocs-check button[type=submit]").click()
    assert "Nothing is missing" in page.locator(".iamdocs-check__result").inner_text()
    assert page.locator("article img[src=x]").count() == 0
    missing = next(c for c in _case_texts(project) if c[0]["name"] == "one action missing")
    page.locator("#iamdocs-check-paste").fill(missing[1])
    page.locator(".iamdocs-check button[type=submit]").click()
    assert page.locator("[data-kind=missing] li").all_inner_texts() == ["ec2:DeleteTags"]
    page.locator("#iamdocs-check-paste").fill("{not json")
    page.locator(".iamdocs-check button[type=submit]").click()
    assert "is not JSON" in page.locator(".iamdocs-check__result").inner_text()
    assert page.watch.requests[before:] == [], "the check sends nothing"
    assert dialogs == []


def test_what_changed_shows_the_chosen_date_and_downloads_that_version(page, base_url, project):
    page.goto(base_url + SINCE)
    page.locator("#iamdocs-since-date").select_option("2024-02-27")
    shown = page.locator("section.iamdocs-since:visible")
    assert shown.count() == 1
    text = shown.inner_text()
    assert "ec2:DescribeManagedPrefixLists" in text and "ec2:DescribeVpcAttribute" not in text
    assert "create-policy-version" in text
    link = shown.locator("a[download='ai-unlimited-workspaces.json']", has_text="2024-02-27").first
    with page.expect_download() as info:
        link.click()
    body = json.loads(Path(info.value.path()).read_text())
    actions = [a for st in body["Statement"] for a in st["Action"]]
    assert len(actions) == 58
    assert "ec2:DescribeVpcAttribute" in actions and "ec2:DescribeManagedPrefixLists" not in actions


PLACEHOLDER = re.compile(r"<[A-Za-z_][A-Za-z0-9_ ]*>")


def test_customer_path_every_cli_block_runs_in_bash_once_filled(page, base_url, tmp_path):
    """As a customer: pick the AWS CLI tab, fill in the form (console-style account ID), copy each block."""
    page.goto(base_url + GUIDE)
    page.locator("div.tabbed-set").first.locator(".tabbed-labels label", has_text="AWS CLI").click()
    form = page.locator("[data-iamdocs-fill] form")
    form.locator("select[name=REGION]").select_option("eu-west-1")
    form.locator("input[name=ACCOUNT_ID]").fill("1234-5678-9012")
    form.locator("input[name=BOUNDARY_POLICY_NAME]").fill("org-boundary")
    form.locator("button[type=submit]").click()
    assert page.locator(".iamdocs-fill__message").get_attribute("data-kind") == "ok"
    copied: list[str] = []
    for tab in ("AWS CLI", "CloudFormation"):
        page.locator("div.tabbed-set").first.locator(".tabbed-labels label", has_text=tab).click()
        blocks = page.locator("article div.highlight")
        for i in range(blocks.count()):
            block = blocks.nth(i)
            if not block.is_visible():
                continue  # in a tab the reader did not pick
            if not re.search(r"^(aws|curl) ", _code_text(block), re.M):
                continue  # a policy document or a table of values, not commands
            block.scroll_into_view_if_needed()
            block.hover()
            block.locator("button[data-clipboard-target]").click()
            copied.append(page.evaluate("navigator.clipboard.readText()"))
    assert len(copied) >= 15  # 11 with the AWS CLI tab; the troubleshooting and upgrade blocks again, and 4 stacks
    for n, text in enumerate(copied):
        assert not PLACEHOLDER.search(text), text
        script = tmp_path / f"block-{n}.sh"
        script.write_text(text + "\n")
        proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=10)
        assert proc.returncode == 0, f"{proc.stderr}\n{text}"
    joined = "\n".join(copied)
    assert "ACCOUNT_ID=123456789012\n" in joined
    assert "REGION=eu-west-1\n" in joined
    assert "BOUNDARY_POLICY_NAME=org-boundary\n" in joined
    assert "aws sts get-caller-identity" not in joined
    assert "aws iam create-policy-version" in joined
    assert "aws cloudformation create-stack" in joined


# --- issue 18: combinations, filled pages, the phone, search --------------------------------------------


def test_role_check_answers_for_every_combination_through_the_form(page, base_url, project):
    """As a reader: paste a role made for a combination, choose the option, tick its additions, pick the role."""
    from rolecheck_cases import COMBINATIONS, combination_cases, paste_text

    page.goto(base_url + CHECK)
    page.locator("#iamdocs-check-paste").wait_for()
    additions = [o.id for o in project.catalog.options.values() if o.combines_with]
    checked = []
    for case in combination_cases():
        options = case["option"].split("+")
        page.locator("#iamdocs-check-paste").fill(paste_text(case, project))
        page.locator("#iamdocs-check-role").select_option(case["role"])
        page.locator("#iamdocs-check-option").select_option(options[0])
        for a in additions:
            box = page.locator(f"#iamdocs-check-add-{a}")
            assert box.is_enabled()  # every addition goes with every option today
            box.set_checked(a in options)
        page.locator("#iamdocs-check-as").select_option(case["as"])
        page.locator("#iamdocs-check-region").fill(case["region"])
        page.locator(".iamdocs-check button[type=submit]").click()
        result = page.locator(".iamdocs-check__result")
        text = result.inner_text()
        assert "Nothing is missing" in text, (case["name"], text)
        counts = [result.locator(f"[data-kind={k}] li").count() for k in ("missing", "denied", "extra")]
        assert counts == [0, 0, 0], (case["name"], text)
        checked.append((case["option"], case["as"]))
    assert len(checked) == sum(len(roles) for roles in COMBINATIONS.values()) == 16
    # The case: option B with Session Manager, answered for that combination
    assert ("engine-b+session-manager", "manager") in checked
    b_sm = next(c for c in combination_cases() if c["option"] == "engine-b+session-manager" and c["as"] == "manager")
    page.locator("#iamdocs-check-paste").fill(paste_text(b_sm, project))
    page.locator("#iamdocs-check-role").select_option(b_sm["role"])
    page.locator("#iamdocs-check-option").select_option("engine-b")
    page.locator("#iamdocs-check-add-session-manager").set_checked(True)
    page.locator("#iamdocs-check-add-permissions-boundary").set_checked(False)
    page.locator("#iamdocs-check-as").select_option("manager")
    page.locator(".iamdocs-check button[type=submit]").click()
    assert "Checked as the manager role of: Engine option B + Session Manager." in page.locator(
        ".iamdocs-check__result").inner_text()
    # the same role checked as option B alone: the Session Manager actions are extra, nothing is missing
    page.locator("#iamdocs-check-add-session-manager").set_checked(False)
    page.locator(".iamdocs-check button[type=submit]").click()
    assert page.locator("[data-kind=missing] li").count() == 0
    assert "ssmmessages:OpenDataChannel" in page.locator("[data-kind=extra] li").all_inner_texts()


FILLED = {"REGION": "us-gov-west-1", "ACCOUNT_ID": "123456789012", "BOUNDARY_POLICY_NAME": "org-boundary"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_after_filling_every_page_with_filled_values(browser, base_url, scheme):
    """The values the form fills in must keep WCAG 2.1 AA contrast on every page that shows them."""
    assert AXE.is_file(), "run `make test` (or make build/npm/axe-core-4.14.1/axe.min.js) to fetch axe-core"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    context.add_init_script(f"localStorage.setItem('iamdocs.fill.v1', {json.dumps(json.dumps(FILLED))})")
    page = context.new_page()
    filled_pages, found = [], {}
    for name, path in CUSTOMER_PAGES.items():
        page.goto(base_url + path)
        page.wait_for_load_state("load")
        if page.locator(".iamdocs-filled").count() == 0:
            continue
        filled_pages.append(name)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
        violations = [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
                      for v in result["violations"]]
        if violations:
            found[name] = violations
    context.close()
    assert {"create-role", "policy-engine", "what-changed"} <= set(filled_pages)
    assert found == {}


def test_filled_for_govcloud_the_partition_follows_the_region(page, base_url, project):
    page.goto(base_url + GUIDE)
    form = page.locator("[data-iamdocs-fill] form")
    assert form.locator("select[name=REGION] option[value=cn-north-1]").count() == 1
    form.locator("select[name=REGION]").select_option("us-gov-west-1")
    form.locator("input[name=ACCOUNT_ID]").fill("123456789012")
    form.locator("input[name=BOUNDARY_POLICY_NAME]").fill("org-boundary")
    form.locator("button[type=submit]").click()
    message = page.locator(".iamdocs-fill__message").inner_text()
    assert "account 123456789012" in message and "us-gov-west-1 (partition aws-us-gov)" in message
    engine = _code_text(_block(page, "ai-unlimited-engine.json"))
    assert '"arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:compute-engine/*"' in engine
    codes = "\n".join(page.locator("article pre > code").all_inner_texts())
    assert "\nPARTITION=aws-us-gov\n" in codes and "<PARTITION>" not in codes
    # the CloudFormation tab's parameter file: the boundary's ARN built from the name, account and partition
    link = page.locator("a[href^='blob:'][download='ai-unlimited-iam-parameters.json']").first
    with page.expect_download() as info:
        link.click()
    body = json.loads(Path(info.value.path()).read_text())
    assert {"ParameterKey": "IamPermissionsBoundary",
            "ParameterValue": "arn:aws-us-gov:iam::123456789012:policy/org-boundary"} in body


def test_the_decision_table_stacks_on_a_phone(browser, base_url):
    """At 390 px: no sideways scrolling, each cell labelled, file names broken only after a hyphen or dot."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="light")
    page = context.new_page()
    for path in ("", GUIDE):
        page.goto(base_url + path)
        table = page.locator("table.iamdocs-decision")
        table.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        wrap = page.locator(".iamdocs-stacked-wrap").first
        assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth"), "the table scrolls sideways"
        label = table.locator("td .iamdocs-stacked__label").first
        assert label.is_visible() and label.inner_text() == "Choose"  # each cell says which column it is
        breaks = table.evaluate("""t => {
            const out = [];
            for (const code of t.querySelectorAll('td code')) {
              const node = code.firstChild, text = node.textContent, range = document.createRange();
              let top = null;
              for (let i = 0; i < text.length; i++) {
                range.setStart(node, i); range.setEnd(node, i + 1);
                const r = range.getClientRects()[0];
                if (top !== null && r.top > top + 2) out.push(text.slice(0, i) + '|' + text.slice(i));
                top = r.top;
              }
            }
            return out;
        }""")
        assert all(b.split("|")[0][-1] in "-./_" for b in breaks), breaks
    context.close()


@pytest.mark.parametrize("words", [
    "is not authorized to perform: iam:PassRole",
    "EntityAlreadyExists",
    "NoSuchEntity",
    "Requires capabilities : [CAPABILITY_IAM]",
])
def test_search_for_a_pasted_error_lands_on_troubleshooting(page, base_url, words):
    page.goto(base_url)
    href = _search(page, words).get_attribute("href")
    assert urlsplit(href).path.rstrip("/").endswith("/guide/troubleshooting"), href


OPEN_SHADOW = ("const attach = Element.prototype.attachShadow; Element.prototype.attachShadow = "
               "function (o) { return attach.call(this, Object.assign({}, o, {mode: 'open'})); };")


def test_the_diagram_labels_are_readable_on_a_desktop(browser, base_url):
    """The labels' size as drawn: the SVG's font size times its scale (drawn width / viewBox width), 12 px or more.

    Material draws in a closed shadow root; the test opens it so that it can read the SVG.
    """
    sizes = {}
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme="light")
        page = context.new_page()
        page.add_init_script(OPEN_SHADOW)
        page.goto(base_url)
        page.wait_for_function("(() => { const h = document.querySelector('article div.mermaid');"
                               " return h && h.shadowRoot && h.shadowRoot.querySelector('svg .nodeLabel'); })()")
        sizes[width] = page.evaluate("""() => {
            const svg = document.querySelector('article div.mermaid').shadowRoot.querySelector('svg');
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return Math.min(...[...svg.querySelectorAll('.nodeLabel, .edgeLabel')]
              .map(e => parseFloat(getComputedStyle(e).fontSize) * scale));
        }""")
        context.close()
    assert sizes[1280] >= 12, sizes
    assert sizes[390] >= 12, sizes


# The guardrail check (docs/javascripts/guardrail-check.js): the shared cases (tests/cases/preflight.json), the
# same answers as `iamdocs preflight`, the same verdicts as the Python evaluator on the differential tests'
# 10,000 generated requests, and a form that shows pasted text as text and sends nothing.

def browser_input(case: dict) -> dict:
    """What the reader enters for a case: each level's policies pasted as JSON text."""
    return {"options": case["options"], "region": case["region"], "account": case["account"],
            "roleNames": case.get("role_names", {}),
            "scps": [json.dumps(level, indent=2) for level in case["scps"]],
            "rcps": [json.dumps(level, indent=2) for level in case["rcps"]],
            "boundary": json.dumps(case["boundary"]) if case["boundary"] else None}


def findings(result: dict) -> set[tuple]:
    """The findings without their places (the CLI names files and lines, the page names the pasted boxes)."""
    out = set()
    for kind in ("blocked", "conditional"):
        for f in result[kind]:
            out.add((kind, f["action"], f["statement"], f.get("reason") or f.get("key"), f["role"], f["resource"],
                     f["policy"], f["policy_statement"], f["breaks"], f["part"], f["level"]))
    return out


def check_page(page, base_url):
    page.goto(base_url + CHECK)
    page.wait_for_function("window.iamdocsGuardrailCheck !== undefined")
    return page


def test_shared_guardrail_cases_in_chromium_answer_as_the_cli(page, base_url, cli, tmp_path):
    from preflight_cases import cli_args, load_cases, outcome

    check_page(page, base_url)
    cases = load_cases()
    failures = []
    for case in cases:
        result = page.evaluate("text => window.iamdocsGuardrailCheck.check(JSON.parse(text))",
                               json.dumps(browser_input(case)))
        folder = tmp_path / str(cases.index(case))
        folder.mkdir()
        cli_result = json.loads(cli(*cli_args(case, folder)).stdout)
        if outcome(result, case["expect"]) != case["expect"] or findings(result) != findings(cli_result):
            failures.append((case["name"], outcome(result, case["expect"]), findings(result) ^ findings(cli_result)))
    assert failures == []


def test_the_browser_evaluator_decides_the_differential_requests_as_python(page, base_url):
    from oracle.generate import operator_requests, requests
    from oracle.test_differential import COUNT, SEED, python_verdict

    check_page(page, base_url)
    reqs = requests(COUNT, SEED) + operator_requests(SEED, 40)
    different = []
    for start in range(0, len(reqs), 2000):
        batch = reqs[start:start + 2000]
        # as one JSON string: Playwright's copy of nested objects is slower than the evaluation itself
        verdicts = page.evaluate("text => window.iamdocsGuardrailCheck.decideRequests(JSON.parse(text))",
                                 json.dumps(batch))
        different += [(r, v) for r, v in zip(batch, verdicts, strict=True) if v != python_verdict(r)]
    assert different == []


HOSTILE_SID = '<img src=x onerror="document.title=1">'


def test_the_form_shows_findings_as_text_and_sends_nothing(page, base_url):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    check_page(page, base_url)
    page.locator("#iamdocs-guardrails-scp-1").wait_for()
    before = len(page.watch.requests)
    # as the organizations commands give it: the level's list, and the describe-policy output of its own policy
    deny = {"Version": "2012-10-17", "Statement": [{"Sid": HOSTILE_SID, "Effect": "Deny", "Action": "iam:CreateRole",
                                                    "Resource": "*"}]}
    level = [{"Policies": [{"Id": "p-FullAWSAccess", "Name": "FullAWSAccess", "AwsManaged": True},
                           {"Id": "p-noroles1", "Name": "NoRoles", "AwsManaged": False}]},
             {"Policy": {"PolicySummary": {"Id": "p-noroles1", "Name": "NoRoles"}, "Content": json.dumps(deny)}}]
    page.locator("#iamdocs-guardrails-scp-1").fill(json.dumps(level))
    page.locator("#iamdocs-guardrails-region").fill("eu-west-1")
    page.locator(".iamdocs-guardrails button[type=submit]").click()
    result = page.locator(".iamdocs-guardrails__result")
    assert "1 of 99 actions blocked, 0 conditional." in result.inner_text()
    assert page.locator(".iamdocs-guardrail-check [data-kind=blocked] li").all_inner_texts() == [
        f"iam:CreateRole (Manager role): statement {HOSTILE_SID} of SCP level 1, policy 2: an explicit Deny in SCP "
        "level 1.\nNeeded to: Create, tag, inspect and delete the engine's IAM role and its inline policy, and pass "
        "the role to the engine's instances."]
    assert page.locator("article img[src=x]").count() == 0
    # option B with a second level that has no Allow: everything is blocked by that level
    page.locator(".iamdocs-guardrails input[value=engine-a]").uncheck()
    page.locator(".iamdocs-guardrails input[value=engine-b]").check()
    page.locator(".iamdocs-guardrails__more").click()
    page.locator("#iamdocs-guardrails-scp-2").fill(json.dumps({"Statement": [
        {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}))
    page.locator(".iamdocs-guardrails button[type=submit]").click()
    assert "96 of 96 actions blocked" in result.inner_text()
    page.locator("#iamdocs-guardrails-scp-2").fill("{not json")
    page.locator(".iamdocs-guardrails button[type=submit]").click()
    assert result.inner_text() == "SCP level 2: not JSON: paste the policy or the command's whole output"
    assert page.watch.requests[before:] == [], "the check sends nothing"
    assert dialogs == [] and page.title() != "1"
