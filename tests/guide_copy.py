"""A copy of the guide for tests that need a real build: mkdocs.yml, docs/ and the code beside their own policies/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = Path(sys.executable).parent / "mkdocs"


def site_copy(root: Path) -> None:
    """Add what a build needs beside policies/: mkdocs.yml, docs/, and the code as links."""
    for name in ("iamdocs",):
        (root / name).symlink_to(ROOT / name)
    for name in ("mkdocs.yml", "Makefile", "pyproject.toml"):  # the writers' pages quote the Makefile
        shutil.copy(ROOT / name, root)
    shutil.copytree(ROOT / "docs", root / "docs")


def build(root: Path) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of a copy made with site_copy; the site goes to root/site."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("IAMDOCS_MACRO_TIMES", None)
    return subprocess.run([str(MKDOCS), "build", "--strict", "-d", str(root / "site")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
