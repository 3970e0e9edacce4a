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
def drift_main(cli):
    """`iamdocs drift ARGS` through the shared in-process `cli` fixture: exit code, stdout, stderr."""

    def run(*args: str):
        return cli("drift", *args)

    return run
