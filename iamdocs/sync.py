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
import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from iamdocs.cfn.evaluate import is_function
from iamdocs.cfn.identity import Branch, PolicyDoc, find
from iamdocs.cfn.reader import Template, TemplateError, decode_template, parse_template, parse_text, read_bytes
from iamdocs.drift.compare import covered_scores
from iamdocs.drift.sources.cloudformation import matched_documents
from iamdocs.errors import UserError
from iamdocs.fsutil import check_target
from iamdocs.grants import Grant, display_action, document_grants
from iamdocs.iamdb import IAMDatabase
from iamdocs.model import Project
from iamdocs.output import printable, short_list
from iamdocs.placeholders import cfn_parameter_names, to_cfn


class NothingToSync(UserError):
    """The template holds no policy document that copies a canonical policy: a third-party template, say.

    `sync --check` passes it (nothing needs a change); writing sync refuses it unless --skip-unrelated,
    since naming such a template is most likely a missing --map.
    """


@dataclass(frozen=True)
class Span:
    """Where a policy document's value is written: [start, end) character offsets into the template text."""

    start: int
    end: int


@dataclass(frozen=True)
class Found:
    """A policy document of the template, where its text is, and the canonical policies it should grant."""

    name: str  # LogicalId or LogicalId/PolicyName, as drift names it
    raw: Any  # the PolicyDocument as written (positioned values, nothing evaluated)
    span: Span  # its own text, without the blank lines and comments that follow it
    documents: tuple[Any, ...]  # evaluated, once per branch that creates it
    canonical: tuple[str, ...]
    share: tuple[tuple[str, int, str], ...] = ()  # a part of a split policy: the items it holds (drift's shares)
    doc: PolicyDoc | None = None  # the template's document, for evaluating a rewritten text of it
    combos: tuple[dict[str, str], ...] = ()  # the parameter values of each branch in `documents`
    shared: bool = False  # another document is the same text (a YAML alias): rewriting it changes both


@dataclass
class Result:
    """One template: its text before and after, and the documents that were rewritten."""

    path: Path
    before: str
    after: str
    rewritten: list[str] = field(default_factory=list)
    raw: bytes = b""  # the file's bytes when read: a write is refused if they changed meanwhile

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def unified_diff(self) -> str:
        """The change as a unified diff (a/ and b/ prefixes, as git writes them)."""
        shown = printable(self.path.as_posix()).lstrip("/")  # a line break in a file name cannot end a header
        lines = difflib.unified_diff(self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
                                     f"a/{shown}", f"b/{shown}")
        out = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Where a document's text is


def _values(value: Any) -> Iterator[Any]:
    """Every positioned value inside `value` (keys too), without recursion."""
    stack = [value]
    while stack:
        v = stack.pop()
        yield v
        if isinstance(v, dict):
            for k, x in reversed(list(v.items())):
                stack.extend((x, k))
        elif isinstance(v, list):
            stack.extend(reversed(v))


def _trimmed_end(text: str, start: int, end: int) -> int:
    """Where a document's own text ends: never over blank lines or comments that follow it.

    The reader's spans end where the last value ends; this guard keeps a comment that
    introduces the next key or resource out of the replaced text whatever the span says.
    """
    lines = text[start:end].split("\n")
    while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return start + len("\n".join(lines).rstrip(" \t\r\n"))


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
    tab: bool = False  # JSON: indented with tabs (indent counts them)


def _line_indent(text: str, offset: int) -> int:
    """How many spaces (or tabs) open the line that holds `offset`."""
    return len(_line_prefix(text, offset))


def _line_prefix(text: str, offset: int) -> str:
    """The spaces and tabs that open the line that holds `offset`, as they are written."""
    line = text[text.rfind("\n", 0, offset) + 1:offset]
    return line[:len(line) - len(line.lstrip(" \t"))]


def _first_char(text: str, value: Any) -> str:
    """The first character of a value's own text, past a short-form tag (`!Sub "..."` gives `"`)."""
    start = getattr(value, "start", -1)
    if start < 0:
        return ""
    m = re.match(r"!\S*\s+", text[start:start + 200])
    return text[start + (m.end() if m else 0):start + (m.end() if m else 0) + 1]


