"""`iamdocs template`: the manager-role CloudFormation template generated from policies/."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from iamdocs.errors import UserError
from iamdocs.loader import find_root, load_sound_project

NAME = "template"
HELP = "print or write the manager-role CloudFormation template generated from policies/"
DESCRIPTION = (
    "The IAM part of the AI Unlimited template (parameters IamRole, IamRoleName, IamPermissionsBoundary, "
    "Session), with the policy files inlined. The guide offers the same text as a download; "
    "`iamdocs drift --cloudformation` and `iamdocs deploy` check it."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="FILE", type=Path, help="write to FILE instead of standard output")
    p.add_argument("--project", metavar="DIR", type=Path,
                   help="project folder (default: found from the current folder)")


def run(args: argparse.Namespace) -> int:
    from iamdocs.cfn.template import template_yaml

    project = load_sound_project((args.project or find_root()).resolve())
    text = template_yaml(project)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    out: Path = args.output
    tmp = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed, so a failure never leaves half a template (nor the temporary file).
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except OSError as exc:
        raise UserError(f"{out}: cannot write: {exc.strerror or exc}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    print(f"wrote {out}", file=sys.stderr)
    return 0
