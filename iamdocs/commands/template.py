"""`iamdocs template`: the manager-role CloudFormation template generated from policies/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iamdocs.commands._options import add_project_argument, project_root
from iamdocs.fsutil import REFUSED_TARGETS, check_target, write_atomic
from iamdocs.loader import load_sound_project

NAME = "template"
HELP = "print or write the manager-role CloudFormation template generated from policies/"
DESCRIPTION = (
    "The IAM part of the AI Unlimited template (parameters IamRole, IamRoleName, IamPermissionsBoundary, "
    "Session), with the policy files inlined. The guide offers the same text as a download; "
    "`iamdocs drift --cloudformation` and `iamdocs deploy` check it."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="FILE", type=Path,
                   help=f"write to FILE instead of standard output ({REFUSED_TARGETS})")
    add_project_argument(p)


def run(args: argparse.Namespace) -> int:
    from iamdocs.cfn.template import template_yaml  # lazy: only the command that runs pays for its imports

    if args.output is not None:
        check_target(args.output)  # before any work: a bad path is reported first
    project = load_sound_project(project_root(args))
    text = template_yaml(project)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    out: Path = args.output
    write_atomic(out, text)
    print(f"wrote {out}", file=sys.stderr)
    return 0
