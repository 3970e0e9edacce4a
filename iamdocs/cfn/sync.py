"""Write the canonical policies into a CloudFormation template, changing nothing else.

Drift finds a template's policy documents and the canonical policy each one
copies. Sync replaces the text of each document that grants something else
with the canonical policy, written the way the template writes: its
indentation, its sequence style, its quotes, its short or long intrinsic
forms, its placeholders and its line endings. Everything outside those
documents stays byte for byte as it was, since the edit is made on the text at
the document's start and end offsets, never by loading and dumping the
template. A document that already grants exactly the canonical policy is left
alone, however it is written, so a second sync changes nothing.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from iamdocs.cfn.template import cfn_document
from iamdocs.drift.compare import MIN_RESEMBLANCE, jaccard
from iamdocs.drift.positions import pos
from iamdocs.errors import UserError
from iamdocs.fsutil import check_target
from iamdocs.grants import allowed_actions, diff, document_grants
from iamdocs.iamdb import IAMDatabase
from iamdocs.model import Project

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024  # as the drift reader: far above CloudFormation's 1 MB


@dataclass(frozen=True)
class Span:
    """Where a policy document's value is written: [start, end) character offsets into the template text."""

    start: int
    end: int


@dataclass(frozen=True)
class Found:
    """A policy document of the template, located in its text, with the canonical policies it should grant."""

    name: str  # LogicalId or LogicalId/PolicyName, as drift names it
    span: Span
    line: int
    col: int
    document: Any  # evaluated (intrinsics resolved), for comparing grants
    canonical: tuple[str, ...]


@dataclass
class Result:
    """One template: its text before and after, and the documents that were rewritten."""

    path: Path
    before: str
    after: str
    rewritten: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def unified_diff(self) -> str:
        """The change as a unified diff (a/ and b/ prefixes, as git writes them)."""
        shown = self.path.as_posix().lstrip("/")
        lines = difflib.unified_diff(self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
                                     f"a/{shown}", f"b/{shown}")
        out = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Reading the template text


def read_text(path: Path) -> tuple[str, str]:
    """The template's text and its byte-order mark ("" or "\\ufeff"), for writing it back as it was."""
    check_target(path)  # a symlink, a FIFO or a folder is refused before anything is read
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_TEMPLATE_BYTES + 1)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise UserError(f"{path}: more than {MAX_TEMPLATE_BYTES:,} bytes is too large for a CloudFormation template")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    return text[len(bom):], bom


class _Composer(yaml.SafeLoader):
    """Composes nodes only; every tag is accepted, since only positions are read."""


def _compose(text: str, path: Path) -> yaml.Node:
    try:
        node = yaml.compose(text, Loader=_Composer)
    except yaml.MarkedYAMLError as exc:  # the drift reader has already said it in more detail
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise UserError(f"{where}: cannot be read: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: cannot be read: {exc}") from None
    if node is None:
        raise UserError(f"{path}: file is empty; expected a CloudFormation template")
    return node


def _walk(node: yaml.Node) -> Iterator[yaml.Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, yaml.MappingNode):
            for k, v in reversed(n.value):
                stack.extend((v, k))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(reversed(n.value))


