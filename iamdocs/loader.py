"""The one loader of `policies/`: every consumer reads the policies through here.

`load_project` never raises for bad content: it records what it could not read
on the objects it returns, so that `iamdocs validate` can report every problem
at once with its location. Consumers that need a sound project (pages, deploy,
drift) call `load_sound_project`, which raises `ProjectError` instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

import yaml

from iamdocs import jsonpos
from iamdocs.errors import UserError
from iamdocs.fsutil import Unreadable, read_regular
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
    SoundProject,
)

CATALOG_NAME = "catalog.yaml"
SCHEMA_DIR_NAME = "schema"
MAX_FILE_BYTES = 1024 * 1024  # far above any IAM limit; larger files are not policies
MAX_CATALOG_NODES = 100_000  # the real catalog has about 700


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


class _CatalogLoader(yaml.SafeLoader):
    """YAML as the catalog reads it: dates stay text, as written; lint rule E060 checks them.

    A timestamp that is no date (2024-13-45) would otherwise fail inside PyYAML's constructor
    with a bare ValueError, and a real one would have to be turned back into text.
    """

    yaml_implicit_resolvers: ClassVar[dict[Any, list]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """An integer past Python's digit limit raises a bare ValueError; make it a located YAML error."""
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, f"the number has too many digits ({len(node.value):,} characters)",
                node.start_mark) from None


_CatalogLoader.add_constructor("tag:yaml.org,2002:int", _CatalogLoader.construct_yaml_int)


def _duplicate_keys(shown: Path, root: yaml.Node) -> list[tuple[str, Location]]:
    """Keys given twice in one mapping, which YAML would silently resolve to the last one."""
    problems = []
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:  # an alias: the anchored node is checked once
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, yaml.Node] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    if key.value in first:
                        m = first[key.value].start_mark
                        problems.append((f"duplicate key {key.value!r}, first given at line {m.line + 1}, "
                                         f"column {m.column + 1}; YAML would keep only the last one, so remove one",
                                         Location(shown, key.start_mark.line + 1, key.start_mark.column + 1)))
                    else:
                        first[key.value] = key
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(problems, key=lambda p: (p[1].line, p[1].col))


def _load_catalog(path: Path, root: Path) -> tuple[Catalog | None, list[tuple[str, Location]]]:
    """Parse and schema-check catalog.yaml; return the typed catalog or the problems."""
    import jsonschema  # lazy: jsonschema is a slow import; only a catalog check needs it

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
        loader = _CatalogLoader(text)  # the reader refuses control characters already here
    except yaml.reader.ReaderError as exc:
        return None, [(_reader_message(exc), _offset(shown, text, exc.position))]
    try:
        node = loader.get_single_node()
        if node is not None and (size := _expanded_size(node)) > MAX_CATALOG_NODES:
            return None, [(f"the catalog expands to over {MAX_CATALOG_NODES:,} values through YAML aliases "
                           f"({size:,} counted); use fewer or smaller anchors", Location(shown, 1, 1))]
        # before constructing, which folds merged mappings (<<) into the nodes
        if node is not None and (duplicates := _duplicate_keys(shown, node)):
            return None, duplicates
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        return None, [("the YAML is nested too deeply to be a catalog", Location(shown, 1, 1))]
    except yaml.reader.ReaderError as exc:
        return None, [(_reader_message(exc), _offset(shown, text, exc.position))]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        return None, [(f"malformed YAML: {exc.problem or exc.context}", loc)]
    except yaml.YAMLError as exc:
        return None, [(f"malformed YAML: {exc}", Location(shown))]
    finally:
        loader.dispose()
    locate = _YamlLocator(shown, node)
    schema_file = schema_path(root, "catalog.schema.json")
    try:
        schema = json.loads(read_regular(schema_file, root, MAX_FILE_BYTES, what="a schema").decode("utf-8"))
    except (Unreadable, ValueError) as exc:
        return None, [(f"cannot read the catalog schema {schema_file}: {exc}", Location(shown))]
    # format_checker: a placeholder pattern (`format: regex`) must compile, or the build would stop on it
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
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


def _offset(shown: Path, text: str | bytes, offset: int) -> Location:
    """The line and column of a character (or byte) offset into the file."""
    nl = "\n" if isinstance(text, str) else b"\n"
    return Location(shown, text.count(nl, 0, offset) + 1, offset - (text.rfind(nl, 0, offset) + 1) + 1)


def _reader_message(exc: yaml.reader.ReaderError) -> str:
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return (f"the character U+{ord(char):04X} is not allowed in YAML (control characters other than tab "
            "and line breaks); remove it")


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
    return Catalog(shown, d["product"], placeholders, limits, roles, policies, options, cfn, relations, accepted,
                   history, d, locate)


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
