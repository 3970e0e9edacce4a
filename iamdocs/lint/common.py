"""Helpers that several rules share: walking the position tree, expanding actions, matching ARNs.

Kept out of `iamdocs/lint/rules/` so that rule discovery only sees rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from iamdocs.iamdb import Action, IAMDatabase
from iamdocs.jsonpos import Node
from iamdocs.model import Limits, PolicyFile, Statement, Value
from iamdocs.placeholders import as_glob


def child(node: Node | None, key: str | int) -> Node | None:
    """The child of an object (last occurrence of `key`, as json.loads keeps) or an array."""
    if node is None:
        return None
    if isinstance(key, int):
        return node.items[key] if node.kind == "array" and 0 <= key < len(node.items) else None
    found = None
    for k, v in node.pairs:
        if k.value == key:
            found = v
    return found


def key_node(node: Node | None, key: str) -> Node | None:
    """The node of the key itself (not its value), for findings about a key."""
    if node is None:
        return None
    found = None
    for k, _ in node.pairs:
        if k.value == key:
            found = k
    return found


def node_at(root: Node, path: Sequence[str | int]) -> Node:
    """The deepest node that `path` reaches from `root` (the root itself for an empty path)."""
    node = root
    for key in path:
        nxt = child(node, key)
        if nxt is None:
            break
        node = nxt
    return node


@lru_cache(maxsize=4)
def schema_validator(schema_file: Path) -> Any:
    """The JSON Schema validator for `schema_file`, built once per process (construction is costly)."""
    import jsonschema

    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def is_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def limits_of(catalog: Any) -> Limits:
    """The catalog's limits, or AWS's defaults when there is no usable catalog."""
    return catalog.limits if catalog is not None else Limits()


def minified_size(document: Any) -> int:
    """Characters of a document as IAM counts them: JSON with all whitespace outside strings removed."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))


def allow_statements_on_star(f: PolicyFile) -> Iterator[tuple[Statement, Value, str]]:
    """Allow statements that reach every resource, with the value to point at and words for that reach.

    Resource "*" does; so does NotResource, which reaches every resource it does not name: it is no way around
    the security rules. Statements with NotAction are included (Context.granted_actions expands them).
    """
    for st in f.statements:
        if st.effect != "Allow" or not (st.actions or st.not_actions):
            continue
        star = next((r for r in st.resources if r.text == "*"), None)
        if star is not None:
            yield st, star, 'Resource "*"'
        elif st.not_resources and not any(r.text == "*" for r in st.not_resources):
            yield st, st.not_resources[0], "NotResource (every resource it does not name)"


def through(entry: Value, st: Statement, name: str) -> str:
    """` (through "iam:Pass*")` when an action is granted by a wildcard or by NotAction rather than by name."""
    if entry in st.not_actions:
        return f' (through NotAction, which allows every action but {short_list([v.text for v in st.not_actions], 3)})'
    return f' (through "{entry.text}")' if entry.text.lower() != name.lower() else ""


def action_problem(text: str, db: IAMDatabase) -> str | None:
    """Why E020/E021 report an Action entry ("not-an-action", "unknown-service", "no-match", "unknown"), or None."""
    if text == "*":
        return None
    service, sep, name = text.partition(":")
    if not sep or not service or not name:
        return "not-an-action"
    if not db.has_service(service):
        return None if db.is_retired(service) else "unknown-service"
    if not is_wildcard(name):
        return None if db.has_action(text) else "unknown"
    return None if db.expand(text) else "no-match"


def suggest_action(text: str, db: IAMDatabase) -> str | None:
    """The known action an unknown name probably means (`ec2:RunInstance` -> `ec2:RunInstances`), or None."""
    import difflib

    service, _, name = text.partition(":")
    names = [a.name for a in db.actions(service)]
    close = difflib.get_close_matches(name, names, n=1)
    return f"{service.lower()}:{close[0]}" if close else None


def misspelled(documents: Iterable[Any], db: IAMDatabase) -> set[str]:
    """Lower-case action names that E020/E021 report in these documents, and the names they probably mean.

    Rules that compare sets of actions (E050, E060) leave these out: one misspelling is one finding, E021's.
    """
    out: set[str] = set()
    for doc in documents:
        statements = doc.get("Statement") if isinstance(doc, dict) else None
        for st in statements if isinstance(statements, list) else [statements]:
            if not isinstance(st, dict):
                continue
            for key in ("Action", "NotAction"):
                values = st.get(key)
                for v in values if isinstance(values, list) else [values]:
                    if isinstance(v, str) and action_problem(v, db) is not None:
                        out.add(v.lower())
                        if (meant := suggest_action(v, db)) is not None:
                            out.add(meant.lower())
    return out


