"""Lone files are linted one at a time: each is read when reached and dropped before the next is read."""

from __future__ import annotations

import gc
import json
import sys
import weakref
from pathlib import Path

import pytest

from iamdocs.commands import validate
from iamdocs.lint import run
from iamdocs.loader import load_project


def test_lone_files_are_read_one_at_a_time_and_dropped(tmp_path: Path, monkeypatch, root: Path) -> None:
    for i in range(3):
        (tmp_path / f"p{i}.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "Writes", "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "*"}]}))
    seen: list[weakref.ref] = []
    read = validate.read_policy_file

    def reading(path: Path, *args, **kwargs):
        gc.collect()
        held = [r for r in seen if r() is not None]
        assert held == [], f"{len(held)} earlier file(s) still held when {path.name} is read"
        f = read(path, *args, **kwargs)
        seen.append(weakref.ref(f))
        return f

    monkeypatch.setattr(validate, "read_policy_file", reading)
    ctx = validate._context(load_project(root), [str(tmp_path)])
    findings = run(ctx, {"W304"})
    assert sorted((str(f.loc.path.name), f.rule) for f in findings) == [
        ("p0.json", "W304"), ("p1.json", "W304"), ("p2.json", "W304")]
    assert all(f.key == () for f in findings)  # no catalog entry can accept a lone file's finding


def _writes(path: Path) -> None:
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Writes", "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "*"}]}))


def test_each_lone_files_findings_are_written_before_the_next_file_is_read(tmp_path: Path, monkeypatch,
                                                                            cli) -> None:
    """Findings are not kept for the end: a run over 10,000 files holds one file's findings, not all of theirs."""
    for name in ("a", "b", "c"):
        _writes(tmp_path / f"{name}.json")
    written_when_read: dict[str, str] = {}
    read = validate.read_policy_file

    def reading(path: Path, *args, **kwargs):
        written_when_read[path.name] = sys.stdout.getvalue()  # cli() captures stdout in a StringIO
        return read(path, *args, **kwargs)

    monkeypatch.setattr(validate, "read_policy_file", reading)
    result = cli("validate", "--select", "W304", str(tmp_path))
    assert result.returncode == 0
    assert written_when_read["a.json"] == ""
    assert written_when_read["b.json"].count("W304") == 1 and "a.json:" in written_when_read["b.json"]
    assert written_when_read["c.json"].count("W304") == 2 and "b.json:" in written_when_read["c.json"]
    assert result.stdout.splitlines()[-1] == "3 files checked: 3 warnings"


def test_files_given_out_of_order_are_reported_in_order(tmp_path: Path, cli) -> None:
    for name in ("a", "b", "c"):
        _writes(tmp_path / f"{name}.json")
    given = cli("validate", "--select", "W304", *(str(tmp_path / f"{n}.json") for n in ("c", "a", "b")))
    assert [line.split(":")[0] for line in given.stdout.splitlines()[:-1]] == [
        str(tmp_path / f"{n}.json") for n in ("a", "b", "c")]
    assert given.stdout == cli("validate", "--select", "W304", str(tmp_path)).stdout


@pytest.mark.parametrize("actions", [["s3:PutObject"], ["s3:GetObject"]], ids=["findings", "none"])
def test_json_written_piece_by_piece_is_the_whole_report_dumped_at_once(actions: list[str], tmp_path: Path,
                                                                        cli) -> None:
    """The JSON report, written one finding at a time, is byte for byte what json.dumps(..., indent=2) gives."""
    for name in ("a", "b"):
        (tmp_path / f"{name}.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "S", "Effect": "Allow", "Action": actions, "Resource": "*"}]}, indent=2) + "\n")
    result = cli("validate", "--format", "json", "--select", "W304", str(tmp_path))
    report = json.loads(result.stdout)
    assert result.stdout == json.dumps(report, indent=2) + "\n"
    assert list(report) == ["files_checked", "findings", "summary", "iam_data"]
    expected = [] if actions == ["s3:GetObject"] else [
        {"rule": "W304", "severity": "warning",
         "message": '1 write action on Resource "*" could be limited to resource ARNs: s3:PutObject',
         "path": str(tmp_path / f"{name}.json"), "line": 10, "column": 19, "accepted": None} for name in ("a", "b")]
    assert report["findings"] == expected
    assert report["summary"] == ("2 files checked: no findings" if not expected else "2 files checked: 2 warnings")
