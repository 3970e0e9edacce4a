from __future__ import annotations

import difflib
from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.lint.common import is_wildcard
from iamdocs.model import PolicyFile


class UnknownAction(Rule):
    id = "E021"
    name = "unknown-action"
    description = "Every action must exist in the IAM action database; a wildcard must match at least one action."
    explanation = (
        "Names are compared case-insensitively, as IAM does, and wildcards are expanded. An unknown action grants "
        "nothing, so a typo silently removes a permission the product needs."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        db = ctx.iam
        for st in f.statements:
            for v in [*st.actions, *st.not_actions]:
                if v.text == "*":
                    continue
                service, sep, name = v.text.partition(":")
                if not sep or not service or not name:
                    yield self.finding(f'"{v.text}" is not an action: write service:ActionName, e.g. ec2:RunInstances',
                                       v.loc)
                    continue
                if not db.has_service(service):
                    continue  # E020 reports it
                if is_wildcard(name):
                    if not db.expand(v.text):
                        yield self.finding(f'"{v.text}" matches no {service.lower()} action', v.loc)
                    continue
                if db.action(v.text) is None:
                    names = [a.name for a in db.actions(service)]
                    close = difflib.get_close_matches(name, names, n=1)
                    hint = f' (did you mean "{service.lower()}:{close[0]}"?)' if close else ""
                    yield self.finding(f'unknown action "{v.text}"{hint}', v.loc)
