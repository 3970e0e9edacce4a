from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile
from iamdocs.sizes import limits_of, minified_size


class ManagedPolicySize(Rule):
    id = "E040"
    name = "managed-policy-size"
    description = "A policy must fit the managed-policy limit (6,144 characters without whitespace, catalog limits)."
    explanation = (
        "IAM counts a managed policy's characters without the whitespace outside strings and refuses documents "
        "over the limit. Every policy is checked, also a lone file, because customers may create any of them "
        "as a managed policy. Split the policy by purpose, or use wildcards that the guide can justify."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        if f.root is None:
            return
        limit = limits_of(ctx.catalog).managed_policy_chars
        size = minified_size(f.document)
        if size > limit:
            yield self.finding(f"policy is {size:,} characters without whitespace; a managed policy may have at "
                               f"most {limit:,} ({size - limit:,} too many)", f.loc(f.root))
