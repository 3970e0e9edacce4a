"""Helpers the steps share: compact documents, role setups of the selected combinations of options."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from iamdocs.errors import UserError
from iamdocs.model import RoleSetup
from iamdocs.placeholders import fill, values_with_examples
from iamdocs.sandbox.run import Run


def dumps(document: Any) -> str:
    """Compact JSON: IAM counts the characters of a managed policy without whitespace anyway."""
    return json.dumps(document, separators=(",", ":"))


def filled(r: Run, file_name: str) -> dict[str, Any]:
    """A policy file's document with the sandbox's region, account and partition filled in."""
    return fill(r.project.policy(file_name).document, values_with_examples(r.project.catalog, r.values))


def policy_name(file_name: str) -> str:
    return file_name.removesuffix(".json")


def setups(r: Run) -> Iterator[tuple[str, str, RoleSetup]]:
    """(combination ID, role ID, setup) for every role of every selected combination of options, in catalog order:
    what each role gets once the additions are on it, as the catalog's one function says."""
    catalog = r.project.catalog
    for combination_id in r.options:
        for role_id, setup in catalog.combination([combination_id]).roles.items():
            yield combination_id, role_id, setup


def role_name(r: Run, option_id: str, role_id: str) -> str:
    return r.naming.name(option_id, role_id)


def merged(r: Run, files: list[str], what: str) -> dict[str, Any]:
    """One document with the statements of several policy files (Sids kept unique), within the size limit."""
    statements: list[dict[str, Any]] = []
    seen: set[str] = set()
    for f in files:
        for st in filled(r, f).get("Statement", []):
            st = dict(st)
            sid = st.get("Sid")
            if sid:
                base, n = sid, 2
                while sid in seen:
                    sid, n = f"{base}{n}", n + 1
                st["Sid"] = sid
                seen.add(sid)
            statements.append(st)
    doc = {"Version": "2012-10-17", "Statement": statements}
    limit = r.project.catalog.limits.managed_policy_chars if r.project.catalog else 6144
    size = len("".join(dumps(doc).split()))
    if size > limit:
        raise UserError(f"the {what} would be {size} characters, more than a managed policy may have ({limit})")
    return doc
