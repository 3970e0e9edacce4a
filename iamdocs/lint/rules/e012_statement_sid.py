from __future__ import annotations

import re
from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile

_SID = re.compile(r"[A-Za-z0-9]+")


class StatementSid(Rule):
    id = "E012"
    name = "statement-sid"
    description = "A statement Sid must be alphanumeric (A-Z, a-z, 0-9) and unique within the policy."
    explanation = (
        "IAM rejects Sids with other characters in identity policies, and a repeated Sid makes findings and the "
        "guide's statement descriptions ambiguous. Rename the statement, e.g. EngineSecrets."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        seen: dict[str, int] = {}
        for st in f.statements:
            node = st.node.get("Sid")
            if node is None or node.kind != "string":
                continue  # no Sid is allowed; a non-string Sid is E010's
            sid = node.value
            if not _SID.fullmatch(sid):
                yield self.finding(f'Sid "{sid}" must contain only letters A-Z, a-z and digits 0-9', f.loc(node))
            if sid in seen:
                yield self.finding(f'Sid "{sid}" is already used by the statement on line {seen[sid]}', f.loc(node))
            else:
                seen[sid] = st.loc.line
