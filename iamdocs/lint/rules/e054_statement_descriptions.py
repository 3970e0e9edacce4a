from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile


class StatementDescriptions(Rule):
    id = "E054"
    name = "statement-descriptions"
    description = "The Sids of a policy and the keys of its catalog `statements` map must be the same."
    explanation = (
        "The guide explains each statement with the sentence the catalog gives for its Sid. A statement without "
        "a sentence, or a sentence for a statement that is gone, would mislead customers."
    )
    project_only = True

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        if f.meta is None or f.root is None:
            return
        described = f.meta.statements
        sids = set()
        for st in f.statements:
            if st.sid is None:
                yield self.finding(f"statement has no Sid, so the catalog cannot describe it (policies.{f.name}."
                                   "statements)", st.loc)
                continue
            sids.add(st.sid)
            if st.sid not in described:
                yield self.finding(f'statement "{st.sid}" has no description in the catalog\'s policies.{f.name}.'
                                   "statements", f.loc(st.node.get("Sid")))
        for sid in described:
            if sid not in sids:
                yield self.finding(f'the catalog describes statement "{sid}", which {f.name} does not have',
                                   ctx.catalog.locate(["policies", f.name, "statements", sid]))
