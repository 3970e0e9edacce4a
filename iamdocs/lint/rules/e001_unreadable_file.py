from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile


class UnreadableFile(Rule):
    id = "E001"
    name = "unreadable-file"
    description = "The file must exist and be a UTF-8 JSON document of reasonable size."
    explanation = (
        "Missing, empty, binary, non-UTF-8, oversized and malformed files cannot be checked any further. "
        "The message names the first place where reading stopped."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        if f.error and f.error_loc is not None:
            yield self.finding(f.error, f.error_loc)
