"""Fixtures for the sync tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def db():
    from iamdocs import iamdb

    return iamdb.load()
