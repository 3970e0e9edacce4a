"""The one loader: policy files recorded (not raised) when bad, catalog problems located."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from iamdocs import yamlpos
from iamdocs.loader import ProjectError, find_root, load_project, load_sound_project, read_policy_file


def test_the_real_project_loads_with_locations(root: Path) -> None:
    project = load_sound_project(root)
    assert project.policy_names == ["ai-unlimited-engine.json", "ai-unlimited-without-iam-role-permissions.json",
                                    "ai-unlimited-workspaces.json", "session-manager.json"]
    engine = project.policy("ai-unlimited-engine.json")
    [st] = engine.statements
    assert (st.sid, st.effect, st.loc.line, st.loc.col) == ("ReadEngineSecrets", "Allow", 4, 5)
    assert [(v.text, v.loc.line, v.loc.col) for v in st.actions] == [("secretsmanager:GetSecretValue", 8, 9)]
    assert engine.meta.placeholders == ["PARTITION", "REGION", "ACCOUNT_ID"]
    assert project.catalog.limits.managed_policy_chars == 6144


@pytest.mark.parametrize(("raw", "error", "line", "col"), [
    (b"", "file is empty; expected a JSON policy document", 0, 0),
    (b'{"a":\n "\xff"}', "not valid UTF-8 (byte 0xff)", 2, 3),
    (b"\xef\xbb\xbf{}", "starts with a byte order mark; save the file as UTF-8 without BOM", 1, 1),
    (b'{"a": [1,\n  }', "malformed JSON: expected a value", 2, 3),
])
def test_bad_policy_files_are_recorded_not_raised(raw: bytes, error: str, line: int, col: int,
                                                  tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(raw)
    pf = read_policy_file(path)
    assert (pf.error, pf.error_loc.line, pf.error_loc.col, pf.root) == (error, line, col, None)


def test_missing_and_oversized_files(tmp_path: Path) -> None:
    assert read_policy_file(tmp_path / "nope.json").error == "no such file"
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (2 * 1024 * 1024))
    assert read_policy_file(big).error == (
        "file is 2,097,152 bytes; a policy document is at most 1,048,576 bytes here")


def _project(tmp_path: Path, root: Path, catalog: str) -> Path:
    shutil.copytree(root / "policies" / "schema", tmp_path / "policies" / "schema")
    (tmp_path / "policies" / "catalog.yaml").write_text(catalog)
    return tmp_path


def test_catalog_schema_problems_are_located(root: Path, tmp_path: Path) -> None:
    catalog = (root / "tests" / "lint" / "fixtures" / "_base" / "policies" / "catalog.yaml").read_text()
    catalog = catalog.replace("  managed_policies_per_role: 10", "  managed_policies_per_role: ten")
    project = load_project(_project(tmp_path, root, catalog))
    assert project.catalog is None
    [(message, loc)] = project.catalog_problems
    assert (message, loc.line, loc.col) == ("limits/managed_policies_per_role: 'ten' is not of type 'integer'", 9, 30)
    with pytest.raises(ProjectError):
        load_sound_project(tmp_path)


def test_malformed_yaml_is_located(root: Path, tmp_path: Path) -> None:
    project = load_project(_project(tmp_path, root, "product: x\nroles: [a\n"))
    [(message, loc)] = project.catalog_problems
    assert message.startswith("malformed YAML: ")
    assert (loc.line, loc.col) == (3, 1)


def test_missing_catalog(tmp_path: Path, root: Path) -> None:
    (tmp_path / "policies").mkdir()
    project = load_project(tmp_path)
    assert project.catalog is None
    assert project.catalog_problems[0][0] == "no such file"


def test_find_root_walks_up_to_the_catalog(root: Path) -> None:
    assert find_root(root / "tests" / "unit") == root


def test_find_root_outside_a_project_falls_back_to_the_package_project(root: Path, tmp_path: Path) -> None:
    # The package is installed in editable mode from this project, so it knows where its policies are.
    assert find_root(tmp_path) == root


def test_a_merged_key_given_again_is_an_override_not_a_duplicate(tmp_path: Path, root: Path) -> None:
    """`<<: *anchor` then a key of the anchor: YAML's way to override (the real catalog does it)."""
    text = "a: &base\n  x: 1\n  y: 2\nb:\n  <<: *base\n  y: 3\nc:\n  x: 1\n  x: 2\n"
    result = yamlpos.parse(text, "catalog", "iamdocs")
    assert [(d.message, d.again.line, d.again.col) for d in result.duplicates] == [
        ("duplicate key 'x', first given at line 8, column 3; tools keep the first, keep the last or refuse the file, "
         "so remove one", 9, 3)]
    assert result.root.to_python()["b"] == {"x": 1, "y": 3}


