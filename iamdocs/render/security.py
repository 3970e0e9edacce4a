"""Security findings the project accepts, with the catalog's justification and the rule's metadata."""

from __future__ import annotations

from iamdocs.lint import discover_rules
from iamdocs.model import SoundProject
from iamdocs.render._markdown import code, inert, policy_page


def accepted_findings(project: SoundProject, name: str = "") -> str:
    """Accepted findings for one policy (or all), each with its rule and why AI Unlimited needs it."""
    rules = {r.id: r for r in discover_rules()}
    entries = [a for a in project.catalog.accepted_findings if not name or name in a.policies]
    if not entries:
        return "The lint rules report no security findings for this policy.\n" if name else "None.\n"
    out = []
    for a in entries:
        rule = rules.get(a.rule)
        if rule is not None:
            # No link: the lint rules page is in the writers' site, not in the customers' guide.
            title = f"{a.rule} {rule.name}: {rule.description}"
        else:
            title = f"{a.rule}"
        body = inert(a.justification.strip())  # one line: all of it inside the admonition
        if not name:
            body += "\n\n    Policies: " + ", ".join(f"[{code(p)}]({policy_page(p)})" for p in a.policies)
        out.append(f'!!! warning "{_quote(title)}"\n\n    {body}\n')
    return "\n".join(out)


def _quote(text: str) -> str:
    return text.replace('"', "'")


MACROS = [accepted_findings]
