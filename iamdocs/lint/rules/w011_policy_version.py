from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile


class PolicyVersion(Rule):
    id = "W011"
    name = "policy-version"
    description = 'A policy should say "Version": "2012-10-17".'
    explanation = (
        'Without Version, or with the outdated "2008-10-17", IAM reads the document in the old language version, '
        "in which policy variables such as ${aws:username} are plain text. Write \"Version\": \"2012-10-17\"."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        if f.root is None or f.root.kind != "object":
            return
        version = f.root.get("Version")
        if version is None:
            yield self.finding(
                'no Version; IAM then uses the outdated 2008-10-17 language: add "Version": "2012-10-17"', f.loc(f.root)
            )
        elif version.value == "2008-10-17":
            yield self.finding('Version "2008-10-17" is outdated (policy variables do not work): use "2012-10-17"',
                               f.loc(f.root.key("Version")))