def _end(node: yaml.Node) -> int:
    """Where a node's own text ends: a block collection's end mark lies past trailing blank lines and comments."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    return node.end_mark.index


def _locate(root: yaml.Node) -> dict[tuple[int, int], yaml.Node]:
    """Collection nodes by 1-based (line, column) of their start: the reader's positions point there.

    Interim, until the template reader reports start and end offsets itself.
    """
    out: dict[tuple[int, int], yaml.Node] = {}
    for n in _walk(root):
        if isinstance(n, (yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode)):
            out.setdefault((n.start_mark.line + 1, n.start_mark.column + 1), n)
    return out


# ---------------------------------------------------------------------------------------------------------------
# The template's style


@dataclass(frozen=True)
class Style:
    """How a template writes a policy document."""

    json: bool  # the template is JSON
    flow: bool  # the document is written in flow style ({...}) inside a YAML template
    indent: int  # spaces per nesting level of a mapping
    seq_indent: int  # spaces between a key and the "-" of its block sequence (0: "indentless")
    short: bool  # !Sub rather than Fn::Sub
    partition: bool  # arn:${AWS::Partition}: rather than arn:aws:
    quote: str  # ' or ", for values that need quotes
    quotes: Mapping[str, str]  # the quote the template already uses for a value, e.g. {"*": "'"}
    newline: str  # \n or \r\n
    json_space: bool  # JSON: a space after ":"


_STANDARD_TAG = "tag:yaml.org,2002:"


def _is_short_form(n: yaml.Node) -> bool:
    return bool(n.tag) and n.tag.startswith("!") and not n.tag.startswith(_STANDARD_TAG)


def _style(text: str, root: yaml.Node, doc: yaml.Node, is_json: bool) -> Style:
    """The document's own style, and where it has no example, the rest of the template's."""

    def measure(nodes: Sequence[yaml.Node]) -> tuple[int | None, int | None]:
        indent = seq = None
        for n in nodes:
            if not isinstance(n, yaml.MappingNode) or n.flow_style:
                continue
            for k, v in n.value:
                if v.start_mark.line == k.start_mark.line or getattr(v, "flow_style", True):
                    continue
                delta = v.start_mark.column - k.start_mark.column
                if isinstance(v, yaml.MappingNode) and indent is None and delta > 0:
                    indent = delta
                elif isinstance(v, yaml.SequenceNode) and seq is None:
                    seq = delta
            if indent is not None and seq is not None:
                break
        return indent, seq

    def measure_json(nodes: Sequence[yaml.Node]) -> int | None:
        """JSON: how far a key on its own line stands right of the line that opens its object."""
        for n in nodes:
            if isinstance(n, yaml.MappingNode) and n.value and n.value[0][0].start_mark.line > n.start_mark.line:
                opening = text.rfind("\n", 0, n.start_mark.index) + 1
                line = text[opening:n.start_mark.index]
                delta = n.value[0][0].start_mark.column - (len(line) - len(line.lstrip(" \t")))
                if delta > 0:
                    return delta
        return None

    doc_nodes, all_nodes = list(_walk(doc)), list(_walk(root))
    if is_json:
        unit = measure_json(doc_nodes) or measure_json(all_nodes) or 2
        return Style(json=True, flow=False, indent=unit, seq_indent=unit, short=False,
                     partition="AWS::Partition" in text, quote='"', quotes={}, newline=_newline(text, doc),
                     json_space='": ' in text or '":' not in text)
    indent, seq = measure(doc_nodes)
    if indent is None or seq is None:
        t_indent, t_seq = measure(all_nodes)
        indent = indent if indent is not None else t_indent
        seq = seq if seq is not None else t_seq
    indent = indent or 2
    seq = indent if seq is None else seq

    def forms(nodes: Sequence[yaml.Node]) -> tuple[int, int]:
        short = sum(1 for n in nodes if _is_short_form(n))
        long = sum(1 for n in nodes if isinstance(n, yaml.ScalarNode) and n.tag == _STANDARD_TAG + "str"
                   and n.value.startswith("Fn::"))
        return short, long

    short, long = forms(doc_nodes)
    if not short and not long:
        short, long = forms(all_nodes)
    quoted: dict[str, str] = {}  # the document's own quotes win over the rest of the template's
    count = {"'": 0, '"': 0}
    for nodes in (all_nodes, doc_nodes):
        for n in nodes:
            if isinstance(n, yaml.ScalarNode) and n.style in ("'", '"'):
                quoted[n.value] = n.style
                count[n.style] += 1 if nodes is all_nodes else len(all_nodes)
    quote = max(("'", '"'), key=lambda q: (count[q], q == '"'))
    return Style(json=False, flow=bool(doc.flow_style), indent=indent, seq_indent=seq, short=short >= long,
                 partition="AWS::Partition" in text, quote=quote, quotes=quoted,
                 newline=_newline(text, doc), json_space=True)


def _newline(text: str, doc: yaml.Node) -> str:
    """The line ending of the document's first line (a template may mix them; the document's own wins)."""
    line_end = text.find("\n", doc.start_mark.index)
    if line_end < 0:
        return "\r\n" if "\r\n" in text else "\n"
    return "\r\n" if line_end > 0 and text[line_end - 1] == "\r" else "\n"


# ---------------------------------------------------------------------------------------------------------------
# Writing a canonical policy in that style


_SUB = "Fn::Sub"


def _plain_ok(s: str) -> bool:
    """Whether YAML reads `s` written without quotes back as the same text."""
    if not s or s != s.strip() or "\n" in s or s.startswith(("!", "&", "*", "%", "@", "`", "|", ">", "'", '"')):
        return False
    try:
        return yaml.safe_load(f"k: {s}\n") == {"k": s} and yaml.safe_load(f"- {s}\n") == [s]
    except yaml.YAMLError:
        return False


def _yaml_scalar(s: Any, st: Style) -> str:
    if not isinstance(s, str):
        return json.dumps(s)
    if _plain_ok(s):
        return s
    q = st.quotes.get(s, st.quote)
    if q == "'" and "\\" not in s and all(c.isprintable() for c in s):
        return "'" + s.replace("'", "''") + "'"
    return json.dumps(s, ensure_ascii=False)


def _is_sub(v: Any) -> bool:
    return isinstance(v, dict) and len(v) == 1 and _SUB in v and isinstance(v[_SUB], str)


def _inline(v: Any, st: Style) -> str | None:
    """A value written on the line of its key or dash, or None when it needs lines of its own."""
    if _is_sub(v) and st.short:
        return "!Sub " + _yaml_scalar(v[_SUB], st)
    if isinstance(v, dict):
        return "{}" if not v else None
    if isinstance(v, list):
        return "[]" if not v else None
    return _yaml_scalar(v, st)


def _mapping_lines(d: Mapping[str, Any], col: int, st: Style) -> list[str]:
    lines = []
    for k, v in d.items():
        key = " " * col + _yaml_scalar(k, st) + ":"
        one = _inline(v, st)
        if one is not None:
            lines.append(f"{key} {one}")
        elif isinstance(v, dict):
            lines += [key, *_mapping_lines(v, col + st.indent, st)]
        else:
            lines += [key, *_sequence_lines(v, col + st.seq_indent, st)]
    return lines


def _sequence_lines(items: Sequence[Any], col: int, st: Style) -> list[str]:
    lines = []
    for item in items:
        one = _inline(item, st)
        if one is not None:
            lines.append(" " * col + "- " + one)
            continue
        inner = _mapping_lines(item, col + 2, st) if isinstance(item, dict) else _sequence_lines(item, col + 2, st)
        lines += [" " * col + "- " + inner[0][col + 2:], *inner[1:]]
    return lines


def render(document: Mapping[str, Any], st: Style, col: int, line_indent: int) -> str:
    """The document's text, to stand where the old one started (column `col`, on a line indented `line_indent`)."""
    doc = cfn_document(document, st.partition)
    if st.json or st.flow:
        sep = (",", ": ") if st.json_space else (",", ":")
        if st.flow:
            return json.dumps(doc, ensure_ascii=False, separators=(", ", ": "))
        lines = json.dumps(doc, ensure_ascii=False, indent=st.indent, separators=sep).split("\n")
        return st.newline.join([lines[0], *(" " * line_indent + ln for ln in lines[1:])])
    lines = _mapping_lines(doc, col, st)
    return st.newline.join([lines[0][col:], *lines[1:]])


