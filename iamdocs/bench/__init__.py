"""Benchmarks that print figures; `scripts/bench` runs every section module in this folder.

A section module defines TITLE and `run(quick: bool) -> list[Row]`. Figures are
printed, never asserted: targets are checked by reading them, not by timed tests.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass
class Row:
    metric: str
    value: str
    target: str = ""


def measure(cmd: Sequence[str], repeat: int = 5, cwd: str | None = None, env: dict | None = None,
            ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Median wall time (s) and largest peak RSS (MB) of `cmd` run as a fresh process `repeat` times."""
    wall, peak, _ = measure_cpu(cmd, repeat, cwd, env, ok_codes)
    return wall, peak


def user_env(env: dict | None = None) -> dict:
    """The environment a user's or CI's command has: compiled modules are used and written as usual."""
    out = {**os.environ, **(env or {})}
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    return out


def measure_cpu(cmd: Sequence[str], repeat: int = 5, cwd: str | None = None, env: dict | None = None,
                ok_codes: tuple[int, ...] = (0,), before: Callable[[], object] | None = None,
                ) -> tuple[float, float, float]:
    """Median wall time (s), largest peak RSS (MB) and median CPU time (user + system, s) of `cmd`.

    `before` runs ahead of each run (e.g. to empty a cache), outside the time measured.
    """
    walls, peaks, cpus = [], [], []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=user_env(env),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if code not in ok_codes:
            raise RuntimeError(f"{' '.join(cmd)} exited {code}: {err[-2000:]}")
        peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
        cpus.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(walls), max(peaks), statistics.median(cpus)


def sections() -> list:
    from iamdocs import bench as pkg  # lazy: sections are discovered when the benchmark runs

    names = sorted(i.name for i in pkgutil.iter_modules(pkg.__path__))
    return [importlib.import_module(f"{pkg.__name__}.{name}") for name in names]


def main(argv: Sequence[str] | None = None) -> int:
    import argparse  # lazy: only when run as a command

    p = argparse.ArgumentParser(prog="scripts/bench", description="Print speed and memory figures.")
    p.add_argument("--quick", action="store_true", help="fewer repeats and smaller corpora, for a smoke run")
    p.add_argument("--only", metavar="NAME", help="run only the section modules whose name contains NAME")
    args = p.parse_args(argv)
    print(f"iamdocs benchmarks on {os.cpu_count()} cores ({'quick' if args.quick else 'full'} run)\n")
    for mod in sections():
        if args.only and args.only not in mod.__name__:
            continue
        print(f"## {mod.TITLE}\n")
        print("| metric | value | target |\n|---|---|---|")
        for row in mod.run(args.quick):
            print(f"| {row.metric} | {row.value} | {row.target} |", flush=True)
        print()
    return 0
