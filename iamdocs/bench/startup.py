"""The fixed cost of every command: `iamdocs --version` and `--help` beside a bare `python -c pass`.

Each is the fastest of many fresh processes of the venv's own interpreter and console script, so
that a busy machine's noise does not decide the ratio.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from iamdocs.bench import Row, user_env

TITLE = "Start-up: iamdocs --version and --help beside a bare Python"


def _fastest(cmd: list[str], repeat: int) -> float:
    best = float("inf")
    env = user_env()
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def run(quick: bool) -> list[Row]:
    repeat = 10 if quick else 30
    script = str(Path(sys.executable).parent / "iamdocs")
    bare = _fastest([sys.executable, "-c", "pass"], repeat)
    version = _fastest([script, "--version"], repeat)
    help_ = _fastest([script, "--help"], repeat)
    return [
        Row("python -c pass (fastest)", f"{bare * 1000:.0f} ms"),
        Row("iamdocs --version (fastest)", f"{version * 1000:.0f} ms = {version / bare:.1f}x bare", "<= 3x"),
        Row("iamdocs --help (fastest)", f"{help_ * 1000:.0f} ms = {help_ / bare:.1f}x bare", "<= 3x"),
    ]