def _style(template: Template, doc: Any) -> Style:
    """The document's own style, and where it has no example, the rest of the template's."""
    text = template.text

    def block(v: Any) -> bool:
        return getattr(v, "start", -1) >= 0 and text[v.start] not in "{["

    def measure(values: list[Any]) -> tuple[int | None, int | None]:
        indent = seq = None
        for d in values:
            if not isinstance(d, dict) or not block(d):
                continue
            for k, v in d.items():
                if not isinstance(v, (dict, list)) or not block(v) or getattr(v, "line", 0) <= getattr(k, "line", 0):
                    continue
                delta = v.col - k.col
                if isinstance(v, dict) and indent is None and delta > 0:
                    indent = delta
                elif isinstance(v, list) and seq is None and delta >= 0:
                    seq = delta
            if indent is not None and seq is not None:
                break
        return indent, seq

    def measure_json(values: list[Any]) -> tuple[int, bool] | None:
        """JSON: how far a key on its own line stands right of the line that opens its object, and in tabs?"""
        for d in values:
            if isinstance(d, dict) and d and getattr(d, "start", -1) >= 0:
                k = next(iter(d))
                if getattr(k, "line", 0) > d.line:
                    delta = (k.col - 1) - _line_indent(text, d.start)
                    if delta > 0:
                        return delta, _line_prefix(text, k.start).endswith("\t")
        return None

    doc_values, all_values = list(_values(doc)), list(_values(template.data))
    newline = _newline(text, doc.start)
    if template.format == "json":
        unit, tab = measure_json(doc_values) or measure_json(all_values) or (2, False)
        return Style(json=True, flow=False, indent=unit, seq_indent=unit, short=False,
                     partition="AWS::Partition" in text, quote='"', quotes={}, newline=newline,
                     json_space='": ' in text or '":' not in text, tab=tab)
    indent, seq = measure(doc_values)
    if indent is None or seq is None:
        t_indent, t_seq = measure(all_values)
        indent = indent if indent is not None else t_indent
        seq = seq if seq is not None else t_seq
    indent = indent or 2
    seq = indent if seq is None else seq

    def forms(values: list[Any]) -> tuple[int, int]:
        short = long = 0
        for v in values:
            key = next(iter(v)) if is_function(v) else None
            if getattr(key, "start", -1) >= 0:  # a short form's key is positioned at its tag
                short += text[key.start] == "!"
                long += text[key.start] != "!"
        return short, long

    short, long = forms(doc_values)
    if not short and not long:
        short, long = forms(all_values)
    quoted: dict[str, str] = {}  # the document's own quotes win over the rest of the template's
    count = {"'": 0, '"': 0}
    for values, weight in ((all_values, 1), (doc_values, len(all_values))):
        for v in values:
            if isinstance(v, str) and getattr(v, "start", -1) >= 0:
                q = _first_char(text, v)
                if q in count:
                    quoted[str(v)] = q
                    count[q] += weight
    quote = max(("'", '"'), key=lambda q: (count[q], q == '"'))
    return Style(json=False, flow=not block(doc), indent=indent, seq_indent=seq, short=short >= long,
                 partition="AWS::Partition" in text, quote=quote, quotes=quoted, newline=newline, json_space=True)


def _newline(text: str, start: int) -> str:
    """The line ending of the document's first line (a template may mix them; the document's own wins)."""
    line_end = text.find("\n", start)
    if line_end < 0:
        return "\r\n" if "\r\n" in text else "\n"
    return "\r\n" if line_end > 0 and text[line_end - 1] == "\r" else "\n"


# ---------------------------------------------------------------------------------------------------------------
# Writing a canonical policy in that style


_SUB = "Fn::Sub"


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=4096)
def _plain_ok(s: str) -> bool:
    """Whether YAML reads `s` written without quotes back as the same text."""
    if not s or s != s.strip() or "\n" in s or s.startswith(("!", "&", "*", "%", "@", "`", "|", ">", "'", '"')):
        return False
    try:
        return yaml.load(f"k: {s}\n", Loader=_SAFE_LOADER) == {"k": s} and \
            yaml.load(f"- {s}\n", Loader=_SAFE_LOADER) == [s]
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


