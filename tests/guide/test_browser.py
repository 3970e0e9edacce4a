"""The built guide in Debian's Chromium, driven by Playwright, served on 127.0.0.1.

Never `playwright install`: the browser is /usr/bin/chromium (CI installs it in .ci/run).
Screenshots of the main pages, light and dark, go to reports/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import json
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
SHOTS = ROOT / "reports" / "screenshots"
GUIDE = "guide/create-an-iam-role-and-policies/"
MAIN_PAGES = {
    "overview": "",
    "create-role": GUIDE,
    "policy-workspaces": "reference/policies/ai-unlimited-workspaces/",
    "policy-engine": "reference/policies/ai-unlimited-engine/",
    "changelog": "reference/permissions-changelog/",
    "lint-rules": "writers/lint-rules/",
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def base_url(built_site: Path) -> Iterator[str]:
    """The built site over HTTP on a free port of 127.0.0.1, for this worker."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


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
    filled = engine_source.replace("<REGION>", "eu-west-1").replace("<ACCOUNT_ID>", "123456789012")
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
    assert any("--policy-arn arn:aws:iam::123456789012:policy/ai-unlimited-engine" in c for c in codes)

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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_the_main_pages(browser, base_url, scheme):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    watch = Watch(page, base_url)
    for name, path in MAIN_PAGES.items():
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
        if name == "overview":
            page.locator("article div.mermaid").wait_for(timeout=15_000)
        body = page.locator("body")
        expected = "slate" if scheme == "dark" else "default"
        assert body.get_attribute("data-md-color-scheme") == expected
        page.screenshot(path=str(SHOTS / f"{name}-{scheme}.png"))
    context.close()
    assert watch.errors == []
    assert watch.outside == []
    assert len(list(SHOTS.glob(f"*-{scheme}.png"))) >= len(MAIN_PAGES)

