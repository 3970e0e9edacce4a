"""Fixtures every test area shares. Area-specific fixtures live in tests/<area>/conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def project():
    from iamdocs.loader import load_sound_project

    return load_sound_project(ROOT)


def run_iamdocs(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: int = 300,
                input: str | None = None) -> subprocess.CompletedProcess:
    """Run the CLI as a user does: a fresh process, text output captured."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("IAMDOCS_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "iamdocs", *args],
        cwd=cwd or ROOT, env=full_env, capture_output=True, text=True, timeout=timeout, input=input,
    )


@pytest.fixture
def cli():
    return run_iamdocs
