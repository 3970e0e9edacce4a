"""The fixed cost of every command: `iamdocs --version` and `--help` beside a bare `python -c pass`.

Each is the fastest of many fresh processes of the venv's own interpreter and console script, and
the median CPU time they used: on a busy machine the wall time mostly measures waiting.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from iamdocs.bench import Row, user_env

TITLE = "Start-up: iamdocs --version and --help beside a bare Python"


def _fastest(cmd: list[str], repeat: int) -> tuple[float, float]:
    """The shortest wall time and the median CPU time (user + system) of the process, in seconds."""
    best, cpus = float("inf"), []
    env = user_env()
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        best = min(best, time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed")
        cpus.append(usage.ru_utime + usage.ru_stime)
    return best, statistics.median(cpus)


def run(quick: bool) -> list[Row]:
    repeat = 10 if quick else 30
    script = str(Path(sys.executable).parent / "iamdocs")
    bare, bare_cpu = _fastest([sys.executable, "-c", "pass"], repeat)
    rows = [Row("python -c pass: fastest wall (median CPU)", f"{bare * 1000:.0f} ms ({bare_cpu * 1000:.0f} ms)")]
    for args in (["--version"], ["--help"]):
        wall, cpu = _fastest([script, *args], repeat)
        rows.append(Row(f"iamdocs {args[0]}: fastest wall (median CPU)",
                        f"{wall * 1000:.0f} ms = {wall / bare:.1f}x bare ({cpu * 1000:.0f} ms = "
                        f"{cpu / bare_cpu:.1f}x bare)", "<= 3x"))
    return rows