def test_dates_stay_text_as_written(root: Path) -> None:
    project = load_sound_project(root)
    assert project.catalog.history[0].date == "2023-11-14"


def test_read_regular_refuses_what_would_hang_or_leave_the_project(tmp_path: Path) -> None:
    import os

    from iamdocs.fsutil import Unreadable, read_regular

    inside = tmp_path / "project"
    inside.mkdir()
    os.mkfifo(inside / "fifo")
    (inside / "to-fifo").symlink_to(inside / "fifo")
    (tmp_path / "elsewhere.json").write_text("{}")
    (inside / "out").symlink_to(tmp_path / "elsewhere.json")
    not_regular = "is not a regular file (a FIFO, device or socket); iamdocs reads only regular files"
    for path, message in [
        (inside / "fifo", not_regular),
        (inside / "to-fifo", not_regular),
        (Path("/dev/zero"), not_regular),
        (inside / "out", f"is a symbolic link to {tmp_path / 'elsewhere.json'}, outside the project; iamdocs does "
                         "not follow links out of the project"),
    ]:
        with pytest.raises(Unreadable) as exc:
            read_regular(path, within=inside)
        assert str(exc.value) == message
    assert read_regular(inside / "out") == b"{}"  # lone files, outside any project, may be links


def _copy_project(root: Path, dest: Path) -> Path:
    shutil.copytree(root / "policies", dest / "policies")
    return dest


def test_a_catalog_that_passed_is_not_checked_again(root: Path, tmp_path: Path, monkeypatch) -> None:
    import sys

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    proj = _copy_project(root, tmp_path / "p")
    assert load_project(proj).catalog is not None
    [marker] = (tmp_path / "cache" / "iamdocs").glob("catalog-ok-*")
    # The same catalog and schema again: no jsonschema at all (an import of it would now fail).
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    assert load_project(proj).catalog is not None
    # A changed catalog is checked again, and needs jsonschema.
    catalog = proj / "policies" / "catalog.yaml"
    catalog.write_text(catalog.read_text() + "\n# changed\n")
    with pytest.raises(ImportError):
        load_project(proj)
    monkeypatch.delitem(sys.modules, "jsonschema")
    assert load_project(proj).catalog is not None
    assert len(list(marker.parent.glob("catalog-ok-*"))) == 2


def test_a_catalog_that_failed_is_checked_every_time(root: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    proj = _copy_project(root, tmp_path / "p")
    catalog = proj / "policies" / "catalog.yaml"
    catalog.write_text(catalog.read_text().replace("roles:", "rolez:", 1))
    for _ in range(2):
        project = load_project(proj)
        assert project.catalog is None and project.catalog_problems
    assert not list((tmp_path / "cache").rglob("catalog-ok-*"))
    # The schema is part of the key: a catalog that passed under one schema is checked under another.
    catalog.write_text(catalog.read_text().replace("rolez:", "roles:", 1))
    assert load_project(proj).catalog is not None
    schema = proj / "policies" / "schema" / "catalog.schema.json"
    schema.write_text(schema.read_text().replace('"roles"', '"rolez"'))
    assert load_project(proj).catalog is None
