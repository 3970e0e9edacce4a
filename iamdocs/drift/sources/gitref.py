"""The policies as they were at an earlier git ref, read through the loader's parse path."""

from __future__ import annotations

import subprocess
from pathlib import Path

from iamdocs.drift.compare import Copy
from iamdocs.errors import UserError
from iamdocs.loader import read_policy_bytes
from iamdocs.model import Project
from iamdocs.positions import Location, from_node


def _git(root: Path, *args: str) -> bytes:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=60)
    except FileNotFoundError:
        raise UserError("git is not installed; --ref needs it") from None
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip().splitlines()
        raise UserError(f"git {' '.join(args)}: {message[-1] if message else 'failed'}")
    return proc.stdout


def ref_copies(root: Path, ref: str) -> dict[str, Copy]:
    """Every policies/*.json at `ref`, by file name. An unreadable one is an error naming ref and file."""
    if ref.startswith("-"):
        raise UserError(f"--ref {ref}: not a git ref")
    try:
        _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except UserError:
        raise UserError(f"--ref {ref}: no such commit, branch or tag in {root}", hint="git tag --list") from None
    listing = _git(root, "ls-tree", "--name-only", "-z", f"{ref}", "--", "policies/").decode()
    out: dict[str, Copy] = {}
    for entry in filter(None, listing.split("\0")):
        name = entry.rsplit("/", 1)[-1]
        if not name.endswith(".json"):
            continue
        shown = Path(f"{ref}:{entry}")
        # `ls-tree` names paths from the project folder; `ref:./path` reads them from there too, also when the
        # project is a subfolder of its repository (plain `ref:path` starts at the repository's top).
        pf = read_policy_bytes(_git(root, "show", f"{ref}:./{entry}"), shown, name)
        if pf.error or pf.root is None:
            raise UserError(f"{pf.error_loc}: {pf.error}")
        out[name] = Copy(name, from_node(pf.root), Location(shown, 1, 1))
    if not out:
        raise UserError(f"--ref {ref}: no policies/*.json at that commit")
    return out


def current_copies(project: Project) -> dict[str, Copy]:
    """The working tree's policies as copies with positions, for locating what was added."""
    return {f.name: Copy(f.name, from_node(f.root), Location(f.path, 1, 1)) for f in project.files if f.root}


def renames(project: Project) -> dict[str, str]:
    """Former file name -> today's name, from the catalog (former_names and history)."""
    out: dict[str, str] = {}
    if project.catalog is None:
        return out
    for h in project.catalog.history:
        out.update(h.renamed)
    for meta in project.catalog.policies.values():
        for former in meta.former_names:
            out.setdefault(former, meta.file)
    return out