# ---------------------------------------------------------------------------------------------------------------
# Choosing the canonical policy


def choose(name: str, document: Any, project: Project, db: IAMDatabase, where: str) -> tuple[str, ...]:
    """The canonical policy a document copies: the most resembling one, never a guess.

    A document that resembles none, or two equally, is bad input for sync (writing the
    wrong policy into a template is worse than stopping): the user names it with --map.
    """
    actions = allowed_actions(document, db)
    scored = sorted(((jaccard(actions, allowed_actions(f.document, db)), f.name) for f in project.files),
                    key=lambda x: (-x[0], x[1]))
    (best_score, best), *rest = scored
    if best_score < MIN_RESEMBLANCE:
        raise UserError(f"{where}: {name} resembles no policy in policies/ (best: {best}, "
                        f"{best_score:.0%} of actions shared); nothing to sync it with",
                        hint=f"name its policy with --map {name}=policy-file.json")
    tied = [n for s, n in rest if s == best_score]
    if tied:
        raise UserError(f"{where}: {name} resembles {best} and {', '.join(tied)} equally ({best_score:.0%})",
                        hint=f"name its policy with --map {name}=policy-file.json")
    return (best,)


def canonical_document(project: Project, names: Sequence[str]) -> dict[str, Any]:
    """The document to write for one or several (--map a.json,b.json) canonical policies."""
    docs = [project.policy(n).document for n in names]
    if len(docs) == 1:
        return docs[0]
    statements = [s for d in docs for s in (d["Statement"] if isinstance(d["Statement"], list) else [d["Statement"]])]
    return {"Version": docs[0].get("Version", "2012-10-17"), "Statement": statements}


