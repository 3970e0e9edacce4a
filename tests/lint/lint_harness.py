"""Test harness for the lint rules: lone files, or the small base project with an overlay."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from iamdocs.lint import Context, Finding, run
from iamdocs.loader import load_project, read_policy_file

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = FIXTURES / "_base" / "policies"

Row = tuple[str, int, int, str, str]  # path, line, column, rule, message


def make_project(dest: Path, overlay: Path | None = None) -> Path:
    """Copy the base project (with the real schemas) to `dest`; files in `overlay` replace or add files.

    An overlay file named REMOVE lists base files to delete, one per line.
    """
    pdir = dest / "policies"
    shutil.copytree(BASE, pdir)
    shutil.copytree(ROOT / "policies" / "schema", pdir / "schema")
    if overlay is not None:
        for f in sorted(overlay.iterdir()):
            if f.name == "REMOVE":
                for name in f.read_text().split():
                    (pdir / name).unlink()
            else:
                shutil.copy2(f, pdir / f.name)
    return dest


def rows(findings: list[Finding]) -> list[Row]:
    return sorted((str(f.loc.path), f.loc.line, f.loc.col, f.rule, f.message) for f in findings)


def lint_fixture(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 select: set[str] | None = None) -> list[Finding]:
    """Run the rules on one fixture folder (good/ or bad/) as `iamdocs validate` would."""
    if (case / "policies").is_dir():
        project_dir = make_project(tmp_path / "project", case / "policies")
        monkeypatch.chdir(project_dir)  # findings then name policies/<file>, as in the project
        project = load_project(project_dir)
        ctx = Context(project=project, files=project.files)
    else:  # lone files, checked with the base project's placeholders and limits
        project_dir = make_project(tmp_path / "project")
        project = load_project(project_dir)
        files = [read_policy_file(p, Path(p.name)) for p in sorted(case.glob("*.json"))]
        ctx = Context(project=project, files=files, lone=True)
    return run(ctx, select)