def render(document: Mapping[str, Any], st: Style, col: int, line_indent: str) -> str:
    """The document's text, to stand where the old one started (column `col`, on a line opened by `line_indent`)."""
    doc = to_cfn(document, st.partition)
    if st.json or st.flow:
        sep = (",", ": ") if st.json_space else (",", ":")
        if st.flow:
            return json.dumps(doc, ensure_ascii=False, separators=(", ", ": "))
        unit = ("\t" if st.tab else " ") * st.indent
        lines = json.dumps(doc, ensure_ascii=False, indent=unit, separators=sep).split("\n")
        return st.newline.join([lines[0], *(line_indent + ln for ln in lines[1:])])
    lines = _mapping_lines(doc, col, st)
    return st.newline.join([lines[0][col:], *lines[1:]])


# ---------------------------------------------------------------------------------------------------------------
# Which documents, and which canonical policy each one gets


def tied_policies(document: Any, chosen: str, project: Project, db: IAMDatabase) -> list[str]:
    """Other canonical policies that the document covers exactly as well as the chosen one (drift's scores)."""
    scores = covered_scores(document_grants(document, db), {f.name: document_grants(f.document, db)
                                                             for f in project.files})
    if chosen not in scores:
        return []
    return sorted(n for n, x in scores.items() if n != chosen and x[:2] == scores[chosen][:2])


def target_document(project: Project, f: Found) -> dict[str, Any]:
    """What a document should be: its canonical policy, or for a part of a split policy the statements of the
    role's policies with only the actions it holds (in their order, so that a second sync changes nothing)."""
    if not f.share:
        return canonical_document(project, f.canonical)
    held = set(f.share)
    statements = []
    for name in f.canonical:
        for index, st in enumerate(_as_statements(project.policy(name).document)):
            actions = st.get("Action")
            listed = actions if isinstance(actions, list) else [actions]
            kept = [a for a in listed if (name, index, str(a)) in held]
            if kept:
                statements.append({**st, "Action": kept if isinstance(actions, list) else kept[0]})
    return {"Version": "2012-10-17", "Statement": statements}


def canonical_document(project: Project, names: Sequence[str]) -> dict[str, Any]:
    """The document to write for one or several (--map a.json,b.json) canonical policies."""
    docs = [project.policy(n).document for n in names]
    if len(docs) == 1:
        return docs[0]
    statements = [s for d in docs for s in (d["Statement"] if isinstance(d["Statement"], list) else [d["Statement"]])]
    return {"Version": docs[0].get("Version", "2012-10-17"), "Statement": statements}


