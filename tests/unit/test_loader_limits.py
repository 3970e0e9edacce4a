"""Hostile input that a release pipeline may be handed: refused with a finding, promptly, no traceback."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def project_copy(root, tmp_path):
    shutil.copytree(root / "policies", tmp_path / "policies")
    return tmp_path


def test_a_billion_laughs_catalog_is_refused(project_copy, cli):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    (project_copy / "policies" / "catalog.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("validate", "--project", str(project_copy), timeout=30)
    assert result.returncode == 1
    assert "policies/catalog.yaml:1:1: E090 error: the catalog expands to over 100,000 values" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_catalog_nested_100000_levels_is_refused(project_copy, cli):
    (project_copy / "policies" / "catalog.yaml").write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    result = cli("validate", "--project", str(project_copy), timeout=60)
    assert result.returncode == 1
    assert "E090 error: the YAML is nested too deeply to be a catalog" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_number_with_5000_digits_is_malformed_json(tmp_path, cli):
    bad = tmp_path / "long-number.json"
    bad.write_text('{"Version": "2012-10-17", "Statement": [], "X": ' + "9" * 5000 + "}\n", encoding="utf-8")
    result = cli("validate", str(bad))
    assert result.returncode == 1
    assert f"{bad}:1:49: E001 error: malformed JSON: number with 5,000 characters; at most 1000" in result.stdout
    assert "internal error" not in result.stderr
