"""Policy copies in a built site: code blocks in the HTML pages, and downloadable files.

Readers copy from the page, so every code block that holds a policy document
is a copy to check, as is every *.json download and every CloudFormation
template (*.yaml) published in the site. The standard library's HTML parser is
enough (and keeps this a runtime feature without test-only packages): code
blocks are the `<code>` elements inside `<pre>`, whatever the highlighter
wrapped around them; a `filename` title above a block names its policy.

No shape is published and not compared: a code block or download is read in
whatever shape `shapes.parse` reads (JSON with escaped keys, YAML, a Python dict,
CLI shorthand), suffixes in any case (`.JSON`, `.htm`), and any other text file
of the site is searched for policy documents the same way the build's paste
guard searches docs/ (`shapes.documents`, one definition). The browser checks'
data is compared too: the guardrail check's policy documents as copies, the role
check's grants grant by grant.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from iamdocs import jsonpos
from iamdocs.cfn.identity import Branch, find
from iamdocs.drift.compare import Copy, Difference, canonical_grants
from iamdocs.drift.sources import shapes
from iamdocs.drift.sources.cloudformation import (
    TemplateError,
    branches,
    document_copy,
    read_template,
    show_params,
)
from iamdocs.errors import UserError
from iamdocs.grants import Grant, display_action
from iamdocs.iamdb import IAMDatabase
from iamdocs.loader import read_policy_file
from iamdocs.model import Project
from iamdocs.placeholders import cfn_parameter_names
from iamdocs.positions import Location, from_node, pos


@dataclass
class CodeBlock:
    line: int  # line of the HTML file where the code text starts
    language: str  # from a language-* class, or ""
    filename: str  # from a `filename` title just before the block, or ""
    guardrail: str = ""  # the catalog guardrail an enclosing element says it shows (data-iamdocs-guardrail)
    text: str = ""
    parts: list[str] = field(default_factory=list)


class _CodeBlocks(HTMLParser):
    """Collects the text of every <pre><code> element with its line, language and title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[CodeBlock] = []
        self._stack: list[tuple[str, str]] = []  # (tag, class) of open elements
        self._guardrails: list[tuple[int, str]] = []  # (depth, id) of open elements that show a guardrail
        self._code: CodeBlock | None = None
        self._code_depth = 0
        self._filename: str | None = None  # text of the last `filename` span, until a block takes it
        self._in_filename = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = " ".join(v or "" for k, v in attrs if k == "class")
        if tag in ("br", "img", "input", "hr", "meta", "link", "wbr", "source"):
            return
        self._stack.append((tag, cls))
        guardrail = next((v or "" for k, v in attrs if k == "data-iamdocs-guardrail"), None)
        if guardrail is not None:
            self._guardrails.append((len(self._stack), guardrail))
        if self._code is not None:
            return
        if tag == "span" and "filename" in cls.split():
            self._in_filename, self._filename = True, ""
        if tag == "code" and any(t == "pre" for t, _ in self._stack[:-1]):
            lang = next((c[len("language-"):] for _, k in reversed(self._stack) for c in k.split()
                         if c.startswith("language-")), "")
            self._code = CodeBlock(self.getpos()[0], lang, (self._filename or "").strip(),
                                   self._guardrails[-1][1] if self._guardrails else "")
            self._filename = None
            self._code_depth = len(self._stack)

    def handle_endtag(self, tag: str) -> None:
        if tag not in (t for t, _ in self._stack):
            return
        while self._stack:
            t, _ = self._stack.pop()
            while self._guardrails and self._guardrails[-1][0] > len(self._stack):
                self._guardrails.pop()
            if self._code is not None and len(self._stack) < self._code_depth:
                self._code.text = "".join(self._code.parts)
                self.blocks.append(self._code)
                self._code = None
            if t == "span" and self._in_filename:
                self._in_filename = False
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._code is not None:
            self._code.parts.append(data)
        elif self._in_filename and self._filename is not None:
            self._filename += data


def code_blocks(html: str) -> list[CodeBlock]:
    parser = _CodeBlocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


def is_identity_policy(doc: object) -> bool:
    """A document with Statement and no Principal: a permissions policy, not a trust policy."""
    if not isinstance(doc, dict) or "Statement" not in doc:
        return False
    st = doc["Statement"]
    items = st if isinstance(st, list) else [st]
    return not any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in items)


