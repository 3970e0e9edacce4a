"""Drift on a generated 1,000-line CloudFormation template, as a fresh `iamdocs drift` process."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from iamdocs.bench import Row, measure

TITLE = "drift: a 1,000-line CloudFormation template"
TARGET_LINES = 1000


def template_text(lines: int = TARGET_LINES) -> str:
    """Roles whose inline policies copy the manager and Session Manager policies one statement per action (as
    hand-kept copies often are), every other copy missing one action, until the template has about `lines` lines."""
    from iamdocs.loader import load_sound_project

    project = load_sound_project()
    files = [f for f in project.files if f.name != "ai-unlimited-engine.json"]
    out = ['AWSTemplateFormatVersion: "2010-09-09"', "Description: drift benchmark", "Resources:"]
    i = 0
    while len(out) < lines:
        f = files[i % len(files)]
        actions = [a for st in f.document["Statement"] for a in st["Action"]][i % 2:]
        out += [f"  Role{i}:", "    Type: AWS::IAM::Role", "    Properties:", "      Policies:",
                f"        - PolicyName: !Sub '${{AWS::StackName}}-{i}'", "          PolicyDocument:",
                '            Version: "2012-10-17"', "            Statement:"]
        for a in actions:
            if len(out) + 3 > lines:
                break
            out += ["              - Effect: Allow", f"                Action: {a}", '                Resource: "*"']
        i += 1
    return "\n".join(out) + "\n"


def run(quick: bool) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.yaml"
        path.write_text(template_text(), encoding="utf-8")
        n = len(path.read_text().splitlines())
        cmd = [sys.executable, "-m", "iamdocs", "drift", "--cloudformation", str(path)]
        wall, rss = measure(cmd, repeat=3 if quick else 7, ok_codes=(1,))  # the copies drift on purpose
    return [
        Row("template lines", f"{n:,}"),
        Row("wall time, fresh process (median)", f"{wall:.2f} s", "< 1 s"),
        Row("peak RSS", f"{rss:.0f} MB"),
    ]