def find_documents(template: Template, project: Project, db: IAMDatabase,
                   mapping: Sequence[str] = ()) -> list[Found]:
    """Every policy document of the template, with the canonical policy drift matches it to under every branch.

    Bad input for sync, one line each: a document that resembles no canonical policy,
    one that resembles two (equally, or a different one per branch), one that cannot be
    evaluated, one written as JSON text or built by a function.
    """
    found = find(template)
    if not found.documents:
        raise NothingToSync(f"{template.path}: no IAM policy document in this template; nothing to sync")
    matched = matched_documents(project, db, template, None, list(mapping))
    mapped = {m.partition("=")[0].strip() for m in mapping}
    groups = [[m for m in matched if m.doc.document is doc.document] for doc in found.documents]
    if all(group and all(m.canonical == () for m in group) for group in groups):  # all compared, none matched
        hint = f"name its policy with --map {found.documents[0].name}=policy-file.json"
        if len(found.documents) == 1:
            raise NothingToSync(f"{template.where(found.documents[0].document)}: {found.documents[0].name} resembles "
                                "no policy in policies/; nothing to sync it with", hint=hint)
        raise NothingToSync(f"{template.path}: none of its {len(found.documents)} IAM policy documents "
                            f"({short_list([d.name for d in found.documents])}) resembles a policy in policies/; "
                            "nothing to sync", hint=hint)
    cache: dict[tuple[tuple[str, str], ...], Branch] = {}

    def branch(combo: dict[str, str]) -> Branch:
        key = tuple(sorted(combo.items()))
        if key not in cache:
            cache[key] = Branch(template, found, combo, cfn_parameter_names(project.catalog))
        return cache[key]

    out: list[Found] = []
    for doc in found.documents:
        raw = doc.document
        where = template.where(raw)
        group = [m for m in matched if m.doc.document is raw]  # the same value of template.data
        if not group:
            raise UserError(f"{where}: {doc.name}: not compared under any parameter values (it cannot be "
                            "evaluated, or nothing creates it); sync cannot tell what it should grant",
                            hint=f"iamdocs drift --cloudformation {template.path} says why")
        refused = next((m.refused for m in group if m.refused), "")
        if refused:
            raise UserError(f"{where}: {refused}; sync cannot write that",
                            hint=f"iamdocs drift --cloudformation {template.path} shows the role's differences")
        names = {(m.canonical, m.share) for m in group}
        if all(m.canonical == () for m in group):
            if any(m.canonical for m in matched):
                continue  # on a role of someone else's, or covering nothing: never touched
            raise UserError(f"{where}: {doc.name} resembles no policy in policies/; nothing to sync it with",
                            hint=f"name its policy with --map {doc.name}=policy-file.json")
        if len(names) > 1:
            which = "; ".join(f"{' + '.join(m.canonical)} with {m.branches[0] or 'the defaults'}" for m in group)
            raise UserError(f"{where}: {doc.name} resembles a different policy under different parameter values "
                            f"({which})", hint=f"name its policy with --map {doc.name}=policy-file.json")
        canonical, share = group[0].canonical, group[0].share
        if not isinstance(raw, dict) or is_function(raw) or getattr(raw, "start", -1) < 0:
            raise UserError(f"{where}: {doc.name}: the PolicyDocument is written as JSON text or built by a function; "
                            "sync rewrites only documents written as objects")
        evaluated = [branch(combo).evaluate(doc).document for m in group for combo in m.branches]
        tied = [] if mapped & {doc.name, doc.logical_id} or len(canonical) != 1 or share else \
            tied_policies(evaluated[0], canonical[0], project, db)
        if tied:
            raise UserError(f"{where}: {doc.name} resembles {canonical[0]} and {', '.join(tied)} equally",
                            hint=f"name its policy with --map {doc.name}=policy-file.json")
        out.append(Found(doc.name, raw, Span(raw.start, _trimmed_end(template.text, raw.start, raw.end)),
                         tuple(evaluated), canonical, share, doc, tuple(combo for m in group for combo in m.branches)))
    starts = [f.span.start for f in out]
    once = {f.span.start: f for f in out}  # an alias is one text
    return sorted((replace(f, shared=starts.count(f.span.start) > 1) for f in once.values()),
                  key=lambda f: f.span.start)


# ---------------------------------------------------------------------------------------------------------------
# Sync


def splice(text: str, edits: Sequence[tuple[Span, str]]) -> str:
    """`text` with each span replaced; spans must not overlap."""
    out, last = [], 0
    for span, new in sorted(edits, key=lambda e: (e[0].start, e[0].end)):
        if span.start < last:
            raise ValueError(f"overlapping edits at offset {span.start}")
        out += [text[last:span.start], new]
        last = span.end
    out.append(text[last:])
    return "".join(out)


_ITEM_PREFIX = re.compile(r"[ \t]*-[ \t]+")


def _by_action(grants: set[Grant]) -> dict[str, set[tuple[str, str, str]]]:
    out: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for g in grants:
        out[g.action].add((g.effect, g.resource, g.condition))
    return out


def _item_line(text: str, item: Any) -> tuple[int, int] | None:
    """The span of the line that holds a block sequence item and nothing else (a comment may follow)."""
    start = text.rfind("\n", 0, item.start) + 1
    end = text.find("\n", item.end)
    end = len(text) if end < 0 else end + 1
    if not _ITEM_PREFIX.fullmatch(text[start:item.start]) or not re.fullmatch(r"[ \t]*(#.*)?\r?\n?",
                                                                              text[item.end:end]):
        return None
    return start, end


