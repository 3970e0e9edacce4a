"""The customer's guardrails, read in the shapes AWS gives them, each statement with its place.

A file given with --scp, --rcp or --boundary holds one of:
- a policy document ({"Version", "Statement"});
- `aws organizations describe-policy` output ({"Policy": {"PolicySummary", "Content"}}), whose
  Content is the document as a JSON string;
- `aws organizations list-policies-for-target` output ({"Policies": [...]}): each listed policy's
  document is the describe-policy output saved beside it as <PolicyId>.json (FullAWSAccess, which
  AWS manages, is known without it);
- `aws iam get-policy-version` output ({"PolicyVersion": {"Document"}}), for a boundary;
- a JSON list of any of these.
Anything else, a statement IAM cannot evaluate, or JSON that does not parse is one line naming the
file, line and column, and exit 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from iamdocs import jsonpos
from iamdocs.access import Layer, Origin, PolicyError, Rule, compile_statement, statement_label
from iamdocs.errors import UserError
from iamdocs.fsutil import Unreadable, read_regular
from iamdocs.positions import ReadError, from_node, pos

MAX_BYTES = 5 * 1024 * 1024  # an organisation's every policy of one level, with room to spare
# Policies AWS manages and attaches by itself: their content is AWS's, and known without the file.
AWS_MANAGED = {
    "p-FullAWSAccess": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "p-RCPFullAWSAccess": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]},
}
SHAPES = ("a policy document, `aws organizations describe-policy` or `list-policies-for-target` output, "
          "`aws iam get-policy-version` output, or a list of these")


class InputError(UserError):
    """A guardrail file that cannot be read as a policy: one line naming file, line and column."""

    def __init__(self, file: str, line: int, col: int, message: str, hint: str | None = None) -> None:
        where = f"{file}:{line}:{col}" if line else file
        super().__init__(f"{where}: {message}", hint)


@dataclass(frozen=True)
class Document:
    """One policy of a guardrail file: its content, the file it came from and where each statement is."""

    file: str
    content: dict[str, Any]
    place: tuple[int, int] | None = None  # for a document held in a string (Content): where the string is
    name: str = ""  # the policy's name, when the file gives it


def _parse(text: str, file: str, offset: tuple[int, int] | None = None) -> Any:
    try:
        result = jsonpos.parse(text)
    except ReadError as exc:
        line, col = offset or (exc.line, exc.col)
        raise InputError(file, line, col, f"not JSON: {exc.message}") from None
    if result.duplicates:
        d = result.duplicates[0]
        line, col = offset or (d.again.line, d.again.col)
        raise InputError(file, line, col, d.message)
    return from_node(result.root)


def read_file(path: Path) -> Any:
    """A JSON file as positioned values."""
    try:
        raw = read_regular(path, limit=MAX_BYTES, what="a guardrail file")
    except Unreadable as exc:
        raise InputError(str(path), 0, 0, str(exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), 0, 0, f"not UTF-8 text (byte {exc.start})") from None
    return _parse(text, str(path))


def documents(path: Path) -> list[Document]:
    """Every policy a guardrail file holds, in order."""
    return _documents(read_file(path), path, top=True)


def _documents(value: Any, path: Path, top: bool = False) -> list[Document]:
    file = str(path)
    line, col = pos(value, (1, 1))
    if isinstance(value, list) and top:
        return [d for item in value for d in _documents(item, path)]
    if not isinstance(value, dict):
        raise InputError(file, line, col, f"expected {SHAPES}")
    if "Statement" in value:
        return [Document(file, value)]
    if isinstance(value.get("Policy"), dict) and "Content" in value["Policy"]:
        summary = value["Policy"].get("PolicySummary")
        name = summary.get("Name", "") if isinstance(summary, dict) else ""
        return [_content(value["Policy"]["Content"], file, str(name))]
    if "Content" in value:
        return [_content(value["Content"], file, str(value.get("Name", "")))]
    if isinstance(value.get("PolicyVersion"), dict) and "Document" in value["PolicyVersion"]:
        return [_content(value["PolicyVersion"]["Document"], file, "")]
    if isinstance(value.get("Policies"), list):
        return [_listed(entry, path) for entry in value["Policies"]]
    raise InputError(file, line, col, f"expected {SHAPES}")


def _content(content: Any, file: str, name: str) -> Document:
    """A document given as a JSON string (Content, or a URL-encoded Document) or as an object."""
    line, col = pos(content, (1, 1))
    if isinstance(content, dict):
        return Document(file, content, name=name)
    if not isinstance(content, str):
        raise InputError(file, line, col, "the policy's content must be a JSON string or an object")
    text = content if content.lstrip().startswith("{") else unquote(content)
    doc = _parse(text, file, (line, col))
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise InputError(file, line, col, "the policy's content is not a policy document (no Statement)")
    return Document(file, doc, (line, col), name)


def _listed(entry: Any, path: Path) -> Document:
    """A policy listed by list-policies-for-target: its content, AWS's own, or its describe-policy file."""
    file = str(path)
    line, col = pos(entry, (1, 1))
    if not isinstance(entry, dict) or not isinstance(entry.get("Id"), str):
        raise InputError(file, line, col, "a listed policy needs its Id")
    if "Content" in entry:
        return _content(entry["Content"], file, str(entry.get("Name", "")))
    pid = entry["Id"]
    if pid in AWS_MANAGED:
        return Document(file, json.loads(json.dumps(AWS_MANAGED[pid])), (line, col), str(entry.get("Name", pid)))
    beside = path.parent / f"{pid}.json"
    if not beside.exists():
        raise InputError(file, line, col, f"policy {pid} ({entry.get('Name', '')}) is listed, but its document is "
                         f"not in {beside}",
                         hint=f"aws organizations describe-policy --policy-id {pid} > {beside}")
    found = _documents(read_file(beside), beside)
    if len(found) != 1:
        raise InputError(str(beside), 1, 1, f"expected one policy, the describe-policy output of {pid}")
    return found[0]


def rules(doc: Document, part: str, level: int) -> tuple[Rule, ...]:
    """A document's statements compiled, each with its place; a statement IAM cannot evaluate is bad input."""
    statements = doc.content.get("Statement")
    items = statements if isinstance(statements, list) else [statements]
    out = []
    for i, st in enumerate(items):
        line, col = doc.place or pos(st, pos(statements, (1, 1)))
        origin = Origin(part, level, doc.file, line, col, statement_label(st, i))
        try:
            out.append(compile_statement(st, i, origin))
        except PolicyError as exc:
            raise InputError(doc.file, line, col, f"statement {origin.statement}: {exc.message}") from None
    return tuple(out)


def layer(part: str, level: int, docs: list[Document], files: list[str]) -> Layer:
    return Layer(part, level, tuple(files), tuple(r for d in docs for r in rules(d, part, level)))


def guardrails(scps: list[Path], rcps: list[Path], boundary: Path | None) -> tuple[tuple[Layer, ...],
                                                                                  tuple[Layer, ...], Layer | None]:
    """(SCP levels, RCP levels, the boundary) from the files, root level first."""
    scp_layers = tuple(layer("scp", i + 1, documents(p), [str(p)]) for i, p in enumerate(scps))
    rcp_layers = tuple(layer("rcp", i + 1, documents(p), [str(p)]) for i, p in enumerate(rcps))
    bound = None
    if boundary is not None:
        docs = documents(boundary)
        if len(docs) != 1:
            raise InputError(str(boundary), 1, 1, f"a role has one permissions boundary; this file holds {len(docs)}")
        bound = layer("boundary", 0, docs, [str(boundary)])
    return scp_layers, rcp_layers, bound
