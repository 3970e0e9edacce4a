"""The one loader of `policies/`: every consumer reads the policies through here.

`load_project` never raises for bad content: it records what it could not read
on the objects it returns, so that `iamdocs validate` can report every problem
at once with its location. Consumers that need a sound project (pages, deploy,
drift) call `load_sound_project`, which raises `ProjectError` instead.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from iamdocs import jsonpos, yamlpos
from iamdocs.datafiles import cache_folder
from iamdocs.errors import UserError
from iamdocs.fsutil import Unreadable, read_regular
from iamdocs.model import (
    AcceptedFinding,
    Catalog,
    CloudFormationSpec,
    Guardrail,
    HistoryEntry,
    Limits,
    Placeholder,
    PolicyChange,
    PolicyFile,
    PolicyMeta,
    Project,
    Relation,
    Role,
    RoleOption,
    RoleSetup,
    SoundProject,
)
from iamdocs.positions import Location

CATALOG_NAME = "catalog.yaml"
SCHEMA_DIR_NAME = "schema"
MAX_FILE_BYTES = 1024 * 1024  # far above any IAM limit; larger files are not policies


class ProjectError(UserError):
    """The policies have errors; run `iamdocs validate` for the list."""


def packaged_root() -> Path | None:
    """The canonical policies that travel with this version of iamdocs, as a project folder.

    An installed package carries a copy of its commit's policies/ in iamdocs/_project/ (setup.py puts
    it there); a run from the source tree or an editable install uses the source's own policies/.
    """
    package = Path(__file__).resolve().parent
    for candidate in (package / "_project", package.parent):
        if (candidate / "policies" / CATALOG_NAME).is_file():
            return candidate
    return None


def find_root(start: Path | None = None) -> Path:
    """The project folder: the nearest parent of `start` with policies/catalog.yaml."""
    here = (start or Path.cwd()).resolve()
    for d in [here, *here.parents]:
        # lexists: a catalog that is a FIFO or a broken link is this project's, to be reported, not skipped
        if os.path.lexists(d / "policies" / CATALOG_NAME):
            return d
    packaged = packaged_root()
    if packaged is not None:
        return packaged
    raise UserError(f"no policies/{CATALOG_NAME} found in {here} or its parents", hint="run iamdocs inside the project")




def read_policy_file(path: Path, display: Path | None = None, within: Path | None = None) -> PolicyFile:
    """Read and parse one policy document, recording (not raising) what is wrong with it.

    `within`: the project folder, for the project's own files (links may not leave it).
    """
    shown = display or path
    pf = PolicyFile(path=shown, name=path.name, raw=b"", source=path)
    try:
        raw = read_regular(path, within, MAX_FILE_BYTES)
    except Unreadable as exc:
        return _fail(pf, str(exc))
    return _parse_policy(pf, raw)


def read_policy_bytes(raw: bytes, display: Path, name: str | None = None) -> PolicyFile:
    """Parse a policy document that is not a file on disk (a git blob, a download), as files are parsed."""
    pf = PolicyFile(path=display, name=name or display.name, raw=b"")
    if len(raw) > MAX_FILE_BYTES:
        return _fail(pf, f"document is {len(raw):,} bytes; a policy document is at most {MAX_FILE_BYTES:,} bytes here")
    return _parse_policy(pf, raw)


def _parse_policy(pf: PolicyFile, raw: bytes) -> PolicyFile:
    """The one parse path for policy bytes, wherever they came from."""
    pf.raw = raw
    if not raw.strip():
        return _fail(pf, "file is empty; expected a JSON policy document")
    if b"\x00" in raw:
        return _fail(pf, "file is binary (contains NUL bytes); expected a JSON policy document")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return _fail(pf, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line, col)
    if text.startswith("\ufeff"):
        return _fail(pf, "starts with a byte order mark; save the file as UTF-8 without BOM", 1, 1)
    pf.text = text
    try:
        result = jsonpos.parse(text)
    except jsonpos.JSONPositionError as exc:
        return _fail(pf, f"malformed JSON: {exc.message}", exc.line, exc.col)
    pf.root = result.root
    pf.duplicates = result.duplicates
    return pf


def _fail(pf: PolicyFile, message: str, line: int = 0, col: int = 0) -> PolicyFile:
    pf.error = message
    pf.error_loc = Location(pf.path, line, col)
    return pf


def schema_path(root: Path, name: str) -> Path:
    return root / "policies" / SCHEMA_DIR_NAME / name


def _load_catalog(path: Path, root: Path) -> tuple[Catalog | None, list[tuple[str, Location]]]:
    """Parse and schema-check catalog.yaml; return the typed catalog or the problems."""
    shown = _display(path, root)
    try:
        text = read_regular(path, root, MAX_FILE_BYTES, what="the catalog").decode("utf-8")
    except Unreadable as exc:
        return None, [(str(exc), Location(shown))]
    except UnicodeDecodeError as exc:
        return None, [(f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x})", _offset(shown, exc.object, exc.start))]
    if text.startswith("\ufeff"):  # PyYAML would read the mark as the whole document: "None is not an object"
        return None, [("starts with a byte order mark; save the file as UTF-8 without BOM", Location(shown, 1, 1))]
    try:
        result = yamlpos.parse(text, "catalog", "iamdocs")
    except yamlpos.YAMLPositionError as exc:
        return None, [(exc.message, Location(shown, exc.line, exc.col))]
    if result.duplicates:
        return None, [(d.message, Location(shown, d.again.line, d.again.col)) for d in result.duplicates]
    tree = result.root
    data = tree.to_python() if tree is not None else None

    def locate(path: Sequence[str | int]) -> Location:
        """The place of the deepest value that `path` reaches (the top of the file when there is none)."""
        if tree is None:
            return Location(shown, 1, 1)
        node = tree.at(path)
        return Location(shown, node.line, node.col)

    schema_file = schema_path(root, "catalog.schema.json")
    try:
        schema_bytes = read_regular(schema_file, root, MAX_FILE_BYTES, what="a schema")
        schema = json.loads(schema_bytes.decode("utf-8"))
    except (Unreadable, ValueError) as exc:
        return None, [(f"cannot read the catalog schema {schema_file}: {exc}", Location(shown))]
    passed = _checked_marker(text, schema_bytes)
    if not passed.is_file():
        problems = _schema_problems(schema, data, locate)
        if problems:
            return None, problems
        _mark(passed)
    return _build_catalog(shown, data, locate), []


# A catalog that passed the schema check is remembered by the hash of its text and the schema's: the next
# command (make site runs seven) skips importing jsonschema and checking again. Bump to forget every verdict.
_CHECK_FORMAT = b"catalog-check-1"
_CHECKED_KEPT = 32  # the newest markers kept; older ones are removed when a new one is written


def _checked_marker(text: str, schema: bytes) -> Path:
    digest = hashlib.sha256(_CHECK_FORMAT + b"\0" + text.encode("utf-8") + b"\0" + schema).hexdigest()
    return Path(cache_folder()) / f"catalog-ok-{digest}"


def _mark(marker: Path) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        old = sorted(marker.parent.glob("catalog-ok-*"), key=lambda p: p.stat().st_mtime, reverse=True)
        for p in old[_CHECKED_KEPT:]:
            p.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home only costs speed


def _schema_problems(schema: dict, data: Any,
                     locate: Callable[[Sequence[str | int]], Location]) -> list[tuple[str, Location]]:
    import jsonschema  # lazy: a slow import (0.1 to 0.5 s), only for a catalog that has not passed before

    # format_checker: a placeholder pattern (`format: regex`) must compile, or the build would stop on it
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    problems = []
    for err in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        problems.append((f"{where}: {err.message}", locate(list(err.absolute_path))))
    return problems


def _offset(shown: Path, text: str | bytes, offset: int) -> Location:
    """The line and column of a character (or byte) offset into the file."""
    nl = "\n" if isinstance(text, str) else b"\n"
    return Location(shown, text.count(nl, 0, offset) + 1, offset - (text.rfind(nl, 0, offset) + 1) + 1)


def _build_catalog(shown: Path, d: dict[str, Any], locate: Callable[[Sequence[str | int]], Location]) -> Catalog:
    placeholders = {
        name: Placeholder(name, p["description"], str(p["example"]), p["pattern"])
        for name, p in (d.get("placeholders") or {}).items()
    }
    roles = {
        rid: Role(rid, r["title"], r["description"], list(r["trusted_services"]), bool(r.get("instance_profile", True)),
                  locate(["roles", rid]))
        for rid, r in d["roles"].items()
    }
    policies = {
        name: PolicyMeta(
            file=name,
            title=p["title"],
            purpose=p["purpose"],
            role=p["role"],
            former_names=list(p.get("former_names") or []),
            placeholders=list(p.get("placeholders") or []),
            statements=dict(p.get("statements") or {}),
            loc=locate(["policies", name]),
        )
        for name, p in d["policies"].items()
    }
    options = {}
    for oid, o in d["options"].items():
        setups = {
            rid: RoleSetup(rid, list(s.get("managed") or []), list(s.get("inline") or []),
                           bool(s.get("permissions_boundary", False)), locate(["options", oid, "roles", rid]),
                           s.get("additions") == "inline")
            for rid, s in o["roles"].items()
        }
        options[oid] = RoleOption(oid, o["group"], o["title"], o["when"], o.get("setup_field"), setups,
                                  locate(["options", oid]), o.get("label", ""), list(o.get("combines_with") or []))
    relations = [
        Relation(r["policy"], r["equals"], list(r.get("minus") or []), list(r.get("plus") or []), r.get("why", ""),
                 locate(["relations", i]))
        for i, r in enumerate(d.get("relations") or [])
    ]
    accepted = [
        AcceptedFinding(a["rule"], list(a["policies"]), a["justification"], locate(["accepted_findings", i]),
                        list(a.get("paths") or []),
                        [(str(st["sid"]), list(st["actions"])) for st in a.get("statements") or []])
        for i, a in enumerate(d.get("accepted_findings") or [])
    ]
    history = []
    for i, h in enumerate(d.get("history") or []):
        changes = [
            PolicyChange(list(c["policies"]), list(c.get("added") or []), list(c.get("removed") or []),
                         locate(["history", i, "changes", j]))
            for j, c in enumerate(h.get("changes") or [])
        ]
        history.append(HistoryEntry(str(h["date"]), h["summary"], h.get("why"), changes, dict(h.get("renamed") or {}),
                                    locate(["history", i])))
    limits = Limits(**(d.get("limits") or {}))
    c = d["cloudformation"]
    stands_for = c.get("options") or {}
    cfn = CloudFormationSpec(c["role"], list(c["inline_policies"]), list(c["session_policies"]),
                             locate(["cloudformation"]), stands_for.get("new_role"), stands_for.get("session"),
                             stands_for.get("boundary"))
    guardrails = {
        gid: Guardrail(gid, g["title"], g["what"], g["attached"], g["document"], g["exception"]["kind"],
                       list(g["exception"].get("roles") or []), g["exception"]["text"], list(g["check"]["options"]),
                       str(g["check"]["region"]), dict(g["check"].get("role_names") or {}), locate(["guardrails", gid]))
        for gid, g in (d.get("guardrails") or {}).items()
    }
    return Catalog(shown, d["product"], placeholders, limits, roles, policies, options, cfn, relations, accepted,
                   history, d, locate, guardrails)


def _display(path: Path, root: Path) -> Path:
    """How reports name a file: relative to the current folder, or else to the project's parent.

    Links are not resolved: a report names the file a writer sees, and a loop cannot stop it.
    """
    here = Path(os.path.abspath(path))
    try:
        return here.relative_to(Path.cwd().resolve())
    except ValueError:
        try:
            return here.relative_to(root.resolve().parent)
        except ValueError:
            return path


def _former_name_clashes(catalog: Catalog, on_disk: set[str]) -> list[tuple[str, Location]]:
    """Former names that another policy uses now, or that two policies claim.

    Each former name is published as a download of the policy that had it; one that is
    another policy's current name would replace that policy's download with the wrong file.
    """
    problems = []
    claimed: dict[str, str] = {}
    for name, meta in catalog.policies.items():
        for i, old in enumerate(meta.former_names):
            where = catalog.locate(["policies", name, "former_names", i])
            if old in catalog.policies or old in on_disk:
                problems.append((f"former name {old} of {name} is the name of another policy now; "
                                 f"its download would serve {name} instead, so remove it from former_names", where))
            elif old in claimed:
                problems.append((f"former name {old} is claimed by both {claimed[old]} and {name}; "
                                 "one download cannot serve both", where))
            claimed.setdefault(old, name)
    return problems


def load_project(root: Path | None = None) -> Project:
    """Read policies/ once: the catalog and every *.json policy document in it."""
    root = (root or find_root()).resolve()
    pdir = root / "policies"
    catalog, problems = _load_catalog(pdir / CATALOG_NAME, root)
    files = [read_policy_file(p, _display(p, root), within=root) for p in sorted(pdir.glob("*.json"))]
    if catalog is not None and (problems := _former_name_clashes(catalog, {f.name for f in files})):
        catalog = None
    if catalog is not None:
        for f in files:
            f.meta = catalog.policies.get(f.name)
    return Project(root, pdir, catalog, problems, files)


def load_sound_project(root: Path | None = None) -> SoundProject:
    """The project, or ProjectError when a file cannot be read or the catalog is invalid."""
    project = load_project(root)
    if project.catalog is None:
        message, loc = project.catalog_problems[0]
        raise ProjectError(f"{loc}: {message}", hint="run: iamdocs validate")
    for f in project.files:
        if f.error:
            raise ProjectError(f"{f.error_loc}: {f.error}", hint="run: iamdocs validate")
    return SoundProject(project.root, project.policies_dir, project.catalog, project.catalog_problems, project.files)
