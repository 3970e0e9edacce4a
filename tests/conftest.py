"""Fixtures every test area shares. Area-specific fixtures live in tests/<area>/conftest.py."""

from __future__ import annotations

import contextlib
import io
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


def call_iamdocs(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: int | None = None,
                 input: str | None = None) -> subprocess.CompletedProcess:
    """Run `iamdocs.cli.main(argv)` in this process, as `run_iamdocs` runs it in a fresh one.

    The same result object, for a fraction of the cost: most CLI tests are about what the
    command says and returns, not about the process. `timeout` is left to pytest-timeout.
    """
    from iamdocs.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd, saved_stdin = dict(os.environ), Path.cwd(), sys.stdin
    try:
        os.environ.update(env or {})
        os.environ.pop("IAMDOCS_DEBUG", None)
        os.chdir(cwd or ROOT)
        sys.stdin = io.StringIO(input or "")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        sys.stdin = saved_stdin
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["iamdocs", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    """The CLI in this process; tests about the process itself (signals, servers) use run_iamdocs."""
    return call_iamdocs
