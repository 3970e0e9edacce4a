"""`iamdocs validate`: the check release CI runs on the policy files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from iamdocs.errors import UserError
from iamdocs.lint import Context
from iamdocs.lint import run as run_rules
from iamdocs.lint.formatters import FORMATS
from iamdocs.loader import find_root, load_project, read_policy_file

NAME = "validate"
HELP = "check the policy files and the catalog against the JSON Schemas and the lint rules"
DESCRIPTION = (
    "Check policies/ (default) or the given files and folders. Exit 0 when clean (warnings allowed "
    "unless --strict), 1 when there are findings that fail the check, 2 for a usage error."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="policy files or folders (default: the project's policies/)")
    p.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    p.add_argument("--strict", action="store_true", help="fail on warnings that the catalog has not accepted")
    p.add_argument("--fix", action="store_true", help="rewrite files into canonical form; changes nothing else")
    p.add_argument("--select", metavar="IDS", help="only these rule IDs, comma-separated")
    p.add_argument("--show-accepted", action="store_true", help="also print findings the catalog accepts")
    p.add_argument("--project", metavar="DIR", type=Path, help="project folder (default: found from the current folder)")


def _collect(paths: list[str], project_root: Path) -> tuple[list[Path], bool]:
    """The files to check, and whether they are the project's own policies/."""
    pdir = (project_root / "policies").resolve()
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(p.glob("*.json"))
            if not found:
                raise UserError(f"{raw}: no *.json policy files in this folder")
            files.extend(found)
        else:
            files.append(p)  # missing files are reported by E001 with their name
    own = bool(files) and all(f.resolve().parent == pdir for f in files) and {f.resolve() for f in files} == set(pdir.glob("*.json"))
    return files, own


def run(args: argparse.Namespace) -> int:
    root = (args.project or find_root()).resolve()
    project = load_project(root)
    if args.paths:
        targets, own = _collect(args.paths, root)
    else:
        targets, own = [], True
    if own:
        ctx = Context(project=project, files=project.files)
    else:
        ctx = Context(project=project, files=[read_policy_file(p) for p in targets], lone=True)
    select = {s.strip() for s in args.select.split(",")} if args.select else None
    if args.fix:
        from iamdocs.lint.fix import fix_files

        for message in fix_files(ctx.files):
            print(message, file=sys.stderr)
        project = load_project(root)
        ctx = Context(project=project, files=project.files) if own else Context(
            project=project, files=[read_policy_file(p) for p in targets], lone=True)
    findings = run_rules(ctx, select)
    sys.stdout.write(FORMATS[args.format](findings, len(ctx.files)) if args.format != "text"
                     else FORMATS["text"](findings, len(ctx.files), args.show_accepted))
    failing = [f for f in findings if f.severity == "error" or (args.strict and f.severity == "warning" and not f.accepted)]
    return 1 if failing else 0
