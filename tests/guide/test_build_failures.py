"""Builds that must fail: a small copy of the guide with one mistake, built with `mkdocs build --strict`.

The real guide's build only shows that a correct guide builds; these show that the macros plugin
and the hooks stop the build, with a message that names the problem, instead of writing the error
into the page and exiting 0.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MKDOCS = Path(sys.executable).parent / "mkdocs"

PAGE = """---
render_macros: true
---

# Test page

{body}
"""


def build(tmp_path: Path, body: str, policy_text: str | None = None) -> subprocess.CompletedProcess:
    """A copy of the guide (mkdocs.yml, hooks, macros, policies, docs/) with one more page: `body`."""
    for name in ("iamdocs", "macros"):
        (tmp_path / name).symlink_to(ROOT / name)
    for name in ("mkdocs.yml", "Makefile", "pyproject.toml"):  # the writers' pages quote the Makefile
        shutil.copy(ROOT / name, tmp_path)
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    if policy_text is not None:
        (tmp_path / "policies" / "session-manager.json").write_text(policy_text)
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    (tmp_path / "docs" / "test-page.md").write_text(PAGE.format(body=body))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("IAMDOCS_MACRO_TIMES", None)
    return subprocess.run([str(MKDOCS), "build", "--strict", "-d", str(tmp_path / "site")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_copy_builds_when_nothing_is_wrong(tmp_path: Path) -> None:
    """The control case: the failures below come from the one mistake, not from the set-up."""
    result = build(tmp_path, '{{ policy_json("session-manager.json") }}')
    assert result.returncode == 0, result.stderr
    assert "SessionManagerAgent" in (tmp_path / "site" / "test-page" / "index.html").read_text()


def test_an_undefined_macro_fails_the_build(tmp_path: Path) -> None:
    result = build(tmp_path, '{{ polcy_json("session-manager.json") }}')
    assert result.returncode != 0
    assert "'polcy_json' is undefined" in result.stderr


def test_an_error_inside_a_macro_fails_the_build(tmp_path: Path) -> None:
    result = build(tmp_path, '{{ policy_json("no-such-policy.json") }}')
    assert result.returncode != 0
    assert "no policy 'no-such-policy.json' in policies/; known: ai-unlimited-engine.json" in result.stderr


def test_a_pasted_policy_fails_the_build(tmp_path: Path) -> None:
    result = build(tmp_path, '```json\n{"Version": "2012-10-17", "Statement": []}\n```')
    assert result.returncode != 0
    assert "docs/test-page.md:8: a policy document is pasted here" in result.stderr


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
