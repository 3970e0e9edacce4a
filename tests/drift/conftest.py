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
    """Report for a template, as `iamdocs drift --cloudformation` computes it."""
    from iamdocs.drift.compare import compare_copies
    from iamdocs.drift.sources.cloudformation import template_copies

    def report(path: Path, params: dict[str, str] | None = None, mapping: list[str] | None = None):
        copies, notes = template_copies(path, params, mapping)
        r = compare_copies(project, copies, db, "cloudformation", str(path))
        r.differences[:0] = notes
        return r

    return report
