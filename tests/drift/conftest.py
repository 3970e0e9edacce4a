"""Fixtures for the drift tests: the fixture templates and a report helper."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def db():
    from iamdocs import iamdb

    return iamdb.load()


@pytest.fixture(scope="session")
def cfn_report(project, db):
    """Report for a template, as `iamdocs drift --cloudformation` computes it (every branch unless `params` fix it)."""
    from iamdocs.drift.sources.cloudformation import check_template

    def report(path: Path, params: dict[str, str] | None = None, mapping: list[str] | None = None):
        return check_template(project, db, path, params, mapping)

    return report


@pytest.fixture
def drift_main(capsys, monkeypatch):
    """`iamdocs drift ARGS` run in the test process (iamdocs.cli.main): exit code, stdout, stderr."""
    from types import SimpleNamespace

    from iamdocs.cli import main

    monkeypatch.delenv("IAMDOCS_DEBUG", raising=False)

    def run(*args: str) -> SimpleNamespace:
        code = main(["drift", *args])
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return run
