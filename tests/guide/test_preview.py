"""`make serve` shows the lint findings of the policies and pages in the previewed page; `make site` never does.

The real `mkdocs serve` runs on a free port of 127.0.0.1 against a copy of the guide whose engine policy
hard-codes a Region (E034) and one of whose pages has a pasted policy; the page is read over HTTP.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from guide_copy import MKDOCS, ROOT, build, site_copy

from iamdocs.guide.preview import BANNER_CLASS, banner, with_banner

PASTED = '```json\n{"Version": "2012-10-17", "Statement": []}\n```\n'
ARTICLE = '<article class="md-content__inner md-typeset">'


def test_the_banner_shows_finding_lines_as_text():
    box = banner(['docs/a.md:3: <b>pasted</b> & "quoted"'])
    assert "&lt;b&gt;pasted&lt;/b&gt; &amp; &quot;quoted&quot;" in box and "<b>" not in box
    assert "1 finding in policies/ and the pages (make serve only)" in box
    page = f"<html><body>{ARTICLE}<h1>T</h1></article></body></html>"
    assert with_banner(page, ["x"]).startswith(f"<html><body>{ARTICLE}<div class=\"{BANNER_CLASS}\"")
    assert with_banner(page, []) == page


def _copy(tmp_path: Path) -> Path:
    site_copy(tmp_path)
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    engine = tmp_path / "policies" / "ai-unlimited-engine.json"
    engine.write_text(engine.read_text().replace("<REGION>", "us-east-1"))  # E034
    (tmp_path / "docs" / "pasted.md").write_text("---\nnav_order: 99\n---\n\n# Pasted\n\n" + PASTED)
    return tmp_path


def _free_port() -> int:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def test_make_serve_shows_the_findings_and_a_build_does_not(tmp_path: Path):
    root = _copy(tmp_path)
    port = _free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    serve = subprocess.Popen([str(MKDOCS), "serve", "--dev-addr", f"127.0.0.1:{port}", "--no-livereload"],
                             cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        page, deadline = None, time.monotonic() + 120
        while page is None and time.monotonic() < deadline and serve.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/guide/create-an-iam-role-and-policies/",
                                            timeout=5) as r:
                    page = r.read().decode()
            except OSError:
                time.sleep(0.5)
        assert page is not None, "mkdocs serve did not answer"
    finally:
        serve.terminate()
        try:
            serve.wait(timeout=20)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()
    assert f'<div class="{BANNER_CLASS}"' in page
    box = page[page.index(f'<div class="{BANNER_CLASS}"'):page.index("</div>", page.index(BANNER_CLASS))]
    assert ("policies/ai-unlimited-engine.json:10:19: E034 error: resource "
            "&quot;arn:&lt;PARTITION&gt;:secretsmanager:us-east-1:&lt;ACCOUNT_ID&gt;:secret:compute-engine/*&quot; "
            "hard-codes the Region &quot;us-east-1&quot;") in box
    assert "docs/pasted.md:8: a policy document is pasted here" in box  # a page's finding, the preview goes on
    # the same copy built as make site builds it: each finding stops it, and no page has the banner
    built = build(root)
    assert built.returncode != 0 and "E034" in built.stderr
    shutil.copy(ROOT / "policies" / "ai-unlimited-engine.json", root / "policies")
    built = build(root)
    assert built.returncode != 0 and "docs/pasted.md:8: a policy document is pasted here" in built.stderr
    (root / "docs" / "pasted.md").unlink()
    built = build(root)
    assert built.returncode == 0, built.stderr[-2000:]
    assert not any(BANNER_CLASS in p.read_text() for p in (root / "site").rglob("*.html"))
