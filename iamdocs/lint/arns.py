"""ARN matching: whether a statement's resources fit what its actions act on."""

from __future__ import annotations

import re
from dataclasses import dataclass

from iamdocs.iamdb import SHARED_PREFIXES, Action, IAMDatabase
from iamdocs.model import Statement, Value
from iamdocs.output import short_list
from iamdocs.placeholders import as_glob


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
        elif known_service and service in SHARED_PREFIXES:
            out.append(ResourceMismatch(r, f'resource "{r.text}" may not match: the IAM data merges the services '
                                           f"that share the prefix {service} and may lack some resource types of "
                                           f"the statement's actions ({short_list(names, 3)}); it lists e.g. "
                                           f"{short_list(sorted(formats), 2)}", False))
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