def _names(project: Project) -> dict[str, str]:
    """Canonical and former file names -> canonical file name."""
    out = {f.name: f.name for f in project.files}
    if project.catalog is not None:
        for meta in project.catalog.policies.values():
            for former in meta.former_names:
                out.setdefault(former, meta.file)
    return out


def _template_copies(path: Path, rel: Path, label: str,
                     placeholders: frozenset[str] = frozenset()) -> tuple[list[Copy], list[Difference]]:
    """A published template's policy documents under every choice of parameter values it offers.

    A reader may deploy it with any allowed value (Session = true, say), so each
    distinct document any choice creates is checked once; its name says which
    values, other than the defaults, made it.
    """

    template = read_template(path, rel)
    found = find(template)
    br = branches(template)
    base = br.combinations[0]
    copies: list[Copy] = []
    seen: set[tuple[str, str]] = set()
    created: set[str] = set()
    for params in br.combinations:
        branch = Branch(template, found, params, placeholders)
        changed = {k: v for k, v in params.items() if base.get(k) != v}
        suffix = f" ({show_params(changed)})" if changed else ""
        for doc in found.documents:
            if not branch.exists(doc):
                continue
            created.add(doc.name)
            c = document_copy(template, doc, branch.evaluate(doc).document, {})
            key = (doc.name, json.dumps(c.document, sort_keys=True, default=str))
            if key in seen:
                continue
            seen.add(key)
            c.name = f"{label} {c.name}{suffix}"
            copies.append(c)
    notes = [Difference("skipped", "info", Location(rel, *pos(doc.holder)), f"{label} {doc.name}", "", "",
                        "not created with any allowed parameter values") for doc in found.documents
             if doc.name not in created]
    if not copies:
        raise TemplateError(f"{rel}: no IAM policy document is created with any allowed parameter values")
    return copies, notes


HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_READ_ABOVE = (*HTML_SUFFIXES, ".json", ".yaml", ".yml")
# What holds no text a reader could copy a policy from.
BINARY_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".avif", ".woff", ".woff2", ".ttf", ".otf",
                   ".eot", ".pdf", ".zip", ".gz", ".mp4", ".webm")
# The data the build writes for the pages' scripts (guide/generated.py; named here, where the site is read). The
# browser checks' data is made from the policies: the guardrail check's holds each policy's document, the role
# check's each policy's grants. A stale or edited one gives readers wrong answers, so both are compared.
DATA_SCRIPT = "javascripts/iamdocs-data.js"
ROLE_CHECK_DATA = "javascripts/role-check-data.json"
GUARDRAIL_CHECK_DATA = "javascripts/guardrail-check-data.json"
# Files the build makes for its own scripts and search, not searched for copies a reader takes.
_SITE_DATA = ("search/search_index.json", DATA_SCRIPT, ROLE_CHECK_DATA, "sitemap.xml")


def _check_data(path: Path, rel: Path) -> Mapping[str, object]:
    """The `policies` mapping of a check's data file, positioned; UserError when it cannot be read."""
    try:
        data = from_node(jsonpos.parse(path.read_text(encoding="utf-8")).root)
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{rel}: cannot be read: {exc}") from None
    except jsonpos.JSONPositionError as exc:
        raise UserError(f"{rel}:{exc.line}:{exc.col}: not valid JSON: {exc.message}") from None
    policies = data.get("policies") if isinstance(data, dict) else None
    if not isinstance(policies, dict):
        raise UserError(f"{rel}: holds no policies; is it from a build of iamdocs?")
    return policies


def _guardrail_check_copies(path: Path, rel: Path, site_rel: str, names: Mapping[str, str],
                            values: Mapping[str, str]) -> list[Copy]:
    """Each policy document the guardrail check decides with, as a copy of the policy it is filed under."""
    out = []
    for name, entry in _check_data(path, rel).items():
        document = entry.get("document") if isinstance(entry, dict) else None
        line, col = pos(document, pos(entry, (1, 1)))
        out.append(Copy(f"{site_rel} (guardrail check: {name})", document, Location(rel, line, col),
                        (names[name],) if name in names else (), values))
    return out


