"""`iamdocs sync`: write the canonical policies into CloudFormation templates, changing nothing else."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iamdocs.commands._options import add_project_argument, project_root
from iamdocs.fsutil import write_atomic
from iamdocs.loader import load_sound_project

NAME = "sync"
HELP = "rewrite the IAM policy documents of CloudFormation templates to grant exactly what policies/ grants"
DESCRIPTION = (
    "Rewrite, in place, each IAM policy document that `iamdocs drift --cloudformation` matches to a canonical "
    "policy and that grants something else, in the template's own style. Nothing outside those documents "
    "changes. Exit 0 when done (or, with --check, when nothing needs a change), 1 with --check when a template "
    "needs a change, 2 for a usage error or unreadable input; nothing is written unless every template could be "
    "read. A template that is a symbolic link, has other hard links, is read-only (even for root) or was saved "
    "by someone else while sync ran is refused, not written."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cloudformation", metavar="FILE", type=Path, nargs="+", action="extend", required=True,
                   help="CloudFormation templates (YAML or JSON) to rewrite")
    p.add_argument("--map", metavar="ID=FILE", action="append", default=[],
                   help="write this policy file (several: comma-separated) into this document (LogicalId, or "
                        "LogicalId/PolicyName for a role's inline policy) instead of the most resembling one")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="change nothing: print the change as a unified diff, exit 1 when there is one")
    mode.add_argument("--diff", action="store_true", help="print the change as a unified diff and write it")
    add_project_argument(p)


def run(args: argparse.Namespace) -> int:
    from iamdocs import iamdb  # lazy: only the command that runs pays for its imports
    from iamdocs.sync import sync_file  # lazy: only the command that runs pays for its imports

    project = load_sound_project(project_root(args))
    db = iamdb.load()
    # Every template is read and rewritten in memory first: one bad template means none is written.
    results = [sync_file(path, project, db, args.map) for path in dict.fromkeys(args.cloudformation)]
    for r in results:
        if r.changed and (args.check or args.diff):
            sys.stdout.write(r.unified_diff())
    if args.check:
        for r in results:
            state = f"would rewrite {', '.join(r.rewritten)}" if r.changed else "in sync"
            print(f"{r.path}: {state}", file=sys.stderr)
        return 1 if any(r.changed for r in results) else 0
    for r in results:
        if r.changed:
            write_atomic(r.path, r.after, unchanged_since=r.raw)
            print(f"{r.path}: rewrote {', '.join(r.rewritten)}", file=sys.stderr)
        else:
            print(f"{r.path}: in sync", file=sys.stderr)
    return 0
