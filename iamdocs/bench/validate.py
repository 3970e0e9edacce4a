"""`iamdocs validate` as CI runs it, beside parliament on the same files in the same run.

The real policies are checked warm and with an empty cache (a fresh CI machine: no IAM index, no
checked catalog). The generated corpora use real action names (100 per policy, drawn with a fixed
seed from every action the IAM data lists), so every rule does its full work on them; they are
written to a temporary folder and checked as lone files, as a customer's own policies would be.
parliament (pinned in the `bench` extra) reads the same folder; its CPU time is the comparison.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

from iamdocs import iamdb
from iamdocs.bench import Row, measure, measure_cpu

TITLE = "iamdocs validate, beside parliament on the same files"
ACTIONS_PER_POLICY = 100


def _corpus(folder: Path, count: int) -> None:
    names = sorted(a.full_name for a in iamdb.load().expand("*"))
    rng = random.Random(2)
    for i in range(count):
        actions = rng.sample(names, ACTIONS_PER_POLICY)
        doc = {"Version": "2012-10-17",
               "Statement": [{"Sid": "Generated", "Effect": "Allow", "Action": sorted(actions), "Resource": "*"}]}
        (folder / f"policy-{i:05d}.json").write_text(json.dumps(doc, indent=2) + "\n")


def _parliament(folder: Path | str) -> list[str]:
    exe = Path(sys.executable).parent / "parliament"
    if not exe.exists():
        raise RuntimeError("parliament is not installed: pip install -e '.[bench]' (make installs it)")
    return [str(exe), "--directory", str(folder), "--include_policy_extension", ".json"]


def run(quick: bool) -> list[Row]:
    iamdocs = [sys.executable, "-m", "iamdocs", "validate"]
    repeat = 2 if quick else 5
    policies = Path(__file__).resolve().parents[2] / "policies"
    rows = [Row("IAM data", iamdb.load().source, "")]

    wall, peak = measure(iamdocs, repeat=repeat)
    rows.append(Row("real policies (4 files), warm: median wall", f"{wall:.3f} s", "< 0.5 s"))
    rows.append(Row("real policies: peak RSS", f"{peak:.0f} MB", "< 250 MB"))
    with tempfile.TemporaryDirectory(prefix="iamdocs-bench-cache-") as cache:
        def empty() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        cold, _, cold_cpu = measure_cpu(iamdocs, repeat=repeat, env={"XDG_CACHE_HOME": cache}, before=empty)
    parl, _, parl_cpu = measure_cpu(_parliament(policies), repeat=repeat, ok_codes=(0, 1))
    rows.append(Row("real policies, empty cache: median wall (CPU)", f"{cold:.3f} s ({cold_cpu:.2f} s)"))
    rows.append(Row("parliament, same 4 files: median wall (CPU)", f"{parl:.3f} s ({parl_cpu:.2f} s)"))
    rows.append(Row("empty cache / parliament, wall", f"{cold / parl:.2f}x", "<= 0.6x"))

    peaks = {}
    for count in ([100, 250] if quick else [250, 2000, 10000]):
        with tempfile.TemporaryDirectory(prefix="iamdocs-bench-") as tmp:
            _corpus(Path(tmp), count)
            wall, peak, cpu = measure_cpu([*iamdocs, tmp], repeat=1, ok_codes=(0, 1))
            peaks[count] = peak
            rows.append(Row(f"{count:,} policies x {ACTIONS_PER_POLICY} actions: wall, CPU, peak RSS",
                            f"{wall:.1f} s, {cpu:.1f} s ({cpu / count * 1000:.1f} ms/policy), {peak:.0f} MB",
                            "<= 250 MB" if count == 10000 else ""))
            if count in (250, 10000) or quick:
                p_wall, p_peak, p_cpu = measure_cpu(_parliament(tmp), repeat=1, ok_codes=(0, 1))
                rows.append(Row(f"parliament, same {count:,}: wall, CPU, peak RSS",
                                f"{p_wall:.1f} s, {p_cpu:.1f} s, {p_peak:.0f} MB"))
                rows.append(Row(f"CPU at {count:,}: iamdocs / parliament", f"{cpu / p_cpu:.2f}x",
                                "<= 0.35x" if count == 10000 else ""))
    small, *_, large = sorted(peaks)
    middle = 2000 if 2000 in peaks else large
    rows.append(Row(f"peak RSS at {middle:,} / at {small:,}", f"{peaks[middle] / peaks[small]:.2f}x", "<= 1.3x"))
    return rows
