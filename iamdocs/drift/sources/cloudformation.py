"""Drift of a CloudFormation template: every identity policy it can create, under every branch.

Reading, evaluating, finding the documents and choosing the parameter values to
try is iamdocs/cfn's work (reader, evaluate, identity, parameters); this module
turns what each choice creates into copies for compare.py, compares the roles, and
reports each difference once with the values under which it occurs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iamdocs import jsonpos
from iamdocs.cfn.evaluate import NOT_EVALUATED as _NOT_EVALUATED
from iamdocs.cfn.evaluate import DeployTimeValue, UnknownValue
from iamdocs.cfn.identity import Branch, Found, PolicyDoc, find
from iamdocs.cfn.parameters import (
    MAX_COMBINATIONS,
    Branches,
    Other,
    branches,
    check_params,
    read_parameters,
    show_params,
    show_value,
)
from iamdocs.cfn.reader import (
    KNOWN_FUNCTIONS,
    RULE_FUNCTIONS,
    Template,
    TemplateError,
)
from iamdocs.cfn.reader import read_template as _read_template
from iamdocs.drift.compare import (
    UNMATCHED,
    Copy,
    Difference,
    ExpectedRole,
    Report,
    RoleCopy,
    access_of,
    canonical_grants,
    choose_expected,
    compare_copies,
    compare_role_access,
    compare_roles,
    expected_roles,
    match_copies,
    relate,
)
from iamdocs.errors import UserError
from iamdocs.grants import Grant, document_grants
from iamdocs.iamdb import IAMDatabase
from iamdocs.model import Project
from iamdocs.placeholders import cfn_parameter_names
from iamdocs.positions import Location, from_node, pos

__all__ = [
    "MAX_COMBINATIONS",
    "NOT_EVALUATED",
    "SHORT_FORMS",
    "Branches",
    "MatchedDocument",
    "Other",
    "TemplateError",
    "branches",
    "check_params",
    "check_template",
    "matched_documents",
    "read_parameters",
    "read_template",
    "show_params",
]

# Short-form tags and the long-form key each stands for (any other `!Name` reads as `Fn::Name` too).
SHORT_FORMS = {("!" + k.removeprefix("Fn::")): k for k in sorted(KNOWN_FUNCTIONS)}
# Accepted anywhere in a template, an error inside a compared policy document.
NOT_EVALUATED = _NOT_EVALUATED | frozenset(RULE_FUNCTIONS)


def read_template(path: Path, display: Path | None = None) -> Template:
    """The template (reader.read_template), for callers that only know this module."""
    return _read_template(path, display)


def _parse_map(entries: list[str]) -> dict[str, tuple[str, ...]]:
    """--map LogicalId[/PolicyName]=file.json[,other.json]"""
    out: dict[str, tuple[str, ...]] = {}
    for e in entries:
        key, sep, files = e.partition("=")
        if not sep or not key.strip() or not files.strip():
            raise UserError(f"--map {e}: expected LogicalId=policy-file.json (or LogicalId/PolicyName=...)")
        out[key.strip()] = tuple(f.strip() for f in files.split(",") if f.strip())
    return out


def check_map(found: Found, mapping: list[str], shown: Path) -> dict[str, tuple[str, ...]]:
    maps = _parse_map(mapping)
    known = {d.name for d in found.documents} | {d.logical_id for d in found.documents}
    unused = sorted(set(maps) - known)
    if unused:
        raise UserError(f"--map {', '.join(unused)}: no such policy document in {shown}",
                        hint="documents: " + ", ".join(d.name for d in found.documents))
    return maps


STATEMENT_KEYS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                  "Condition")


def _check_statements(template: Template, doc: PolicyDoc, document: dict[str, Any]) -> None:
    """A statement IAM would reject (a wrong-case or unknown key, no Action/NotAction) is bad input at its place,
    one line: read as written it would grant every action, which is neither what it says nor comparable."""
    statements = document.get("Statement")
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict):
            continue
        for key in st:
            if key in STATEMENT_KEYS:
                continue
            right = next((k for k in STATEMENT_KEYS if k.lower() == str(key).lower()), None)
            hint = f" (IAM keys are case-sensitive: {right})" if right else ""
            _fail(template, key if pos(key)[0] else st,
                  f"statement key '{key}' is not an IAM policy key{hint}; the statement is not evaluated")
        if "Action" not in st and "NotAction" not in st:
            _fail(template, st, "statement has no Action or NotAction; it is not evaluated")


def _fail(template: Template, at: Any, message: str) -> None:
    """Raise a TemplateError a report can place itself (as the evaluator's are)."""
    err = TemplateError(f"{template.where(at)}: {message}")
    err.detail, err.at = message, at  # type: ignore[attr-defined]
    raise err


def document_copy(template: Template, doc: PolicyDoc, document: Any, maps: Mapping[str, tuple[str, ...]]) -> Copy:
    """An evaluated document as a copy to compare; a document written as JSON text is parsed first."""
    if isinstance(document, str):
        line = pos(document, pos(doc.document))[0]
        try:
            document = from_node(jsonpos.parse(document).root, max(line - 1, 0))
        except jsonpos.JSONPositionError as exc:
            raise TemplateError(f"{template.where(doc.document)}: {doc.name}: PolicyDocument is text but not JSON: "
                                f"{exc.message}") from None
    if not isinstance(document, dict):
        raise TemplateError(f"{template.where(doc.document)}: {doc.name}: PolicyDocument is not an object")
    _check_statements(template, doc, document)
    forced = maps.get(doc.name) or maps.get(doc.logical_id) or ()
    line, col = pos(document, pos(doc.document))
    return Copy(doc.name, document, Location(template.path, line, col), tuple(forced))


def _error_at(exc: TemplateError, fallback: Location) -> tuple[Location, str]:
    """Where an evaluation error points, and its message without the location prefix."""
    value = getattr(exc, "at", None)
    line, col = pos(value)
    detail = getattr(exc, "detail", None) or exc.message
    return (Location(fallback.path, line, col) if line else fallback), detail


def _when(indexes: list[int], br: Branches) -> str:
    """The parameter values under which something occurs, short ("IamRole=New, Session=true"); "" when under
    every combination."""
    if not br.varied or (len(indexes) == len(br.combinations) and not br.cut):
        return ""
    per: dict[str, list[str]] = {n: [] for n in br.varied}
    count = 0
    for i in indexes:
        size = 1
        for group in br.members(i):
            size *= len(group)
            for choice in group:
                for n, v in choice.items():
                    if n in per and v not in per[n]:
                        per[n].append(v)
        count += size
    all_values: dict[str, list[str]] = {n: [] for n in br.varied}
    for i in range(len(br.combinations)):
        for group in br.members(i):
            for choice in group:
                for n, v in choice.items():
                    if n in all_values and v not in all_values[n]:
                        all_values[n].append(v)
    product = 1
    for v in per.values():
        product *= max(len(v), 1)
    if product == count:  # a plain product: name the values that are not all of them
        parts = [f"{n}={show_value(v[0])}" if len(v) == 1 else f"{n} in {{{', '.join(show_value(x) for x in v)}}}"
                 for n, v in per.items() if v and len(v) < len(all_values[n])]
        return ", ".join(parts)
    shown = []
    for i in indexes[:4]:
        choice: dict[str, str] = {}
        for group in br.members(i):
            choice.update(group[0])
        shown.append(show_params({n: choice[n] for n in br.varied if n in choice}))
    more = f"; and {len(indexes) - 4} more" if len(indexes) > 4 else ""
    return " | ".join(shown) + more


def check_template(project: Project, db: IAMDatabase, path: Path, params: Mapping[str, str] | None = None,
                   mapping: list[str] | None = None, display: Path | None = None) -> Report:
    """The drift report of a template over every branch (or those `params` leave open).

    Each difference is reported once, with the parameter values under which it
    occurs when it does not occur under all of them. A document that cannot be
    evaluated is drift at its place; the other documents are still compared.
    """
    template = _read_template(path, display)
    found = find(template)
    fixed = dict(params or {})
    check_params(template, fixed)
    maps = check_map(found, mapping or [], template.path)
    report = Report("cloudformation", str(template.path))
    if not found.documents:
        types = sorted({str(r.get("Type")) for r in template.resources.values() if isinstance(r, dict)})
        report.nothing = (f"{template.path} creates no identity policy ({len(template.resources)} resource(s)"
                          + (f": {', '.join(types)}" if types else "") + ")")
        return report
    br = branches(template, fixed)
    seen: dict[tuple[Any, ...], tuple[Difference, list[int]]] = {}
    cache: dict[tuple[str, str], tuple[list[Difference], tuple[str, ...]]] = {}
    created: set[str] = set()
    compared: set[str] = set()

    def note(i: int, d: Difference) -> None:
        key = (d.kind, d.severity, d.loc.line, d.loc.col, d.document, d.canonical, d.action, d.message)
        if key not in seen:
            seen[key] = (d, [])
        if not seen[key][1] or seen[key][1][-1] != i:
            seen[key][1].append(i)

    keep = cfn_parameter_names(project.catalog)
    canon = canonical_grants(project, db)
    expected = expected_roles(project)
    role_cache: dict[tuple[str, str], list[Difference]] = {}
    for i, combo in enumerate(br.combinations):
        branch = Branch(template, found, combo, keep)
        by_role: dict[str, list[Copy]] = {}
        for doc in found.documents:
            doc_loc = Location(template.path, *pos(doc.document, pos(doc.holder)))
            try:
                if not branch.exists(doc):
                    continue
                created.add(doc.name)
                evaluated = branch.evaluate(doc, roles=False)
                copy = document_copy(template, doc, evaluated.document, maps)
            except (UnknownValue, DeployTimeValue) as exc:  # what it grants is not known here: never "no drift"
                loc, detail = _error_at(exc, doc_loc)
                note(i, Difference("not-proven", "drift", loc, doc.name, "", "", f"not proven: {detail}"))
                continue
            except TemplateError as exc:
                loc, detail = _error_at(exc, doc_loc)
                note(i, Difference("unreadable", "drift", loc, doc.name, "", "",
                                   f"cannot be evaluated, so it is not compared: {detail}"))
                continue
            try:
                attached = branch.attached_roles(doc)
            except TemplateError as exc:
                loc, detail = _error_at(exc, doc_loc)
                note(i, Difference("unreadable", "drift", loc, doc.name, "", "",
                                   f"cannot tell which of the template's roles it is attached to: {detail}"))
                attached = []
            for role in attached:
                by_role.setdefault(role, []).append(copy)
            if attached:
                continue
            # On no role of the template (a user's, a group's, a managed policy for others): compared on its own.
            key = (doc.name, json.dumps(copy.document, sort_keys=True, default=str))
            if key not in cache:
                r = compare_copies(project, [copy], db, "cloudformation", str(template.path))
                cache[key] = (r.differences, copy.matched)
            diffs, copy.matched = cache[key]
            for d in diffs:
                note(i, d)
            if copy.matched:
                compared.add(doc.name)
        try:
            roles, chosen = [], []
            for role in branch.roles():
                trust_at = role.trust if role.trust is not None else role.resource
                rc = RoleCopy(role.logical_id, Location(template.path, *pos(role.resource)), branch.trust(role),
                              Location(template.path, *pos(trust_at)), by_role.get(role.logical_id, []))
                setup, lines = _role_setup(rc, project, db, expected, canon, role_cache)
                for d in lines:
                    note(i, d)
                roles.append(rc)
                chosen.append(setup)
            wiring = compare_roles(project, roles, chosen)
            for d in wiring:
                note(i, d)
            misplaced = {d.document for d in wiring if d.kind == "wrong-role"}
            for role, rc, setup in zip(branch.roles(), roles, chosen, strict=True):
                if role.logical_id in misplaced:
                    continue
                matched, diffs = _compare_role(template, branch, role, rc, setup, canon, db, role_cache)
                if matched:
                    compared.update(c.name for c in rc.documents)
                for d in diffs:
                    note(i, d)
        except TemplateError as exc:
            loc, detail = _error_at(exc, Location(template.path))
            note(i, Difference("unreadable", "drift", loc, "roles", "", "", f"cannot be evaluated: {detail}"))
    for doc in found.documents:
        if doc.name not in created:
            line, col = pos(doc.holder)
            note(0, Difference("skipped", "info", Location(template.path, line, col), doc.name, "", "",
                               "not created with any of the parameter values checked"))
    for d, indexes in seen.values():
        when = _when(indexes, br) if d.kind != "skipped" else ""
        report.differences.append(Difference(d.kind, d.severity, d.loc, d.document, d.canonical, d.action,
                                             f"{d.message} (when {when})" if when else d.message, when))
    unreadable = {d.document for d, _ in seen.values() if d.kind == "unreadable"}
    report.documents = len(compared | unreadable)  # looked at: compared, or found unevaluable (which is drift)
    if br.cut:  # the others may hold drift: never "no drift" from part of the branches
        found = f"{br.outcomes:,} distinct outcomes" + (" at least" if br.partial else "")
        report.differences.append(Difference(
            "bound", "drift", Location(template.path), "", "", "",
            f"not proven: checked {len(br.combinations)} of {found} of {br.total:,} parameter combinations "
            f"({', '.join(br.varied)}); fix some with --param NAME=VALUE to check the others"))
    elif br.varied:
        report.differences.append(Difference(
            "branches", "info", Location(template.path), "", "", "",
            f"checked every branch: {len(br.combinations)} distinct outcome(s) of {br.total:,} combination(s) of "
            f"{', '.join(br.varied)}"))
    if not compared and not report.drift:
        unmatched = "; ".join(f"{d.document}: {d.message}" for d in report.differences if d.kind == "unmatched")
        report.nothing = f"no document in {template.path} resembles a policy in policies/ ({unmatched or 'none'})"
    return report


def _key(rc: RoleCopy) -> tuple[str, str]:
    return rc.name, json.dumps([[c.name, c.document, sorted(c.values.items()), c.canonical] for c in rc.documents],
                               sort_keys=True, default=str)


def _role_setup(rc: RoleCopy, project: Project, db: IAMDatabase, expected: list[ExpectedRole],
                canon: Mapping[str, set[Grant]], cache: dict[Any, Any]) -> tuple[ExpectedRole | None, list[Difference]]:
    """Which policy set of the catalog a role is (None: someone else's role), and what each document stands for."""
    key = ("setup", *_key(rc))
    if key not in cache:
        match_copies(project, rc.documents, db)
        chosen = choose_expected(rc.documents, db, expected, canon)
        if chosen is None:
            lines = [Difference("unmatched", "info", c.loc, c.name, "", "", UNMATCHED)
                     for c in rc.documents if not c.matched]
        else:
            exp, covered, needed = chosen
            lines = relate(rc.documents, exp, canon, db)
            lines.append(Difference("role-access", "info", rc.loc, rc.name, exp.label, "",
                                    f"{rc.name} compared as a whole with the {exp.role or 'mapped'} role's "
                                    f"{exp.label} ({exp.source}; it covers {covered} of {needed} "
                                    "grants)"))
        cache[key] = (chosen[0] if chosen else None, lines, [c.matched for c in rc.documents])
    setup, lines, matched = cache[key]
    for c, m in zip(rc.documents, matched, strict=True):
        c.matched = m
    return setup, lines


def _compare_role(template: Template, branch: Branch, role: Any, rc: RoleCopy, setup: ExpectedRole | None,
                  canon: Mapping[str, set[Grant]], db: IAMDatabase,
                  cache: dict[Any, Any]) -> tuple[bool, list[Difference]]:
    """A role of the template against the policy set of the catalog it is: (compared, differences).

    Its documents are compared together (a split policy is one access), and a managed
    policy ARN from outside the template grants what cannot be read here: "not proven".
    """
    try:
        raw, arns = branch.outside_policy_arns(role)
    except TemplateError as exc:
        loc, detail = _error_at(exc, Location(template.path, *pos(role.resource)))
        return False, [Difference("unreadable", "drift", loc, role.logical_id, "", "",
                                  f"not proven: its ManagedPolicyArns cannot be evaluated: {detail}")]
    if setup is None:  # not a role of the product: what else it gets is its own business
        return False, []
    outside = [_outside(template, raw, role, arn) for arn in arns]
    key = ("access", *_key(rc))
    if key not in cache:
        cache[key] = compare_role_access(role.logical_id, rc.loc, rc.documents, setup, canon, db)
    return True, [*cache[key], *outside]


def _outside(template: Template, raw: Any, role: Any, arn: str) -> Difference:
    loc = Location(template.path, *pos(raw, pos(role.resource)))
    return Difference("not-proven", "drift", loc, role.logical_id, "", arn,
                      f"not proven: {role.logical_id} also gets managed policy {arn}, whose content is "
                      "not in the template; drift cannot tell what it grants")


@dataclass
class MatchedDocument:
    """A document of the template and the canonical policies it was compared with (for tools that rewrite it).

    `doc` has the logical ID, resource type, policy name, the raw PolicyDocument
    with its `start`/`end` offsets into `template.text`, and its conditions.
    `canonical` is empty when no branch matched it to a policy in policies/. A part
    of a policy split over several documents of one role has `share`: the
    (policy, statement index, action) items of `canonical` it holds. `refused`
    says why a tool must not write it (it is on a product role but no part of
    the role's policies, or it is a policy on the wrong role).
    """

    doc: PolicyDoc
    canonical: tuple[str, ...]
    branches: list[dict[str, str]]  # the parameter values under which it was compared with `canonical`
    share: tuple[tuple[str, int, str], ...] = ()
    refused: str = ""


Share = tuple[tuple[str, int, str], ...]


def shares(project: Project, db: IAMDatabase, setup: ExpectedRole, copies: list[Copy]) -> dict[str, Share]:
    """Which document of a role should hold each action of the role's policies: the one that holds it now,
    else the one that stands for its policy, else the first (a split policy stays split, nothing twice)."""
    held = [(c, document_grants(c.document, db, c.values)) for c in copies]
    home = {m: c for c in copies for m in c.matched}
    out: dict[str, list[tuple[str, int, str]]] = {c.name: [] for c in copies}
    for name in setup.policies:
        document = project.policy(name).document
        statements = document.get("Statement") if isinstance(document, dict) else None
        for index, st in enumerate(statements if isinstance(statements, list) else [statements]):
            if not isinstance(st, dict):
                continue
            actions = st.get("Action")
            for action in actions if isinstance(actions, list) else [actions]:
                one = document_grants({"Statement": [{**st, "Action": [action]}]}, db)
                owner = next((c for c, g in held if one and one <= g), home.get(name, copies[0]))
                out[owner.name].append((name, index, str(action)))
    return {k: tuple(v) for k, v in out.items()}


def matched_documents(project: Project, db: IAMDatabase, template: Template, params: Mapping[str, str] | None = None,
                      mapping: list[str] | None = None) -> list[MatchedDocument]:
    """Every identity policy document of the template with what drift compares it with, as check_template does:
    a document on a role within the role's policy set, one on no role with the policy it covers.

    A document that matches different policies under different branches appears
    once per policy; one that cannot be evaluated in a branch is left out of it.
    """
    found = find(template)
    fixed = dict(params or {})
    check_params(template, fixed)
    maps = check_map(found, mapping or [], template.path)
    out: dict[tuple[Any, ...], MatchedDocument] = {}
    keep = cfn_parameter_names(project.catalog)
    canon = canonical_grants(project, db)
    expected = expected_roles(project)
    cache: dict[Any, Any] = {}
    index = {id(doc): n for n, doc in enumerate(found.documents)}

    def record(doc: PolicyDoc, combo: dict[str, str], canonical: tuple[str, ...], share: Share = (),
               refused: str = "") -> None:
        key = (index[id(doc)], canonical, share, refused)
        if key not in out:
            out[key] = MatchedDocument(doc, canonical, [], share, refused)
        out[key].branches.append(combo)

    for combo in branches(template, fixed).combinations:
        branch = Branch(template, found, combo, keep)
        by_role: dict[str, list[tuple[PolicyDoc, Copy]]] = {}
        for doc in found.documents:
            try:
                if not branch.exists(doc):
                    continue
                copy = document_copy(template, doc, branch.evaluate(doc, roles=False).document, maps)
                attached = branch.attached_roles(doc)
            except TemplateError:
                continue
            for role in attached:
                by_role.setdefault(role, []).append((doc, copy))
            if not attached:
                compare_copies(project, [copy], db, "cloudformation", str(template.path))
                record(doc, combo, copy.matched)
        for role_id, pairs in by_role.items():
            copies = [c for _, c in pairs]
            rc = RoleCopy(role_id, Location(template.path), None, Location(template.path), copies)
            setup, _ = _role_setup(rc, project, db, expected, canon, cache)
            if setup is None:
                for doc, _ in pairs:
                    record(doc, combo, ())
                continue
            want = access_of([Copy("", project.policy(p).document, Location(template.path)) for p in setup.policies],
                             db)
            grants = {c.name: document_grants(c.document, db, c.values) for c in copies}
            part = {c.name for c in copies if not c.matched
                    and any(want.covers(g) for g in grants[c.name] if g.effect == "Allow")}
            # a policy spread over documents (or one policy in two): each document keeps its share
            split = bool(part) or len({m for c in copies for m in c.matched}) < sum(len(c.matched) for c in copies)
            parts = shares(project, db, setup, [c for c in copies if c.matched or c.name in part]) if split else {}
            for doc, c in pairs:
                if c.matched and not set(c.matched) <= set(setup.policies):
                    record(doc, combo, c.matched, refused=f"{c.name} is {' + '.join(c.matched)}, which does not go "
                                                          f"on {role_id} with {setup.label}")
                elif not c.matched and c.name not in part:
                    record(doc, combo, (), refused=f"{c.name} on {role_id} grants nothing of the {setup.role} "
                                                   "role's policies; sync does not remove documents: remove it "
                                                   "from the template")
                elif split:
                    held = parts[c.name]
                    record(doc, combo, tuple(sorted({p for p, _, _ in held})) or c.matched, share=held)
                else:
                    record(doc, combo, c.matched)
    return [out[k] for k in sorted(out, key=lambda k: (k[0], k[1], k[2], k[3]))]
