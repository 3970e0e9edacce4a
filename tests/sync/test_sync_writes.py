"""What sync refuses to write over, with the exact line it prints: nothing is lost, nothing half-written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from iamdocs import sync as engine
from iamdocs.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def drifted(tmp_path: Path) -> Path:
    path = tmp_path / "engine.json"
    shutil.copy(FIXTURES / "engine.json", path)
    return path


def test_a_hard_linked_template_is_refused(tmp_path, project, capsys):
    path = drifted(tmp_path)
    other = tmp_path / "other-name.json"
    os.link(path, other)
    before = path.read_bytes()
    assert main(["sync", "--cloudformation", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"iamdocs sync: error: {path}: has 2 hard links; replacing it would leave the other names "
                      "with the old text, so iamdocs refuses")
    assert path.read_bytes() == before and other.read_bytes() == before


def test_a_read_only_template_is_refused_even_as_root(tmp_path, project, capsys):
    path = drifted(tmp_path)
    path.chmod(0o444)
    before = path.read_bytes()
    assert main(["sync", "--cloudformation", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"iamdocs sync: error: {path}: is read-only (mode 0444); iamdocs does not write over it, "
                      "even as root")
    assert path.read_bytes() == before and (path.stat().st_mode & 0o777) == 0o444


def test_an_edit_saved_while_sync_runs_is_kept(tmp_path, project, capsys, monkeypatch):
    path = drifted(tmp_path)
    real = engine.sync_file

    def and_then_an_editor_saves(*args, **kwargs):
        result = real(*args, **kwargs)
        path.write_text(path.read_text() + "\n", encoding="utf-8")  # the writer's save, after sync read the file
        return result

    monkeypatch.setattr(engine, "sync_file", and_then_an_editor_saves)  # commands/sync imports it at run time
    assert main(["sync", "--cloudformation", str(path)]) == 2
    saved = path.read_text()
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"iamdocs sync: error: {path}: changed since iamdocs read it; nothing written"
    assert saved == (FIXTURES / "engine.json").read_text() + "\n"
