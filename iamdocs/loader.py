"""The one loader of `policies/`: every consumer reads the policies through here.

`load_project` never raises for bad content: it records what it could not read
on the objects it returns, so that `iamdocs validate` can report every problem
at once with its location. Consumers that need a sound project (pages, deploy,
drift) call `load_sound_project`, which raises `ProjectError` instead.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import yaml

from iamdocs import jsonpos
from iamdocs.errors import UserError
from iamdocs.model import (
    AcceptedFinding,
    Catalog,
    CloudFormationSpec,
    HistoryEntry,
    Limits,
    Location,
    Placeholder,
    PolicyChange,
    PolicyFile,
    PolicyMeta,
    Project,
    Relation,
    Role,
    RoleOption,
    RoleSetup,
)

CATALOG_NAME = "catalog.yaml"
SCHEMA_DIR_NAME = "schema"
MAX_FILE_BYTES = 1024 * 1024  # far above any IAM limit; larger files are not policies
MAX_CATALOG_NODES = 100_000  # the real catalog has about 700


class ProjectError(UserError):
    """The policies have errors; run `iamdocs validate` for the list."""


def find_root(start: Path | None = None) -> Path:
    """The project folder: the nearest parent of `start` with policies/catalog.yaml."""
    here = (start or Path.cwd()).resolve()
    for d in [here, *here.parents]:
        if (d / "policies" / CATALOG_NAME).is_file():
            return d
    # Installed package run from elsewhere: the project this package was built from.
    pkg_root = Path(__file__).resolve().parent.parent
    if (pkg_root / "policies" / CATALOG_NAME).is_file():
        return pkg_root
    raise UserError(f"no policies/{CATALOG_NAME} found in {here} or its parents", hint="run iamdocs inside the project")


def read_policy_file(path: Path, display: Path | None = None) -> PolicyFile:
    """Read and parse one policy document, recording (not raising) what is wrong with it."""
    shown = display or path
    pf = PolicyFile(path=shown, name=path.name, raw=b"")
    try:
        if path.is_dir():
            return _fail(pf, "is a folder, not a policy file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _fail(pf, f"file is {size:,} bytes; a policy document is at most {MAX_FILE_BYTES:,} bytes here")
        with path.open("rb") as fh:  # bounded: the size seen by stat() may be wrong (devices, growing files)
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            return _fail(pf, f"file is over {MAX_FILE_BYTES:,} bytes; a policy document is at most that here")
    except FileNotFoundError:
        return _fail(pf, "no such file")
    except OSError as exc:
        return _fail(pf, f"cannot be read: {exc.strerror or exc}")
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
    pf.duplicate_keys = result.duplicate_keys
    return pf


def _fail(pf: PolicyFile, message: str, line: int = 0, col: int = 0) -> PolicyFile:
    pf.error = message
    pf.error_loc = Location(pf.path, line, col)
    return pf


def schema_path(root: Path, name: str) -> Path:
    return root / "policies" / SCHEMA_DIR_NAME / name


class _YamlLocator:
    """Maps a path of keys and indexes in the catalog to the line and column it came from."""

    def __init__(self, path: Path, node: yaml.Node | None) -> None:
        self.path = path
        self.node = node

    def __call__(self, keys: tuple[Any, ...] | list[Any]) -> Location:
        node = self.node
        best = node
        for key in keys:
            if node is None:
                break
            nxt = None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == key:
                        nxt = v
                        break
                    if k.value == "<<":  # merged mapping: look inside the alias
                        merged = v.value if isinstance(v, yaml.MappingNode) else []
                        for mk, mv in merged:
                            if mk.value == key:
                                nxt = mv
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                nxt = node.value[key]
            node = nxt
            if node is not None:
                best = node
        if best is None:
            return Location(self.path, 1, 1)
        return Location(self.path, best.start_mark.line + 1, best.start_mark.column + 1)


def _load_catalog(path: Path, root: Path) -> tuple[Catalog | None, list[tuple[str, Location]]]:
    """Parse and schema-check catalog.yaml; return the typed catalog or the problems."""
    import jsonschema

    shown = _display(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [("no such file", Location(shown))]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [(f"cannot be read: {exc}", Location(shown))]
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None and (size := _expanded_size(node)) > MAX_CATALOG_NODES:
            return None, [(f"the catalog expands to over {MAX_CATALOG_NODES:,} values through YAML aliases "
                           f"({size:,} counted); use fewer or smaller anchors", Location(shown, 1, 1))]
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        return None, [("the YAML is nested too deeply to be a catalog", Location(shown, 1, 1))]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        return None, [(f"malformed YAML: {exc.problem or exc.context}", loc)]
    except yaml.YAMLError as exc:
        return None, [(f"malformed YAML: {exc}", Location(shown))]
    finally:
        loader.dispose()
    data = _dates_as_text(data)
    locate = _YamlLocator(shown, node)
    schema_file = schema_path(root, "catalog.schema.json")
    try:
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, [(f"cannot read the catalog schema {schema_file}: {exc}", Location(shown))]
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for err in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        problems.append((f"{where}: {err.message}", locate(list(err.absolute_path))))
    if problems:
        return None, problems
    return _build_catalog(shown, data, locate), []


def _expanded_size(node: yaml.Node) -> int:
    """How many values the document holds once aliases are expanded, counting up to a bound.

    Aliases let a few lines stand for billions of values ("billion laughs"); everything
    after composing walks the expanded tree, so a catalog far larger than any real one
    is refused before that.
    """
    count = 0
    stack = [node]
    while stack and count <= MAX_CATALOG_NODES:
        n = stack.pop()
        count += 1
        if isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.append(k)
                stack.append(v)
    return count


def _dates_as_text(value: Any) -> Any:
    """YAML reads 2024-02-22 as a date; the catalog keeps dates as ISO text."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _build_catalog(shown: Path, d: dict[str, Any], locate: _YamlLocator) -> Catalog:
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
                           bool(s.get("permissions_boundary", False)), locate(["options", oid, "roles", rid]))
            for rid, s in o["roles"].items()
        }
        options[oid] = RoleOption(oid, o["group"], o["title"], o["when"], o.get("setup_field"), setups,
                                  locate(["options", oid]))
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
    cfn = CloudFormationSpec(c["role"], list(c["inline_policies"]), list(c["session_policies"]),
                             locate(["cloudformation"]))
    return Catalog(shown, d["product"], placeholders, limits, roles, policies, options, cfn, relations, accepted,
                   history, d, locate)


def _display(path: Path, root: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        try:
            return path.resolve().relative_to(root.resolve().parent)
        except ValueError:
            return path


def load_project(root: Path | None = None) -> Project:
    """Read policies/ once: the catalog and every *.json policy document in it."""
    root = (root or find_root()).resolve()
    pdir = root / "policies"
    catalog, problems = _load_catalog(pdir / CATALOG_NAME, root)
    files = [read_policy_file(p, _display(p, root)) for p in sorted(pdir.glob("*.json"))]
    if catalog is not None:
        for f in files:
            f.meta = catalog.policies.get(f.name)
    return Project(root, pdir, catalog, problems, files)


def load_sound_project(root: Path | None = None) -> Project:
    """The project, or ProjectError when a file cannot be read or the catalog is invalid."""
    project = load_project(root)
    if project.catalog is None:
        message, loc = project.catalog_problems[0]
        raise ProjectError(f"{loc}: {message}", hint="run: iamdocs validate")
    for f in project.files:
        if f.error:
            raise ProjectError(f"{f.error_loc}: {f.error}", hint="run: iamdocs validate")
    return project
