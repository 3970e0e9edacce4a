from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.lint.rules.e023_resource_mismatch import mismatches
from iamdocs.model import PolicyFile


class ResourceUncertain(Rule):
    id = "W023"
    name = "resource-may-not-match"
    description = "A resource ARN that the IAM data cannot confirm for the statement's actions."
    explanation = (
        "E023's check, where the data may be wrong rather than the policy: the data lists no resource type for "
        "the actions (s3:ListAllMyBuckets on arn:aws:s3:::*), the ARN has the shape of no resource type the data "
        "knows for its service, or it names a renamed service (codeconnections ARNs for codestar-connections "
        "actions). AWS's own managed policies do both. Check the action's page in "
        "the Service Authorization Reference; if the ARN is right, it works."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        for st in f.statements:
            for m in mismatches(st, ctx):
                if not m.certain:
                    yield self.finding(m.message, m.value.loc)
