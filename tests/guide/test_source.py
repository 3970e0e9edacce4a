"""The writers' page pins this build's own repository and commit (render/source.py), so its block works as copied."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from iamdocs.render.source import action_reference, build_source, repository_url

ROOT = Path(__file__).resolve().parents[2]
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.mark.parametrize(("remote", "url"), [
    ("git@github.com:Teradata/iamdocs.git", "https://github.com/Teradata/iamdocs"),
    ("ssh://git@github.com/Teradata/iamdocs.git", "https://github.com/Teradata/iamdocs"),
    ("https://github.com/Teradata/iamdocs.git", "https://github.com/Teradata/iamdocs"),
    ("https://github.com/Teradata/iamdocs/", "https://github.com/Teradata/iamdocs"),
    ("https://gitlab.example.com/docs/iamdocs.git", "https://gitlab.example.com/docs/iamdocs.git"),
    ("/srv/git/iamdocs", "/srv/git/iamdocs"),
])
def test_repository_url(remote, url):
    assert repository_url(remote) == url


def test_action_reference():
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert action_reference("https://github.com/Teradata/iamdocs", sha) == f"Teradata/iamdocs@{sha}"
    assert action_reference("/srv/git/iamdocs", sha) == f"OWNER/REPOSITORY@{sha}"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True,
                          text=True).stdout.strip()


def test_build_source_is_the_checkout_its_origin_and_its_commit(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "f").write_text("x")
    git(tmp_path, "add", "f")
    git(tmp_path, "commit", "-q", "-m", "one")
    sha = git(tmp_path, "rev-parse", "HEAD")
    assert build_source(tmp_path) == (str(tmp_path), sha)
    git(tmp_path, "remote", "add", "origin", "git@github.com:Teradata/iamdocs.git")
    build_source.cache_clear()
    assert build_source(tmp_path) == ("https://github.com/Teradata/iamdocs", sha)
    assert build_source(tmp_path, "https://github.com/Other/fork") == ("https://github.com/Other/fork", sha)


def test_a_folder_without_a_commit_says_so_instead_of_a_made_up_commit(tmp_path):
    assert build_source(tmp_path / "nowhere") == (str(tmp_path / "nowhere"), "NOT-BUILT-FROM-A-GIT-CHECKOUT")


def test_the_built_page_pins_the_commit_it_was_built_from(built_writers_site):
    page = BeautifulSoup((built_writers_site / "writers" / "pre-commit-and-ci" / "index.html").read_text(),
                         "html.parser")
    blocks = [c.get_text() for c in page.select("pre code") if "repos:" in c.get_text() or "uses:" in c.get_text()]
    [config] = [b for b in blocks if b.startswith("repos:")]
    head = git(ROOT, "rev-parse", "HEAD")
    assert re.search(r"^    rev: (\S+)$", config, re.MULTILINE).group(1) == head
    repo = re.search(r"^  - repo: (\S+)$", config, re.MULTILINE).group(1)
    origin = subprocess.run(["git", "-C", str(ROOT), "remote", "get-url", "origin"], capture_output=True,
                            text=True).stdout.strip()
    https = re.sub(r"^(ssh://)?git@github\.com[:/]", "https://github.com/", origin).removesuffix(".git")
    assert repo in {os.environ.get("REPO_URL"), origin, https, str(ROOT)}, repo
    [workflow] = [b for b in blocks if "uses: actions/checkout@v4" in b]
    assert re.search(r"^      - uses: (\S+)$", workflow.split("checkout@v4", 1)[1], re.MULTILINE).group(1) \
        .endswith(f"@{head}")
