"""`iamdocs preflight` of every role option against 20 SCPs of 20 statements each (target: at most 1 s).

The SCPs are generated the way organisations write guardrails: Deny statements with NotAction
exceptions and Region, tag, principal and network conditions, Allow-lists, FullAWSAccess, spread
over four levels of five SCPs each. The figure is the time to decide every request of every option,
one option after another in one process, and the wall time of the command itself (a fresh process).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from iamdocs import iamdb
from iamdocs.bench import Row, measure
from iamdocs.loader import load_sound_project
from iamdocs.preflight.check import preflight
from iamdocs.preflight.inputs import guardrails

TITLE = "iamdocs preflight"
LEVELS, PER_LEVEL, STATEMENTS = 4, 5, 20

_ACTIONS = ["ec2:*", "ec2:RunInstances", "ec2:Create*", "iam:*", "iam:CreateRole", "iam:PassRole", "s3:*",
            "s3:PutObject", "secretsmanager:*", "ssm:*", "cloudformation:*", "route53:*", "kms:*", "rds:*",
            "lambda:*", "organizations:*", "sts:*", "logs:*", "cloudtrail:StopLogging", "guardduty:Delete*"]
_CONDITIONS: list[dict[str, Any]] = [
    {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1", "us-east-1"]}},
    {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/platform-*", "arn:aws:iam::*:role/ai-unlimited-*"]}},
    {"Null": {"aws:RequestTag/CostCenter": "true"}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}},
    {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": ["aws:*", "internal:*"]}},
    {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
]


def _statement(rng: random.Random, i: int) -> dict[str, Any]:
    st: dict[str, Any] = {"Sid": f"Guardrail{i}", "Effect": "Deny"}
    st["NotAction" if rng.random() < 0.3 else "Action"] = rng.sample(_ACTIONS, rng.randint(1, 4))
    st["Resource"] = rng.choice(["*", "*", "arn:aws:iam::*:role/*", "arn:aws:ec2:*:*:instance/*",
                                 "arn:aws:s3:::*"])
    st["Condition"] = {}
    for c in rng.sample(_CONDITIONS, rng.randint(1, 2)):
        st["Condition"].update(c)
    return st


def write_scps(folder: Path, seed: int = 19) -> list[Path]:
    """LEVELS files, each a list of PER_LEVEL policies of STATEMENTS statements (one of them FullAWSAccess)."""
    rng = random.Random(seed)
    paths = []
    for level in range(LEVELS):
        policies = [{"Version": "2012-10-17",
                     "Statement": [{"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"},
                                   *(_statement(rng, i) for i in range(STATEMENTS - 1))]}]
        policies += [{"Version": "2012-10-17", "Statement": [_statement(rng, i) for i in range(STATEMENTS)]}
                     for _ in range(PER_LEVEL - 1)]
        path = folder / f"level-{level + 1}.json"
        path.write_text(json.dumps(policies, indent=2), encoding="utf-8")
        paths.append(path)
    return paths


def run(quick: bool) -> list[Row]:
    project = load_sound_project()
    db = iamdb.load()
    options = list(project.catalog.options)
    with tempfile.TemporaryDirectory(prefix="iamdocs-bench-") as tmp:
        paths = write_scps(Path(tmp))
        best, cpu = float("inf"), float("inf")
        for _ in range(3 if quick else 7):
            start, start_cpu = time.perf_counter(), time.process_time()
            scps, _, _ = guardrails(paths, [], None)
            results = [preflight(project, db, [o], scps, region="us-east-1", account="123456789012") for o in options]
            best = min(best, time.perf_counter() - start)
            cpu = min(cpu, time.process_time() - start_cpu)
        cmd = [sys.executable, "-m", "iamdocs", "preflight", "--region", "us-east-1", "--account", "123456789012",
               *(a for o in options for a in ("--option", o)), *(a for p in paths for a in ("--scp", str(p)))]
        wall, peak = measure(cmd, repeat=2 if quick else 5, ok_codes=(0, 1))
    decided = sum(r.actions for r in results)
    return [
        Row(f"every option ({len(options)}), one after another, against {LEVELS * PER_LEVEL} SCPs of {STATEMENTS} "
            f"statements ({LEVELS} levels): reading and deciding", f"{best:.3f} s ({decided} actions)", "<= 1 s"),
        Row("the same: CPU time (what a busy machine's wall time hides)", f"{cpu:.3f} s", "<= 1 s"),
        Row("the same as one command, every option together (fresh process): median wall", f"{wall:.2f} s", ""),
        Row("that command: peak RSS", f"{peak:.0f} MB", ""),
    ]
