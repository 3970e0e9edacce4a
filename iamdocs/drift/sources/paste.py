"""The role check's reader of pasted `get-account-authorization-details` output: a drift source.

The browser's copy (docs/javascripts/role-check.js) must answer as `iamdocs drift --role` does. This
module is its Python side: it turns the paste into the copies `compare_role` reads, so that the
shared cases (tests/cases/role-check.json) run against the drift check itself and against the
JavaScript; and it writes the few data the JavaScript needs (the needed grants, and the action
names of the services the policies use, for wildcards), not the whole IAM database.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from iamdocs.drift.compare import EXTRA_LINES_PER_SERVICE, Copy, canonical_grants, compare_role
from iamdocs.drift.sources.role import role_location
from iamdocs.grants import display_action
from iamdocs.iamdb import IAMDatabase
from iamdocs.model import SoundProject

READ_COMMAND = "aws iam get-account-authorization-details --filter Role LocalManagedPolicy AWSManagedPolicy"
MAX_PASTE = 20_000_000  # characters: an account's whole output is a few MB


class PasteError(ValueError):
    """The paste cannot be checked; the message is for the reader."""


def catalog_services(project: SoundProject) -> list[str]:
    """Service prefixes (lower case) that the catalog's policies name: the ones the browser knows actions of."""
    return sorted({a.text.split(":", 1)[0].lower() for f in project.files for st in f.statements
                   for a in [*st.actions, *st.not_actions] if ":" in a.text})


def _document(value: Any, what: str) -> Any:
    """A policy document as the CLI prints it (an object), or as a JSON string, URL-encoded or not."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        for text in (value, urllib.parse.unquote(value)):
            try:
                doc = json.loads(text)
            except (ValueError, RecursionError):
                continue
            if isinstance(doc, dict):
                return doc
    raise PasteError(f"{what}: the policy document is not readable")


def _list(value: Any) -> list[Any]:
    """A list from the paste, or nothing: a hostile paste may put anything where a list belongs."""
    return value if isinstance(value, list) else []


def parse(text: str) -> dict[str, Any]:
    """The pasted output as JSON, or a PasteError that says what is wrong with it."""
    if len(text) > MAX_PASTE:
        raise PasteError("The pasted text is too long to be the command's output.")
    if not text.strip():
        raise PasteError("Paste the output of the command first.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise PasteError("The pasted text is not JSON: paste the whole output of the command.") from None
    if not isinstance(data, dict) or not isinstance(data.get("RoleDetailList"), list):
        raise PasteError("The pasted JSON has no RoleDetailList: it is not the output of "
                         "get-account-authorization-details.")
    return data


def copies(data: dict[str, Any], role_name: str, region: str) -> tuple[list[Copy], dict[str, str]]:
    """The role's managed policies (default version) and inline policies, as `drift --role` reads them."""
    role = next((r for r in data["RoleDetailList"] if isinstance(r, dict) and r.get("RoleName") == role_name), None)
    if role is None:
        raise PasteError(f"No role named {role_name} in the pasted output.")
    parts = str(role.get("Arn", "")).split(":")
    values = {"ACCOUNT_ID": parts[4]} if len(parts) > 4 and parts[4] else {}
    if region:
        values["REGION"] = region
    policies = {p.get("Arn"): p for p in _list(data.get("Policies")) if isinstance(p, dict)}
    loc = role_location(role_name)
    out: list[Copy] = []
    for a in _list(role.get("AttachedManagedPolicies")):
        if not isinstance(a, dict):
            continue
        arn = a.get("PolicyArn")
        p = policies.get(arn)
        if p is None:
            raise PasteError(f"The managed policy {arn} is attached to {role_name}, but its document is not in the "
                             "paste: run the command with the filters shown.")
        versions = [v for v in _list(p.get("PolicyVersionList")) if isinstance(v, dict)]
        default = next((v for v in versions if v.get("VersionId") == p.get("DefaultVersionId")),
                       next((v for v in versions if v.get("IsDefaultVersion") is True), None))
        if default is None:
            raise PasteError(f"The managed policy {arn} has no default version in the paste.")
        out.append(Copy(f"managed policy {a.get('PolicyName')}", _document(default.get("Document"), str(arn)), loc,
                        values=values))
    for p in _list(role.get("RolePolicyList")):
        if isinstance(p, dict):
            name = str(p.get("PolicyName"))
            out.append(Copy(f"inline policy {name}", _document(p.get("PolicyDocument"), name), loc, values=values))
    return out, values


def check(project: SoundProject, db: IAMDatabase, text: str, role_name: str, options: str | list[str], as_role: str,
          region: str) -> dict[str, Any]:
    """{missing, denied, extra} display names, as compare_role reports them; or {error}.

    `options` names one combination ("engine-b+session-manager", or its option IDs), resolved by the catalog.
    Extra actions are kept for the services the catalog's policies use (the browser knows no others).
    """
    try:
        data = parse(text)
        found, _ = copies(data, role_name, region)
    except PasteError as exc:
        return {"error": str(exc)}
    combo = project.catalog.combination([options] if isinstance(options, str) else options)
    setup = combo.roles[as_role]
    report = compare_role(project, role_name, found, setup.policies, combo.id, db, role_location(role_name))
    known = set(catalog_services(project))
    out: dict[str, list[str]] = {"missing": [], "denied": [], "extra": []}
    for d in report.differences:
        if d.kind in out and (d.kind != "extra" or d.action.split(":", 1)[0].lower() in known):
            if d.action not in out[d.kind]:
                out[d.kind].append(d.action)
    return {k: sorted(v) for k, v in out.items()}


def browser_data(project: SoundProject, db: IAMDatabase) -> dict[str, Any]:
    """What role-check.js needs: the options and their valid combinations (from the catalog's one function), the
    grants each policy needs, and the catalog services' action names."""
    canon = canonical_grants(project, db)
    policies = {}
    for name, grants in canon.items():
        policies[name] = sorted([g.action, display_action(g.action, db), g.effect, g.resource, g.condition]
                                for g in grants)
    catalog = project.catalog
    # Each option with what it gives each role by itself; an addition's roles hold only what it adds.
    options = {oid: {"title": o.title, "label": o.short, "group": o.group, "combinesWith": o.combines_with,
                     "roles": {rid: {"title": catalog.roles[rid].title, "policies": s.policies}
                               for rid, s in o.roles.items()}}
               for oid, o in catalog.options.items()}
    combinations = [{"id": c.id, "options": list(c.options), "title": c.title,
                     "roles": {rid: {"title": catalog.roles[rid].title, "policies": s.policies}
                               for rid, s in c.roles.items()}}
                    for c in catalog.combinations()]
    services = {s: sorted(a.name for a in db.actions(s)) for s in catalog_services(project)}
    return {"options": options, "combinations": combinations, "policies": policies, "services": services,
            "extraLinesPerService": EXTRA_LINES_PER_SERVICE, "command": READ_COMMAND}