def patch_actions(template: Template, f: Found, project: Project, db: IAMDatabase) -> list[tuple[Span, str]] | None:
    """Edits that add the missing actions to, and remove the extra ones from, the document's own Action lists.

    The smallest change, keeping the document's layout, for the common drift: actions
    missing or extra, everything else right. A missing action joins the statement that
    grants the same way (same effect, resources and condition), preferring one with
    actions of the same service, at its sorted place when the list is sorted, else last.
    None when the drift is anything else (resources, conditions, wildcards, JSON): the
    caller then writes the whole document.
    """
    text = template.text
    if template.format == "json" or not f.documents or f.share:
        return None
    raw_statements, evaluated = f.raw.get("Statement"), f.documents[0].get("Statement")
    if not isinstance(raw_statements, list) or not isinstance(evaluated, list) or \
            len(raw_statements) != len(evaluated):
        return None
    base = set().union(*(document_grants(project.policy(n).document, db) for n in f.canonical))
    want, have = _by_action(base), _by_action(document_grants(f.documents[0], db))
    if any(want[a] != have[a] for a in set(want) & set(have)):
        return None
    spelled = {str(a).lower(): str(a) for n in f.canonical for st in _as_statements(project.policy(n).document)
               for a in (st.get("Action") if isinstance(st.get("Action"), list) else [st.get("Action")]) if a}
    lists = []  # (raw Action list, its grants per action) of each statement with a block list of plain names
    for raw_st, ev_st in zip(raw_statements, evaluated, strict=True):
        items = raw_st.get("Action") if isinstance(raw_st, dict) else None
        if isinstance(items, list) and items and all(isinstance(i, str) and getattr(i, "start", -1) >= 0
                                                      and _item_line(text, i) for i in items):
            lists.append((items, _by_action(document_grants({"Statement": [ev_st]}, db))))
    edits: list[tuple[Span, str]] = []
    removed: dict[int, int] = defaultdict(int)
    for action in sorted(set(have) - set(want)):
        hits = [(items, i) for items, _ in lists for i in items if str(i).lower() == action]
        if not hits:
            return None  # granted through a wildcard, NotAction or a scalar: not one line to delete
        for items, item in hits:
            span = _item_line(text, item)
            assert span is not None
            edits.append((Span(*span), ""))
            removed[id(items)] += 1
    if any(removed[id(items)] >= len(items) for items, _ in lists):
        return None  # a list would be left empty
    inserts: dict[int, list[str]] = defaultdict(list)
    for action in sorted(set(want) - set(have)):
        service = action.partition(":")[0]
        fits = [(items, grants) for items, grants in lists if any(g == want[action] for g in grants.values())]
        if not fits:
            return None
        items, _ = max(fits, key=lambda x: sum(str(i).lower().startswith(service + ":") for i in x[0]))
        name = spelled.get(action) or display_action(action, db)
        inserts[id(items)].append(name)
    for items, _ in lists:
        names = inserts.get(id(items))
        if not names:
            continue
        keys = [str(i).lower() for i in items]
        is_sorted = keys == sorted(keys)
        quote = _first_char(text, items[0])
        for name in names:
            value = (quote + name + quote) if quote in ("'", '"') else name
            if is_sorted and name.lower() < keys[-1]:
                after = next(i for i, k in zip(items, keys, strict=True) if k > name.lower())
                at = _item_line(text, after)[0]  # type: ignore[index]
                prefix = text[at:after.start]
                line = prefix + value + _newline(text, after.start)
                edits.append((Span(at, at), line))
            else:
                last = items[-1]
                start, end = _item_line(text, last)  # type: ignore[misc]
                nl = _newline(text, last.start)
                ending = "" if text[start:end].endswith("\n") else nl
                edits.append((Span(end, end), ending + text[start:last.start] + value + nl))
    return edits


def _as_statements(doc: Any) -> list[dict[str, Any]]:
    st = doc.get("Statement") if isinstance(doc, dict) else None
    return [x for x in (st if isinstance(st, list) else [st]) if isinstance(x, dict)]


