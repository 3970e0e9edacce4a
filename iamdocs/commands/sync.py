"""`iamdocs sync`: write the canonical policies into CloudFormation templates, changing nothing else."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iamdocs.cfn.reader import NotATemplate
from iamdocs.commands._options import add_project_argument, project_root
from iamdocs.errors import UserError
from iamdocs.fsutil import write_atomic
from iamdocs.loader import load_sound_project
from iamdocs.output import printable

NAME = "sync"
HELP = "rewrite the IAM policy documents of CloudFormation templates to grant exactly what policies/ grants"
DESCRIPTION = (
    "Rewrite, in place, each IAM policy document that `iamdocs drift --cloudformation` matches to a canonical "
    "policy and that grants something else, in the template's own style. Nothing outside those documents "
    "changes. Exit 0 when done (or, with --check, when nothing needs a change), 1 with --check when a template "
    "needs a change, 2 for a usage error or unreadable input; nothing is written unless every template could be "
    "read. Each template gets its own verdict, and the worst of them is the exit code (2 before 1): a template that "
    "cannot be read never hides one that needs a change. A template with nothing to sync (no policy document that "
    "copies a canonical policy, such as a third-party template) passes --check; writing sync refuses it, unless "
    "--skip-unrelated. A template that is a symbolic link, has other hard links, is read-only (even for root) or "
    "was saved by someone else while sync ran is refused, not written."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cloudformation", metavar="FILE", type=Path, nargs="*", action="extend", required=True,
                   help="CloudFormation templates (YAML or JSON) to rewrite; more may follow as FILE arguments")
    p.add_argument("--map", metavar="ID=FILE", action="append", default=[],
                   help="write this policy file (several: comma-separated) into this document (LogicalId, or "
                        "LogicalId/PolicyName for a role's inline policy) instead of the most resembling one")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="change nothing: print the change as a unified diff, exit 1 when there is one")
    mode.add_argument("--diff", action="store_true", help="print the change as a unified diff and write it")
    p.add_argument("--skip-unrelated", action="store_true",
                   help="pass, with a note, a file that is not a CloudFormation template (a parameters file beside "
                        "the templates) or has nothing to sync; without it that is exit 2 (--check passes a "
                        "template with nothing to sync anyway). For pre-commit and CI, which hand over every file "
                        "a pattern matches")
    add_project_argument(p)
    p.add_argument("files", metavar="FILE", type=Path, nargs="*",
                   help="more templates; after --, a file name may start with -")


def run(args: argparse.Namespace) -> int:
    from iamdocs import iamdb  # lazy: only the command that runs pays for its imports
    from iamdocs.sync import NothingToSync, Result, sync_file  # lazy: only the command that runs pays for its imports

    files = list(dict.fromkeys([*args.cloudformation, *args.files]))
    if not files:
        raise UserError("--cloudformation: name at least one template")
    project = load_sound_project(project_root(args))
    db = iamdb.load()
    # Every template is read and rewritten in memory first: one bad template means none is written.
    results: list[Result] = []
    passed: dict[Path, str] = {}  # a template that passes without a result, and the line that says why
    errors: list[UserError] = []
    for path in files:
        try:
            results.append(sync_file(path, project, db, args.map))
        except NotATemplate as exc:
            if not args.skip_unrelated:
                errors.append(exc)
            else:
                passed[path] = f"{exc.message}; skipped"
        except NothingToSync as exc:
            if not (args.check or args.skip_unrelated):
                errors.append(exc)
            else:
                passed[path] = exc.message
        except UserError as exc:
            errors.append(exc)
    for exc in errors:
        say(f"iamdocs sync: error: {exc.message}")
        if exc.hint:
            say(f"hint: {exc.hint}")
    for r in results:
        if r.changed and (args.check or args.diff):
            sys.stdout.write(r.unified_diff())
    if errors and not args.check:
        if len(files) > 1:
            say(f"nothing written: {len(errors)} of {len(files)} templates could not be synced")
        return 2
    done = {r.path: r for r in results}
    for path in files:
        r = done.get(path)
        if r is None:
            if path in passed:
                say(passed[path])
        elif not r.changed:
            say(f"{r.path}: in sync")
        elif args.check:
            say(f"{r.path}: would rewrite {', '.join(r.rewritten)}")
        else:
            write_atomic(r.path, r.after, unchanged_since=r.raw)
            say(f"{r.path}: rewrote {', '.join(r.rewritten)}")
    if errors:
        return 2
    return 1 if args.check and any(r.changed for r in results) else 0


def say(line: str) -> None:
    """One line about a template, on stderr; a file name with a line break or an escape stays on its line."""
    print(printable(line), file=sys.stderr)
