from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile, canonical_json
from iamdocs.positions import Location


class CanonicalFormat(Rule):
    id = "W070"
    name = "canonical-format"
    description = "A policy should be in canonical form: IAM key order, 2-space indent, final newline."
    explanation = (
        "One layout for every policy keeps diffs to the lines that changed and makes the published files look "
        "alike. `iamdocs validate --fix` rewrites a file into canonical form and changes nothing else."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        if f.root is None or f.text is None:
            return
        canonical = canonical_json(f.document)
        if f.text == canonical:
            return
        have, want = f.text.split("\n"), canonical.split("\n")
        line = next((i + 1 for i, (a, b) in enumerate(zip(have, want, strict=False)) if a != b),
                    min(len(have), len(want)))
        yield self.finding("not in canonical form (IAM key order, 2-space indent, final newline) from this line on; "
                           "run: iamdocs validate --fix", Location(f.path, line, 1))
