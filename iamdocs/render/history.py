"""The permission history as a changelog, newest first, for customers who keep a role by hand."""

from __future__ import annotations

from iamdocs.model import Project
from iamdocs.render._markdown import code, policy_download, policy_page, text


def permissions_changelog(project: Project, heading: str = "##") -> str:
    """Every dated change, newest first: what to add to (or remove from) a role made by hand."""
    assert project.catalog is not None
    history = project.catalog.history
    out = []
    for entry in reversed(history):
        out.append(f"{heading} {entry.date}: {text(entry.summary.rstrip('.'))}\n")
        if entry.why:
            out.append(f"{text(entry.why)}\n")
        if entry is history[0]:
            counts: dict[str, set[str]] = {}
            for change in entry.changes:
                for p in change.policies:
                    counts.setdefault(p, set()).update(change.added)
            for p, actions in counts.items():
                plural = "" if len(actions) == 1 else "s"
                out.append(f"- [{code(p)}]({policy_page(p)}): first release, {len(actions)} action{plural}.")
            out.append("")
            continue
        for change in entry.changes:
            files = ", ".join(f"[{code(p)}]({policy_page(p)})" for p in change.policies)
            if change.added:
                out.append(f"- {files}: add " + ", ".join(code(a) for a in change.added) + ".")
            if change.removed:
                out.append(f"- {files}: remove " + ", ".join(code(a) for a in change.removed) + ".")
        for old, new in entry.renamed.items():
            out.append(f"- {code(old)} is now [{code(new)}]({policy_download(new)}); the old name still works.")
        out.append("")
    return "\n".join(out)


MACROS = [permissions_changelog]
