"""The one atomic writer: what it refuses, and what it leaves behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from iamdocs.errors import UserError
from iamdocs.fsutil import check_target, write_atomic


def test_new_file_gets_the_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "out.json", "{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.json").stat().st_mode) == 0o644
    assert (tmp_path / "out.json").read_text() == "{}\n"


def test_existing_file_keeps_its_mode_and_line_endings(tmp_path: Path) -> None:
    target = tmp_path / "t.yaml"
    target.write_bytes(b"old\r\n")
    target.chmod(0o640)
    write_atomic(target, "a\r\nb\r\n")
    assert target.read_bytes() == b"a\r\nb\r\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.yaml"]  # no temporary file left


def test_a_symlink_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("keep")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with pytest.raises(UserError, match="is a symbolic link"):
        write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "keep"


def test_a_fifo_and_a_device_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UserError, match="not a regular file"):
        check_target(fifo)
    with pytest.raises(UserError, match="not a regular file"):
        write_atomic(Path("/dev/null"), "x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_folder_and_a_missing_parent_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is a folder"):
        check_target(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match="cannot write: Not a directory"):
        check_target(tmp_path / "file" / "out.json")
    check_target(tmp_path / "new-dir-later" / "out.json")  # a missing parent is created on write
