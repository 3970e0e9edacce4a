"""Drift on templates that amplify a little text into a lot of work: each must be refused (exit 2) quickly.

Templates written here, not taken from anywhere: a 1.4 MB one whose policy names a 1 MB
parameter default through `!Sub` again and again, and a 90 kB one whose `!Join` repeats one
YAML anchor's text through thousands of aliases, each also in a variant that stays under the
first bound it meets, so that every bound is reached. Unbounded, the first drove drift to a
MemoryError at 3 GB and the second took 10 s and 363 MB; the bounds refuse them all
(targets: exit 2 in under 5 s, peak under 200 MB).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from iamdocs.bench import Row, measure

TITLE = "drift on amplification templates: refused by the evaluator's bounds"
TARGET_SECONDS = 5.0
TARGET_MB = 200

_HEAD = ['AWSTemplateFormatVersion: "2010-09-09"']
_POLICY = ["Resources:", "  Amplified:", "    Type: AWS::IAM::ManagedPolicy", "    Properties:",
           "      PolicyDocument:", '        Version: "2012-10-17"', "        Statement:",
           "          - Effect: Allow", "            Action: ['secretsmanager:GetSecretValue']"]


def sub_template(default_chars: int = 1_000_000, total_bytes: int = 1_400_000) -> str:
    """A 1 MB parameter default, substituted by `!Sub` into one Resource after another up to `total_bytes`."""
    out = [*_HEAD, "Parameters:", "  Big:", "    Type: String", "    Default: " + "x" * default_chars,
           *_POLICY, "            Resource:"]
    item = '              - !Sub "arn:aws:s3:::${Big}"'
    size = sum(len(line) + 1 for line in out)
    count = max(1, (total_bytes - size) // (len(item) + 1))
    return "\n".join(out + [item] * count) + "\n"


def alias_template(anchor_chars: int = 30_000, total_bytes: int = 90_000) -> str:
    """One anchored text of `anchor_chars`, joined through as many aliases as fit in `total_bytes`."""
    head = [*_HEAD, "Metadata:", "  Text: &t " + "a" * anchor_chars, *_POLICY]
    size = sum(len(line) + 1 for line in head) + 60
    count = max(1, (total_bytes - size) // len("*t, "))
    return "\n".join([*head, '            Resource: !Join ["", [' + ", ".join(["*t"] * count) + "]]"]) + "\n"


TEMPLATES = {
    "sub": sub_template,  # one !Sub passes the bound on one text
    "sub-below-text-bound": lambda: sub_template(default_chars=999_000),  # each !Sub fits; their sum does not
    "alias": alias_template,  # the reader's bound on characters through aliases
    "join": lambda: alias_template(anchor_chars=300),  # fits the reader's bound; the !Join passes the text bound
}


def run(quick: bool) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in TEMPLATES.items():
            path = Path(tmp) / f"{name}.yaml"
            path.write_text(make(), encoding="utf-8")
            drift = [sys.executable, "-m", "iamdocs", "drift", "--cloudformation", str(path)]
            wall, rss = measure(drift, repeat=1 if quick else 3, ok_codes=(2,))
            size = path.stat().st_size
            rows += [Row(f"{name}: {size / 1000:,.0f} kB template, drift exit 2: wall time (median)", f"{wall:.2f} s",
                         f"< {TARGET_SECONDS:.0f} s"),
                     Row(f"{name}: peak RSS", f"{rss:.0f} MB", f"< {TARGET_MB} MB")]
    return rows
