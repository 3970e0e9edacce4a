"""Where this build of the guide comes from: the repository and commit that a product repository pins.

The writers' page on pre-commit and the GitHub Action shows configuration that works as it
is copied, so its `repo:`, `rev:` and `uses:` are this build's own: the repository the
publishing workflow names (REPO_URL, as mkdocs.yml's repo_url), else the checkout's
`origin`, else its folder (a local build: pre-commit takes a folder too); and the commit
the site is built from, which carries these hooks and these policies.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from pathlib import Path

from iamdocs.model import Project

_GITHUB = re.compile(r"(?:https://|ssh://git@|git@)github\.com[/:]([\w.-]+)/([\w.-]+?)(?:\.git)?/?")


def repository_url(remote: str) -> str:
    """A GitHub remote as the https URL that pre-commit and a browser both take; anything else as it is."""
    m = _GITHUB.fullmatch(remote.strip())
    return f"https://github.com/{m.group(1)}/{m.group(2)}" if m else remote.strip()


def action_reference(repository: str, commit: str) -> str:
    """`owner/repo@commit`, as a workflow's `uses:` names an action; a repository not on GitHub cannot be one."""
    m = _GITHUB.fullmatch(repository)
    if m is None:
        return f"OWNER/REPOSITORY@{commit}"  # a local build: the published guide is built with REPO_URL on GitHub
    return f"{m.group(1)}/{m.group(2)}@{commit}"


def _git(root: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


# What `rev:` shows when the site is built from a folder that is not a git checkout (a copy, an unpacked archive):
# there is no commit to pin, and a made-up one would look real.
NO_COMMIT = "NOT-BUILT-FROM-A-GIT-CHECKOUT"


@functools.cache
def build_source(root: Path, repo_url: str | None = None) -> tuple[str, str]:
    """(repository, commit) of the checkout at `root`; NO_COMMIT for a folder that is not a git checkout."""
    commit = _git(root, "rev-parse", "--verify", "HEAD^{commit}")
    if not re.fullmatch(r"[0-9a-f]{40}", commit):
        commit = NO_COMMIT
    return repository_url(repo_url or _git(root, "remote", "get-url", "origin") or str(root)), commit


def _source(project: Project) -> tuple[str, str]:
    return build_source(project.root.resolve(), os.environ.get("REPO_URL") or None)


def hooks_repository(project: Project) -> str:
    """The repository this guide is built from, as pre-commit's `repo:` names it."""
    return _source(project)[0]


def hooks_commit(project: Project) -> str:
    """The full SHA of the commit this guide is built from: pre-commit's `rev:`."""
    return _source(project)[1]


def action_uses(project: Project) -> str:
    """The GitHub Action of this build, as a workflow's `uses:` names it: owner/repo@commit."""
    return action_reference(*_source(project))


MACROS = [hooks_repository, hooks_commit, action_uses]
