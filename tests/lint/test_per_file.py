"""Lone files are linted one at a time: each is read when reached and dropped before the next is read."""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path

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