def short_list(names: Sequence[str], limit: int = 5) -> str:
    """`a, b, c and 4 more`: findings name what they are about without printing 70 lines."""
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ARN matching -----------------------------------------------------------------------------------

def globs_intersect(a: str, b: str) -> bool:
    """Whether some string matches both glob patterns (`*` any run of characters, `?` one character)."""
    # Collapse runs of stars: they add no power and only grow the search.
    a = re.sub(r"\*+", "*", a)
    b = re.sub(r"\*+", "*", b)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        ca = a[i] if i < len(a) else None
        cb = b[j] if j < len(b) else None
        if ca == "*":
            stack.append((i + 1, j))  # the star matches nothing more
            if cb is not None:
                stack.append((i, j + 1))  # the star swallows b's next symbol
        if cb == "*":
            stack.append((i, j + 1))
            if ca is not None:
                stack.append((i + 1, j))
        if ca is not None and cb is not None and ca != "*" and cb != "*" and (ca == cb or "?" in (ca, cb)):
            stack.append((i + 1, j + 1))
    return False


def arns_intersect(a: str, b: str) -> bool:
    """Whether two ARN globs can match a common ARN, field by field (a `*` in the partition stays there)."""
    fa, fb = a.split(":", 5), b.split(":", 5)
    if len(fa) != 6 or len(fb) != 6:
        return globs_intersect(a, b)
    return all(globs_intersect(x, y) for x, y in zip(fa, fb, strict=True))


def arn_service(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[2] if len(parts) == 6 and parts[0] == "arn" else None


@dataclass(frozen=True)
class ResourceMismatch:
    """A Resource ARN that none of its statement's actions can act on; E023 reports the certain ones, W023 the rest."""

    value: Value
    message: str
    certain: bool  # False where the data may be incomplete: no resource type listed, or a renamed service


def resource_mismatches(st: Statement, db: IAMDatabase,
                        actions: dict[str, tuple[Action, Value]]) -> list[ResourceMismatch]:
    """ARNs of a statement that cannot match a resource type of any of its known actions."""
    arns = [r for r in st.resources if r.text != "*" and r.text.startswith("arn:")]
    if not arns or not actions:
        return []  # "*" matches everything; a malformed ARN is E033's; unknown actions are E020/E021's
    # Every ARN format that some action of the statement acts on.
    formats: list[str] = []
    for action, _ in actions.values():
        for rtype in action.resource_types:
            formats.extend(f for f in db.arn_formats(action.service, rtype) if f not in formats)
    globs = [as_glob(f) for f in formats]
    names = sorted(a.full_name for a, _ in actions.values())
    services = sorted({a.service for a, _ in actions.values()})
    out = []
    for r in arns:
        glob = as_glob(r.text)
        if any(arns_intersect(glob, g) for g in globs):
            continue
        service = arn_service(r.text)
        known_service = service is not None and "*" not in service and "<" not in service
        if not formats:
            # The data may lack a resource type (s3:ListAllMyBuckets lists none, yet accepts arn:aws:s3:::*).
            out.append(ResourceMismatch(r, f'resource "{r.text}" may not match: the IAM data lists no resource type '
                                           f'for the actions of this statement ({short_list(names, 3)}), only '
                                           'Resource "*"', False))
        elif known_service and service not in services:
            renamed = sorted(s for s in services if service in db.siblings(s))
            if renamed:
                out.append(ResourceMismatch(r, f'resource "{r.text}" is an ARN of service {service}, which the IAM '
                                               f"data lists as another name of {'/'.join(renamed)} (a renamed "
                                               f"service): check that the {short_list(names, 3)} actions accept it",
                                            False))
            else:
                out.append(ResourceMismatch(r, f'resource "{r.text}" is an ARN of service {service}, which cannot '
                                               f"match the {'/'.join(services)} actions of this statement "
                                               f"({short_list(names, 3)})", True))
        elif known_service and not _known_shape(glob, service, db):
            # No resource type of the service has this shape: the data may lack it (API Gateway REST API stages).
            out.append(ResourceMismatch(r, f'resource "{r.text}" may not match: it has the shape of no {service} '
                                           f"resource type in the IAM data, and the statement's actions "
                                           f"({short_list(names, 3)}) act on e.g. {short_list(sorted(formats), 2)}",
                                        False))
        else:
            shapes = short_list(sorted(formats), 2)
            out.append(ResourceMismatch(r, f'resource "{r.text}" does not have the shape of any resource that the '
                                           f"statement's actions ({short_list(names, 3)}) act on; expected e.g. "
                                           f"{shapes}", True))
    return out


def _known_shape(glob: str, service: str, db: IAMDatabase) -> bool:
    """Whether some resource type of `service` in the data can match this ARN glob."""
    return any(arns_intersect(glob, as_glob(f)) for f in db.all_arn_formats(service))
