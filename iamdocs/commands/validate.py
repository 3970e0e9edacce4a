"""`iamdocs validate`: the check release CI runs on the policy files."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from iamdocs.commands._options import add_project_argument, project_root
from iamdocs.errors import UserError
from iamdocs.fsutil import REFUSED_TARGETS
from iamdocs.lint import Context, Finding, discover_rules, iter_findings
from iamdocs.lint.formatters import FORMATS, Run
from iamdocs.loader import load_project, read_policy_file
from iamdocs.model import PolicyFile, Project
from iamdocs.output import printable

NAME = "validate"
HELP = "check the policy files and the catalog against the JSON Schemas and the lint rules"
DESCRIPTION = (
    "Check policies/ (default) or the given files and folders. Files outside the project are checked on their "
    "own (grammar, actions, placeholders, size, security), with the project's declared placeholders. Exit 0 when "
    "clean (warnings allowed unless --strict), 1 when there are findings that fail the check, 2 for a usage error."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="policy files or folders (default: the project's policies/)")
    p.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    p.add_argument("--strict", action="store_true", help="fail on warnings that the catalog has not accepted")
    p.add_argument("--fix", action="store_true",
                   help=f"rewrite files into canonical form; changes nothing else ({REFUSED_TARGETS})")
    p.add_argument("--select", metavar="IDS", help="only these rule IDs, comma-separated (e.g. E010,E021)")
    p.add_argument("--show-accepted", action="store_true", help="also print findings the catalog accepts")
    add_project_argument(p)


def _collect(paths: list[str]) -> list[Path]:
    """The files named on the command line, folders expanded to their *.json files, each once."""
    files: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(p.glob("*.json"))
            if not found:
                raise UserError(f"{raw}: no *.json policy files in this folder")
        elif p.exists() and not p.is_file():  # a device or pipe: reading /dev/zero would never end
            raise UserError(f"{raw}: not a regular file or folder", hint="save the policy to a file first")
        else:
            found = [p]  # missing files are reported by E001 with their name
        for f in found:
            key = _real(f)
            if key not in seen:
                seen.add(key)
                files.append(f)
    return files


def _real(path: Path) -> Path:
    """The file a path names, for comparing paths; a symbolic link loop stays as it is (no error)."""
    return Path(os.path.realpath(path))


def _context(project: Project, paths: list[str]) -> Context:
    """Project mode for policies/ as a whole; otherwise lone mode, reusing the project's reading of its own files.

    Lone files are checked in report order (by the path their findings show), so that each file's findings are
    written as soon as it is checked.
    """
    if not paths:
        return Context(project=project, files=project.files)
    targets = _collect(paths)
    own = {_real(project.policies_dir / f.name): f for f in project.files}
    if {_real(t) for t in targets} == set(own) and own:
        return Context(project=project, files=project.files)

    def shown(target: Path) -> str:
        mine = own.get(_real(target))
        return str(mine.path if mine is not None else target)

    return Context(project=project, files=LazyFiles(sorted(targets, key=shown), own), lone=True,
                   in_report_order=True)


class LazyFiles(Sequence[PolicyFile]):
    """Lone files, read when reached: the rules see one at a time, and each is dropped after its turn."""

    def __init__(self, paths: list[Path], own: dict[Path, PolicyFile]) -> None:
        self._paths = paths
        self._own = own  # the project's own files, already read

    def __len__(self) -> int:
        return len(self._paths)

    def __getitem__(self, i):  # type: ignore[override]  # Sequence's int/slice overloads
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._read(self._paths[i])

    def __iter__(self) -> Iterator[PolicyFile]:
        for path in self._paths:  # unlike Sequence's own, holds no file while it reads the next
            yield self._read(path)

    def _read(self, path: Path) -> PolicyFile:
        return self._own.get(_real(path)) or read_policy_file(path)


def _select(raw: str | None) -> set[str] | None:
    if not raw:
        return None
    wanted = {s.strip().upper() for s in raw.split(",") if s.strip()}
    known = {r.id for r in discover_rules()}
    unknown = sorted(wanted - known)
    if unknown or not wanted:
        raise UserError(f"--select: unknown rule ID {', '.join(unknown) or '(none given)'}",
                        hint=f"known rules: {', '.join(sorted(known))}")
    return wanted


def run(args: argparse.Namespace) -> int:
    select = _select(args.select)
    root = project_root(args)
    project = load_project(root)
    ctx = _context(project, args.paths)
    if args.fix:
        from iamdocs.lint.fix import fix_files  # lazy: only --fix needs it

        for message in fix_files(ctx.files):
            print(printable(message), file=sys.stderr)
        ctx = _context(load_project(root), args.paths)  # check what is on disk now
    failing = 0

    def counted() -> Iterator[Finding]:
        nonlocal failing
        for f in iter_findings(ctx, select):
            if f.severity == "error" or (args.strict and f.severity == "warning" and not f.accepted):
                failing += 1
            yield f

    for piece in FORMATS[args.format](counted(), Run(len(ctx.files), args.show_accepted, ctx.iam.sources)):
        sys.stdout.write(piece)
    return 1 if failing else 0
