"""The full embedded deploy cycle as a fresh process: server start, every option, the stacks, verify, teardown.

The moto server runs in a child process; the report carries both peaks (the
command's own from getrusage, the server's VmHWM read just before it stops), and
their sum bounds the memory the cycle needs at once.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

from iamdocs.bench import Row, measure

TITLE = "iamdocs deploy (embedded moto, every role option and stack)"


def run(quick: bool) -> list[Row]:
    repeat = 1 if quick else 5
    walls, command_peaks, server_peaks = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        for _ in range(repeat):
            wall, _ = measure([sys.executable, "-m", "iamdocs", "deploy", "--report", str(report)], repeat=1)
            data = json.loads(report.read_text())
            walls.append(wall)
            command_peaks.append(data["process"]["peak_rss_mb"])
            server_peaks.append(data["server"]["peak_rss_mb"])
    both = max(c + s for c, s in zip(command_peaks, server_peaks, strict=True))
    return [
        Row(f"median wall, {repeat} run(s)", f"{statistics.median(walls):.2f} s", "< 10 s"),
        Row("peak memory, iamdocs deploy process", f"{max(command_peaks):.0f} MB"),
        Row("peak memory, moto server process", f"{max(server_peaks):.0f} MB"),
        Row("peak memory, both together", f"{both:.0f} MB", "< 500 MB"),
    ]