def _drifted(template: Template, project: Project, db: IAMDatabase, mapping: Sequence[str]) -> list[Found]:
    out = []
    for f in find_documents(template, project, db, mapping):
        base = document_grants(target_document(project, f), db)
        if not all(document_grants(d, db) == base for d in f.documents):
            out.append(f)  # a document that grants exactly its canonical policy is left as written
    return out


def sync_template(template: Template, project: Project, db: IAMDatabase,
                  mapping: Sequence[str] = ()) -> tuple[str, list[str]]:
    """The template text with every drifted document granting its canonical policy, and their names.

    Each document keeps its layout when only actions are missing or extra
    (patch_actions); otherwise it is written whole, in the template's style. The
    result is read back and compared: if a kept layout does not grant exactly the
    canonical policy under every branch, the documents are written whole instead.
    """
    text = template.text
    drifted = _drifted(template, project, db, mapping)
    names = [f"{f.name} = {'part of ' if f.share else ''}{' + '.join(f.canonical)}" for f in drifted]

    def whole(f: Found) -> list[tuple[Span, str]]:
        return [(f.span, render(target_document(project, f), _style(template, f.raw), f.raw.col - 1,
                                _line_prefix(text, f.span.start)))]

    patched = [patch_actions(template, f, project, db) for f in drifted]
    attempts = [lambda: [e for f, p in zip(drifted, patched, strict=True) for e in (p if p is not None else whole(f))]]
    if any(p is not None for p in patched):
        attempts.append(lambda: [e for f in drifted for e in whole(f)])  # written whole, if a kept layout failed
    for edits in attempts:
        chosen = edits()
        after = splice(text, chosen)
        if not drifted:
            return after, names
        verdict = _rewritten_grant_canonical(template, drifted, chosen, project, db)
        if verdict is None:  # a document's new text cannot be read on its own: read the whole template back
            verdict = not _drifted(parse_template(after, template.path), project, db, mapping)
        if verdict:
            return after, names
    raise RuntimeError(f"{template.path}: the rewritten template still differs from policies/")


def _rewritten_grant_canonical(template: Template, drifted: Sequence[Found], edits: Sequence[tuple[Span, str]],
                               project: Project, db: IAMDatabase) -> bool | None:
    """Whether each rewritten document grants exactly its canonical policies under each of its branches.

    Only the rewritten documents are read back, each on its own (the rest of the template is unchanged), so a
    large template is not parsed twice. None when that cannot be done: a document another one shares through
    a YAML alias, or new text that does not read on its own (an alias to an anchor outside it).
    """
    found = find(template)
    placeholders = cfn_parameter_names(project.catalog)
    branches: dict[tuple[tuple[str, str], ...], Branch] = {}
    for f in drifted:
        if f.shared or f.doc is None:
            return None
        own = [(Span(s.start - f.span.start, s.end - f.span.start), new) for s, new in edits
               if f.span.start <= s.start and s.end <= f.span.end]
        new_text = splice(template.text[f.span.start:f.span.end], own)
        line_start = template.text.rfind("\n", 0, f.span.start) + 1
        lead = re.sub(r"[^\t]", " ", template.text[line_start:f.span.start])  # same columns, no parent key
        try:
            value, _ = parse_text(lead + new_text, template.path)
        except TemplateError:
            return None
        doc = replace(f.doc, document=value)
        base = document_grants(target_document(project, f), db)
        for combo in f.combos:
            key = tuple(sorted(combo.items()))
            if key not in branches:
                branches[key] = Branch(template, found, combo, placeholders)
            try:
                evaluated = branches[key].evaluate(doc, roles=False).document
            except TemplateError:
                return False
            if document_grants(evaluated, db) != base:
                return False
    return True


def sync_file(path: Path, project: Project, db: IAMDatabase, mapping: Sequence[str] = ()) -> Result:
    """What sync would make of one template; nothing is written here."""
    check_target(path)  # a symlink, a FIFO or a folder is refused before anything is read
    raw = read_bytes(path, path)
    template = decode_template(raw, path)
    bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    after, names = sync_template(template, project, db, mapping)
    return Result(path, bom + template.text, bom + after, names, raw)