def _role_check_differences(path: Path, rel: Path, site_rel: str, project: Project,
                            db: IAMDatabase) -> list[Difference]:
    """The role check's grants of each policy against the policy's own: one line per grant lost or gained."""
    canonical, names = canonical_grants(project, db), _names(project)
    out = []
    for name, rows in _check_data(path, rel).items():
        line, col = pos(rows, (1, 1))
        where, label = Location(rel, line, col), f"{site_rel} (role check: {name})"
        expected = canonical.get(names.get(name, name))
        if expected is None:
            out.append(Difference("unknown-policy", "drift", where, label, "", "",
                                  "holds grants of a policy that is not in policies/"))
            continue
        if not isinstance(rows, list):
            out.append(Difference("unreadable", "drift", where, label, "", "",
                                  "the grants are not a list of [action, name, effect, resource, condition]"))
            continue
        published = set()
        for row in rows:
            if not (isinstance(row, list) and len(row) == 5 and all(isinstance(v, str) for v in row)):
                out.append(Difference("unreadable", "drift", Location(rel, *pos(row, (line, col))), label, "", "",
                                      f"a grant that is not [action, name, effect, resource, condition]: {row!r}"))
                continue
            published.add(Grant(effect=row[2], action=row[0], resource=row[3], condition=row[4]))
        for kind, grants in (("removed", expected - published), ("added", published - expected)):
            for g in sorted(grants, key=lambda g: (g.action, g.resource, g.effect, g.condition)):
                shown = display_action(g.action, db)
                plain = g.resource == "*" and g.effect == "Allow" and not g.condition
                on = "" if plain else f" ({g.effect} on {g.resource}{' when ' + g.condition if g.condition else ''})"
                out.append(Difference(kind, "drift", where, label, name, shown, f"{kind} {shown}{on}"))
    return out


def _text_copies(path: Path, site: Path, shown: Path, text: str, names: Mapping[str, str],
                 values: Mapping[str, str]) -> list[Copy]:
    """The policy documents of a published text file in any shape (YAML, a dict, shorthand, escaped keys)."""
    rel = path.relative_to(site)
    if rel.as_posix() in _SITE_DATA or rel.as_posix().startswith("assets/"):  # the theme's own scripts and data
        return []
    out = []
    for found in shapes.documents(text):
        if is_identity_policy(found.document):
            forced = (names[path.name],) if path.name in names else ()
            line, col = pos(found.document, (found.line, 1))
            out.append(Copy(f"{rel} ({found.shape})", found.document, Location(shown / rel, line, col), forced,
                            values))
    return out


_DATED_VERSION = re.compile(r"policies/\d{4}-\d{2}-\d{2}/[^/]+\.json")


def site_files(site: Path, shown: Path) -> Iterator[Path]:
    """Every file of the site, sorted; refuses what is not a regular file and symlinks that leave the site.

    A built site holds only regular files. A FIFO would hang the read, a device
    such as /dev/zero would fill memory, and a symlink out of the folder would
    check something that is not the site.
    """
    root = site.resolve()
    found: list[Path] = []
    for folder, dirs, files in os.walk(site, followlinks=False):
        dirs.sort()
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(folder, d)))]:
            path = Path(folder) / name
            rel = shown / path.relative_to(site)
            if path.is_symlink():
                target = Path(os.path.realpath(path))
                if not target.is_relative_to(root):
                    raise UserError(f"{rel}: a symlink that leads out of the site ({target}); refusing to follow it")
                if target.is_dir():
                    continue  # its files are checked where they are
            try:
                mode = path.stat().st_mode
            except OSError as exc:
                raise UserError(f"{rel}: cannot be read: {exc.strerror or exc}") from None
            if not stat.S_ISREG(mode):
                raise UserError(f"{rel}: not a regular file (a FIFO, socket or device); refusing to read it")
            found.append(path)
    return iter(sorted(found))


def _guardrail_notes(project: Project, block: CodeBlock, docs: list[object], rel: Path,
                     page: str) -> list[Difference]:
    """A guardrail the page shows is an organisation's rule, not a role's policy: it is compared with the
    catalog's guardrail of that name (the page's promise that its exception lets the options through is
    checked by the build, with preflight)."""
    catalog = project.catalog
    guardrail = catalog.guardrails.get(block.guardrail) if catalog is not None else None
    where = Location(rel, block.line, 1)
    label = f"{page} (guardrail {block.guardrail})"
    if guardrail is None:
        return [Difference("unknown-guardrail", "drift", where, label, "", "",
                           "shows a guardrail the catalog does not have")]
    if docs != [guardrail.document]:  # positioned values are dicts, lists and strings: equal as such
        return [Difference("guardrail", "drift", where, label, "", "",
                           f"differs from the catalog's guardrail {block.guardrail} ({guardrail.title})")]
    return [Difference("guardrail", "info", where, label, "", "",
                       f"the catalog's guardrail {block.guardrail} as the catalog has it (a rule of the "
                       "organisation, not a role's policy)")]


