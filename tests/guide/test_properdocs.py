"""The second build engine: ProperDocs (the maintained fork of mkdocs 1.x) builds the same guide.

Its policy blocks and downloads must be those of the mkdocs build, byte for byte, and drift must find
nothing in it. ProperDocs runs Material and the macros plugin through their mkdocs entry points.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from iamdocs.drift.sources.site import code_blocks

ROOT = Path(__file__).resolve().parents[2]
PROPERDOCS = Path(sys.executable).parent / "properdocs"
DOWNLOADS = (".json", ".yaml", ".yml")


@pytest.fixture(scope="module")
def properdocs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("properdocs") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([str(PROPERDOCS), "build", "--strict", "-f", "mkdocs.yml", "-d", str(site)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (proc.stderr + proc.stdout)[-4000:]
    return site


def _files(site: Path, suffixes: tuple[str, ...]) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.suffix in suffixes and p.is_file() and p.relative_to(site).parts[0] != "search"}


def _policy_blocks(site: Path) -> dict[str, list[str]]:
    out = {}
    for page in sorted(site.rglob("*.html")):
        blocks = [b.text for b in code_blocks(page.read_text(encoding="utf-8")) if '"Statement"' in b.text]
        if blocks:
            out[page.relative_to(site).as_posix()] = blocks
    return out


def test_properdocs_builds_the_same_downloads(properdocs_site: Path, built_site: Path) -> None:
    theirs, ours = _files(properdocs_site, DOWNLOADS), _files(built_site, DOWNLOADS)
    assert any(name.startswith("policies/") for name in ours)  # the downloads are there to compare
    assert sorted(theirs) == sorted(ours)
    assert [n for n in ours if theirs[n] != ours[n]] == []


def test_properdocs_builds_the_same_policy_blocks(properdocs_site: Path, built_site: Path) -> None:
    ours = _policy_blocks(built_site)
    assert len(ours) >= 3  # pages that show policies
    assert _policy_blocks(properdocs_site) == ours


def test_drift_finds_nothing_in_the_properdocs_build(properdocs_site: Path, cli) -> None:
    result = cli("drift", "--site", str(properdocs_site))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("no drift")
