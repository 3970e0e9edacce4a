"""`drift --site`: code blocks and downloads of a built site, tampered copies caught."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ENGINE_BLOCK = ("""<div class="highlight"><span class="filename">ai-unlimited-engine.json</span>"""
                """<pre><span></span><code><a id="l1"></a><span class="p">{</span>
<a id="l2"></a>  <span class="nt">"Version"</span>: <span class="s2">"2012-10-17"</span>,
<a id="l3"></a>  <span class="nt">"Statement"</span>: [{
<a id="l4"></a>    "Effect": "Allow",
<a id="l5"></a>    "Action": ["secretsmanager:GetSecretValue"],
<a id="l6"></a>    "Resource": "arn:aws:secretsmanager:&lt;REGION&gt;:&lt;ACCOUNT_ID&gt;:secret:compute-engine/*"
<a id="l7"></a>  }]
<a id="l8"></a>}</code></pre></div>
""")
# Filled in with the catalog's example values: the same grants as the placeholders.
FILLED_BLOCK = """<pre><code class="language-json">{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
 "Action": "secretsmanager:getsecretvalue",
 "Resource": "arn:aws:secretsmanager:us-west-2:123456789012:secret:compute-engine/*"}]}</code></pre>
"""
TRUST_BLOCK = """<pre><code class="language-json">{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
 "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}</code></pre>
"""
INLINE_CODE = "<p>Add <code>\"Statement\"</code> to the document.</p>"


def page(*blocks: str) -> str:
    return "<!doctype html>\n<html><body>\n<article>\n" + "\n".join(blocks) + "</article></body></html>\n"


@pytest.fixture
def site(tmp_path: Path, root: Path) -> Path:
    """A tiny built site: one page with code blocks, downloads under canonical and former names."""
    s = tmp_path / "site"
    (s / "guide").mkdir(parents=True)
    (s / "policies").mkdir()
    (s / "search").mkdir()
    (s / "guide" / "index.html").write_text(page(ENGINE_BLOCK, FILLED_BLOCK, TRUST_BLOCK, INLINE_CODE))
    shutil.copy(root / "policies" / "session-manager.json", s / "policies" / "session-manager.json")
    shutil.copy(root / "policies" / "ai-unlimited-workspaces.json", s / "policies" / "workspaces.json")
    (s / "search" / "search_index.json").write_text(json.dumps({"docs": [{"text": "Statement"}]}))
    return s


def site_report(project, db, site: Path):
    from iamdocs.drift.compare import compare_copies
    from iamdocs.drift.sources.site import site_copies

    copies, notes = site_copies(site, project, db=db)
    r = compare_copies(project, copies, db, "site", str(site))
    r.differences.extend(notes)
    return r


def test_faithful_site_has_no_drift(project, db, site):
    r = site_report(project, db, site)
    assert r.items() == []
    assert sorted((d.document, d.canonical) for d in r.differences if d.kind == "match") == [
        ("guide/index.html (ai-unlimited-engine.json)", "ai-unlimited-engine.json"),
        ("guide/index.html (code block 2)", "ai-unlimited-engine.json"),
        ("policies/session-manager.json", "session-manager.json"),
        ("policies/workspaces.json", "ai-unlimited-workspaces.json"),
    ]


def test_code_block_location_is_the_html_line(project, db, site):
    r = site_report(project, db, site)
    match = next(d for d in r.differences if d.document == "guide/index.html (ai-unlimited-engine.json)")
    assert (str(match.loc.path), match.loc.line) == (str(site / "guide" / "index.html"), 4)


def test_tampered_code_block_is_caught(project, db, site):
    html = site / "guide" / "index.html"
    html.write_text(html.read_text().replace('["secretsmanager:GetSecretValue"]',
                                             '["secretsmanager:GetSecretValue", "secretsmanager:ListSecrets"]'))
    r = site_report(project, db, site)
    assert r.items() == [("guide/index.html (ai-unlimited-engine.json)", "added", "secretsmanager:ListSecrets")]
    added = next(d for d in r.differences if d.kind == "added")
    assert added.loc.line == 8  # the "Action" line of the block, in the HTML file


def test_tampered_download_is_caught(project, db, site):
    path = site / "policies" / "workspaces.json"
    doc = json.loads(path.read_text())
    for st in doc["Statement"]:
        st["Action"] = [a for a in st["Action"] if a not in ("route53:GetChange", "s3:DeleteObject")]
    path.write_text(json.dumps(doc, indent=2))
    r = site_report(project, db, site)
    assert r.items() == [("policies/workspaces.json", "removed", "route53:GetChange"),
                         ("policies/workspaces.json", "removed", "s3:DeleteObject")]


def test_broken_json_block_is_drift(project, db, site):
    html = site / "guide" / "index.html"
    html.write_text(html.read_text().replace('"Action": "secretsmanager:getsecretvalue",', '"Action": ,'))
    r = site_report(project, db, site)
    assert r.items() == [("guide/index.html", "unreadable", "")]


def test_cli_exit_codes(cli, site, tmp_path):
    assert cli("drift", "--site", str(site)).returncode == 0
    (site / "policies" / "session-manager.json").write_text('{"Statement": [{"Effect": "Allow", '
                                                            '"Action": "ssm:*", "Resource": "*"}]}')
    proc = cli("drift", "--site", str(site), "--format", "json")
    assert proc.returncode == 1
    kinds = {d["kind"] for d in json.loads(proc.stdout)["differences"] if d["severity"] == "drift"}
    assert kinds == {"added", "removed"}
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = cli("drift", "--site", str(empty))
    assert proc.returncode == 2 and "no policy documents in this site" in proc.stderr
    proc = cli("drift", "--site", str(tmp_path / "nope"))
    assert proc.returncode == 2 and "no such folder" in proc.stderr


def test_real_build_has_no_drift(root, tmp_path, cli):
    """The Done-when check: the site mkdocs builds from this repository reports no drift."""
    out = tmp_path / "built"
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                           cwd=root, capture_output=True, text=True, timeout=300)
    if build.returncode != 0:
        pytest.fail(f"mkdocs build failed:\n{build.stderr[-3000:]}")
    proc = cli("drift", "--site", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("no drift: ")


def test_template_branches_behind_a_parameter_are_checked(project, db, site):
    """The Session Manager policy exists only with Session = true; a reader who picks that gets it, so it is checked."""
    from iamdocs.cfn.template import template_yaml

    text = template_yaml(project)
    assert text.count("ssm:GetManifest") == 1  # only in the Session = true branch
    (site / "cloudformation").mkdir()
    lines = text.splitlines(keepends=True)
    (site / "cloudformation" / "manager.yaml").write_text("".join(x for x in lines if x.strip() != "- ssm:GetManifest"))
    r = site_report(project, db, site)
    assert r.items() == [("cloudformation/manager.yaml SessionManagerPolicies (Session=true)", "removed",
                          "ssm:GetManifest")]
    checked = sorted(d.document for d in r.differences if d.kind == "match" and d.document.startswith("cloud"))
    # the manager policy reads the same under every choice, so it is one copy; the session policy exists only with
    # Session = true (and IamRole = New, the default)
    assert checked == ["cloudformation/manager.yaml AiUnlimitedRolePolicies",
                       "cloudformation/manager.yaml SessionManagerPolicies (Session=true)"]
