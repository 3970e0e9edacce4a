"""Builds that must fail: a small copy of the guide with one mistake, built with `mkdocs build --strict`.

The real guide's build only shows that a correct guide builds; these show that the macros plugin
and the hooks stop the build, with a message that names the problem, instead of writing the error
into the page and exiting 0.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from guide_copy import ROOT, site_copy
from guide_copy import build as build_copy

PAGE = """---
render_macros: true
---

# Test page

{body}
"""


def build(tmp_path: Path, body: str, policy_text: str | None = None, page: str = PAGE) -> subprocess.CompletedProcess:
    """A copy of the guide (mkdocs.yml, hooks, macros, policies, docs/) with one more page: `body`."""
    site_copy(tmp_path)
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    if policy_text is not None:
        (tmp_path / "policies" / "session-manager.json").write_text(policy_text)
    (tmp_path / "docs" / "test-page.md").write_text(page.format(body=body))
    return build_copy(tmp_path)


def test_the_copy_builds_when_nothing_is_wrong(tmp_path: Path) -> None:
    """The control case: the failures below come from the one mistake, not from the set-up."""
    result = build(tmp_path, '{{ policy_json("session-manager.json") }}')
    assert result.returncode == 0, result.stderr
    assert "SessionManagerAgent" in (tmp_path / "site" / "test-page" / "index.html").read_text()


@pytest.mark.parametrize(("body", "message"), [
    ('{{ polcy_json("session-manager.json") }}',
     "docs/test-page.md:7: unknown macro or variable polcy_json; did you mean policy_json?"),
    ('Text\n\n{{ policy_json("sesion-manager.json") }}',
     "docs/test-page.md:9: policy_json: no policy 'sesion-manager.json' in policies/; "
     "did you mean session-manager.json?"),
    ('\n{{ policy_json("session-manager.json", 2) }}',
     "docs/test-page.md:8: policy_json: TypeError: policy_json() takes 2 positional arguments but 3 were given"),
    ('{{ cli_commands("engine-c") }}',
     "docs/test-page.md:7: cli_commands: KeyError: no option 'engine-c' in the catalog; known: engine-a, engine-b"),
    ("{{ policy_json( }}", "docs/test-page.md:7: Jinja syntax error: unexpected '}', expected ')'"),
])
def test_a_macro_error_stops_the_build_with_one_line(body: str, message: str, tmp_path: Path) -> None:
    """The page, the line in its file (front matter counted) and, for a misspelling, the right name."""
    result = build(tmp_path, body)
    assert result.returncode == 1
    assert f"ERROR   -  {message}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_macro_on_a_page_without_render_macros_fails_the_build(tmp_path: Path) -> None:
    """Without `render_macros: true` the call would be published as it is."""
    body = 'Shown in code: `{{ policy_json("x.json") }}`\n\n{{ policy_json("session-manager.json") }}'
    result = build(tmp_path, body, page="---\nnav_order: 50\n---\n\n# Test page\n\n{body}\n")
    assert result.returncode == 1
    assert ("ERROR   -  docs/test-page.md:9: the macro policy_json is not rendered on this page; add "
            "`render_macros: true` to its front matter") in result.stderr


def test_a_pasted_policy_fails_the_build(tmp_path: Path) -> None:
    result = build(tmp_path, '```json\n{"Version": "2012-10-17", "Statement": []}\n```')
    assert result.returncode != 0
    assert "docs/test-page.md:8: a policy document is pasted here" in result.stderr


def test_a_pasted_statement_fails_the_build(tmp_path: Path) -> None:
    result = build(tmp_path, 'Add this:\n\n```json\n{\n  "Effect": "Allow",\n  "Action": ["s3:GetObject"]\n}\n```')
    assert result.returncode == 1
    assert 'docs/test-page.md:11: part of a policy ("Effect": "Allow") is pasted here' in result.stderr
    assert 'docs/test-page.md:12: part of a policy ("Action":) is pasted here' in result.stderr


@pytest.mark.parametrize(("text", "message"), [
    ('{"Version": ', "policies/session-manager.json:1:13: malformed JSON: unexpected end of file"),
    ("", "policies/session-manager.json: file is empty; expected a JSON policy document"),
])
def test_an_unreadable_policy_stops_the_build_with_one_line(text: str, message: str, tmp_path: Path) -> None:
    result = build(tmp_path, "No macros needed.", policy_text=text)
    assert result.returncode == 1
    assert f"ERROR   -  {message} (run: iamdocs validate)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site" / "test-page" / "index.html").exists()


def test_the_failing_call_is_named_among_calls_of_the_same_macro(tmp_path: Path) -> None:
    """Two calls of one macro: the line is the one whose arguments failed, not the first call's."""
    body = '{{ cli_commands("engine-a") }}\n\nText\n\n{{ cli_commands("engine-c") }}'
    result = build(tmp_path, body)
    assert result.returncode == 1
    assert ("ERROR   -  docs/test-page.md:11: cli_commands: KeyError: no option 'engine-c' in the catalog"
            in result.stderr)
    assert "Traceback" not in result.stderr
