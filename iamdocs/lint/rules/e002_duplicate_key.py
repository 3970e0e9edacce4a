from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile


class DuplicateKey(Rule):
    id = "E002"
    name = "duplicate-key"
    description = "A JSON object must not repeat a key."
    explanation = (
        "IAM rejects a document that repeats a key, and other JSON readers silently keep the first or the last "
        "value, so the file means different things to different tools. Merge the two entries into one."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        for d in f.duplicates:
            yield self.finding(d.message, f.loc(d.again))
