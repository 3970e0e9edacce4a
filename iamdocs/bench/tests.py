"""The test loops: `make check` (the edit loop) and, in a full run, `make test` (what CI runs).

Each runs once, as a fresh `make` in this checkout; the CPU time is that of make and every process it
started (pytest and its workers, the browser, the sandbox), so a busy machine shows as wall > CPU / cores.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from iamdocs.bench import Row, user_env

TITLE = "Tests: make check and make test"


def _make(target: str, root: Path) -> tuple[float, float, bool]:
    before = os.times()
    start = time.perf_counter()
    ok = subprocess.run(["make", "--no-print-directory", target], cwd=root, env=user_env(),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, ok


def run(quick: bool) -> list[Row]:
    root = Path(__file__).resolve().parents[2]
    rows = []
    for target, goal in (("check", "< 30 s"), *(() if quick else (("test", "< 150 s"),))):
        wall, cpu, ok = _make(target, root)
        rows.append(Row(f"make {target}: wall (CPU of all its processes)",
                        f"{wall:.0f} s ({cpu:.0f} s){'' if ok else ', FAILED'}", f"{goal} on an idle 2-core machine"))
    return rows