# ---------------------------------------------------------------------------------------------------------------
# Finding the documents (interim: through the drift reader, located with yaml.compose)


def find_documents(path: Path, text: str, mapping: Sequence[str], project: Project,
                   db: IAMDatabase) -> tuple[list[Found], yaml.Node]:
    """Every policy document the template can create, under every parameter value that changes which."""
    from iamdocs.drift.sources.cloudformation import _parse_map, parameter_combinations, read_template, template_copies

    t = read_template(path)
    maps = _parse_map(list(mapping))
    root = _compose(text, path)
    nodes = _locate(root)
    seen: dict[int, Found] = {}
    used: set[str] = set()
    names: list[str] = []
    for params in parameter_combinations(t):
        copies, _ = template_copies(path, params, None, none_created_ok=True)
        for copy in copies:
            line, col = pos(copy.document, (copy.loc.line, copy.loc.col))
            node = nodes.get((line, col))
            if node is None or not isinstance(node, yaml.MappingNode):
                raise UserError(f"{path}:{line}:{col}: {copy.name}: the policy document is not written as an object "
                                "(JSON text or built by a function); sync cannot rewrite it")
            if node.start_mark.index in seen:
                continue
            names.append(copy.name)
            logical = copy.name.split("/", 1)[0]
            forced = maps.get(copy.name) or maps.get(logical) or ()
            used.update(k for k in (copy.name, logical) if k in maps)
            where = f"{path}:{line}:{col}"
            if forced:
                unknown = [n for n in forced if n not in {f.name for f in project.files}]
                if unknown:
                    raise UserError(f"--map {copy.name}: no policy {', '.join(unknown)} in policies/",
                                    hint="policies: " + ", ".join(sorted(f.name for f in project.files)))
            canonical = tuple(forced) or choose(copy.name, copy.document, project, db, where)
            seen[node.start_mark.index] = Found(copy.name, Span(node.start_mark.index, _end(node)), line, col,
                                                copy.document, canonical)
    unused = sorted(set(maps) - used)
    if unused:
        raise UserError(f"--map {', '.join(unused)}: no such policy document in {path}",
                        hint="documents: " + (", ".join(names) or "none"))
    return sorted(seen.values(), key=lambda f: f.span.start), root


# ---------------------------------------------------------------------------------------------------------------
# Sync


def splice(text: str, edits: Sequence[tuple[Span, str]]) -> str:
    """`text` with each span replaced; spans must not overlap."""
    out, last = [], 0
    for span, new in sorted(edits, key=lambda e: e[0].start):
        if span.start < last:
            raise ValueError(f"overlapping edits at offset {span.start}")
        out += [text[last:span.start], new]
        last = span.end
    out.append(text[last:])
    return "".join(out)


def sync_text(path: Path, text: str, project: Project, db: IAMDatabase,
              mapping: Sequence[str] = ()) -> tuple[str, list[str]]:
    """The template text with every drifted document replaced by its canonical policy, and their names."""
    found, root = find_documents(path, text, mapping, project, db)
    is_json = text.lstrip().startswith("{")
    canon = {f.name: document_grants(f.document, db) for f in project.files}
    edits: list[tuple[Span, str]] = []
    names = []
    for f in found:
        base = set().union(*(canon[n] for n in f.canonical))
        d = diff(base, document_grants(f.document, db))
        if not (d.added or d.removed):
            continue
        node = next(n for n in _walk(root) if isinstance(n, yaml.MappingNode)
                    and n.start_mark.index == f.span.start)
        st = _style(text, root, node, is_json)
        line_start = text.rfind("\n", 0, f.span.start) + 1
        line_indent = len(text[line_start:f.span.start]) - len(text[line_start:f.span.start].lstrip(" "))
        new = render(canonical_document(project, f.canonical), st, node.start_mark.column, line_indent)
        edits.append((f.span, new))
        names.append(f"{f.name} = {' + '.join(f.canonical)}")
    return splice(text, edits), names


def sync_file(path: Path, project: Project, db: IAMDatabase, mapping: Sequence[str] = ()) -> Result:
    """What sync would make of one template; nothing is written here."""
    text, bom = read_text(path)
    after, names = sync_text(path, text, project, db, mapping)
    return Result(path, bom + text, bom + after, names)