def site_copies(site: Path, project: Project, db: IAMDatabase,
                display: Path | None = None) -> tuple[list[Copy], list[Difference]]:
    """Every policy document in the built site, and what could not be compared.

    A code block labelled JSON that mentions "Statement" but does not parse is
    drift (a reader would copy a broken policy); templates' skipped resources are information.
    """
    shown = display or site
    if not site.is_dir():
        raise UserError(f"{shown}: no such folder; build the site first", hint="make site")
    names = _names(project)
    values: Mapping[str, str] = {}
    if project.catalog is not None:
        values = {n: p.example for n, p in project.catalog.placeholders.items()}
    copies: list[Copy] = []
    notes: list[Difference] = []
    files = list(site_files(site, shown))
    for path in (f for f in files if f.suffix.lower() in HTML_SUFFIXES):
        rel = shown / path.relative_to(site)
        try:
            html = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"{rel}: cannot be read: {exc}") from None
        n = 0
        for block in code_blocks(html):
            if "Statement" not in block.text and "Effect" not in block.text:
                continue
            try:
                docs = [from_node(jsonpos.parse(block.text).root, block.line - 1)]
            except jsonpos.JSONPositionError as exc:
                if block.language == "json":
                    notes.append(Difference("unreadable", "drift", Location(rel, block.line + exc.line - 1, exc.col),
                                            str(path.relative_to(site)), "", "",
                                            f"code block is not valid JSON: {exc.message}"))
                    continue
                docs = [f.document for f in shapes.documents(block.text, block.line)]  # YAML, a dict, shorthand
            if block.guardrail:
                notes.extend(_guardrail_notes(project, block, docs, rel, str(path.relative_to(site))))
                continue
            for doc in docs:
                if not is_identity_policy(doc):
                    continue
                n += 1
                label = block.filename or f"code block {n}"
                line, col = pos(doc, (block.line, 1))
                copies.append(Copy(f"{path.relative_to(site)} ({label})", doc, Location(rel, line, col),
                                   (names[block.filename],) if block.filename in names else (), values))
    for path in (f for f in files if f.suffix.lower() == ".json"):
        rel = shown / path.relative_to(site)
        site_rel = path.relative_to(site).as_posix()
        if _DATED_VERSION.fullmatch(site_rel):
            continue  # an earlier version of a policy (policies/<date>/), as the history replays it: not a copy
        if site_rel == GUARDRAIL_CHECK_DATA:
            copies.extend(_guardrail_check_copies(path, rel, site_rel, names, values))
            continue
        if site_rel == ROLE_CHECK_DATA:
            notes.extend(_role_check_differences(path, rel, site_rel, project, db))
            continue
        pf = read_policy_file(path, rel)
        if pf.root is None:
            continue  # not a policy (or not JSON): the site also ships search indexes and the like
        doc = from_node(pf.root)
        if not is_identity_policy(doc):
            continue
        forced = (names[path.name],) if path.name in names else ()
        copies.append(Copy(str(path.relative_to(site)), doc, Location(rel, 1, 1), forced, values))
    for path in (f for f in files if f.suffix.lower() in (".yaml", ".yml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "AWS::IAM::" in text and "Resources" in text:
            copies_, notes_ = _template_copies(path, shown / path.relative_to(site), str(path.relative_to(site)),
                                                  cfn_parameter_names(project.catalog))
            copies.extend(copies_)
            notes.extend(notes_)
        else:
            copies.extend(_text_copies(path, site, shown, text, names, values))
    for path in (f for f in files if f.suffix.lower() not in _READ_ABOVE and f.suffix.lower() not in BINARY_SUFFIXES):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # not text
        if "Statement" in text or "Effect" in text:
            copies.extend(_text_copies(path, site, shown, text, names, values))
    if not copies and not notes:
        raise UserError(f"{shown}: no policy documents in this site (no JSON code block or download with a Statement)",
                        hint="is this the built site folder? run: make site")
    return copies, notes
