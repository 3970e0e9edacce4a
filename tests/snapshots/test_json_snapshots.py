"""`iamdocs validate --format json` and `iamdocs drift --format json` on fixed inputs, compared whole.

The inputs are this folder's `project/` (a small project: a file out of canonical form and
without Version, a file with a repeated key that the catalog does not know) and `template.yaml`
(its role's inline policy one action short of full.json, and one more when Stage is prod). The
expected reports, `validate.json` and `drift.json`, were read line by line against those inputs
and are kept as they were checked; a changed report is a changed contract, to be read again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The fixed project with the real schemas, and the template beside it: reports name paths from here."""
    shutil.copytree(HERE / "project" / "policies", tmp_path / "policies")
    shutil.copytree(ROOT / "policies" / "schema", tmp_path / "policies" / "schema")
    shutil.copy(HERE / "template.yaml", tmp_path / "template.yaml")
    return tmp_path


def test_validate_json_is_the_snapshot(project: Path, cli) -> None:
    result = cli("validate", "--format", "json", "--project", ".", cwd=project)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout == (HERE / "validate.json").read_text(encoding="utf-8")


def test_drift_json_is_the_snapshot(project: Path, cli) -> None:
    result = cli("drift", "--cloudformation", "template.yaml", "--format", "json", "--project", ".", cwd=project)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout == (HERE / "drift.json").read_text(encoding="utf-8")
