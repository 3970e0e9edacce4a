"""`iamdocs sync --check` on a 10,000-line template in the product's shape, beside `iamdocs drift` on the same file.

Sync reads the template through drift's reader and matching, then writes each
drifted document and reads its own result back; this shows what that costs over
drift. The template is drift's benchmark template (one action missing from the
manager policy), so both commands have one document to report.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from iamdocs.bench import Row, measure
from iamdocs.bench.drift import template_text

TITLE = "sync --check: a 10,000-line template in the product's shape, beside drift"
LINES = 10_000


def run(quick: bool) -> list[Row]:
    repeat = 3 if quick else 7
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.yaml"
        path.write_text(template_text(LINES), encoding="utf-8")
        before = path.read_bytes()
        n = len(before.decode().splitlines())
        iamdocs = [sys.executable, "-m", "iamdocs"]
        sync_wall, sync_rss = measure([*iamdocs, "sync", "--check", "--cloudformation", str(path)], repeat=repeat,
                                      ok_codes=(1,))  # the template drifts on purpose: a change is needed
        drift_wall, drift_rss = measure([*iamdocs, "drift", "--cloudformation", str(path)], repeat=repeat,
                                        ok_codes=(1,))
        if path.read_bytes() != before:
            raise RuntimeError("sync --check changed the template")
    return [
        Row("template lines", f"{n:,}"),
        Row("sync --check, fresh process (median)", f"{sync_wall:.2f} s"),
        Row("drift, same file, fresh process (median)", f"{drift_wall:.2f} s"),
        Row("sync --check / drift", f"{sync_wall / drift_wall:.2f}x", "<= 1.2x"),
        Row("peak RSS: sync --check / drift", f"{sync_rss:.0f} MB / {drift_rss:.0f} MB"),
    ]
