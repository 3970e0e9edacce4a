"""Fixtures for hostile inputs: a private copy of the project to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the project's policies/ (catalog, schemas, documents) that a test may break."""
    root = tmp_path / "proj"
    shutil.copytree(ROOT / "policies", root / "policies")
    return root
