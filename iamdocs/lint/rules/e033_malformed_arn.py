from __future__ import annotations

import re
from collections.abc import Iterable

from iamdocs.iamdb import is_region, partitions
from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile
from iamdocs.placeholders import examples, fill

_SERVICE = re.compile(r"[a-z0-9][a-z0-9-]*")
_ACCOUNT = re.compile(r"[0-9]{12}|aws")
_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _loose(field: str) -> bool:
    """A field with a wildcard or a policy variable can stand for anything."""
    return "*" in field or "?" in field or bool(_VARIABLE.search(field))


def arn_problem(arn: str) -> str | None:
    """What is wrong with a Resource value, or None when it is "*" or a well-formed ARN."""
    if arn == "*":
        return None
    parts = arn.split(":", 5)
    if parts[0] != "arn" or len(parts) != 6:
        return 'must be "*" or an ARN of the form arn:partition:service:region:account-id:resource'
    _, partition, service, region, account, resource = parts
    if not _loose(partition) and partition not in partitions():
        return f'partition "{partition}" is not an AWS partition ({", ".join(sorted(partitions()))})'
    if not _loose(service) and not _SERVICE.fullmatch(service):
        return f'service "{service}" must be a lower-case service name such as s3 or secretsmanager'
    if region and not _loose(region) and not is_region(region):
        return f'Region "{region}" is not a Region name such as us-west-2'
    if account and not _loose(account) and not _ACCOUNT.fullmatch(account):
        return f'account ID "{account}" must be 12 digits'
    if not resource:
        return "the resource part after the fifth colon is empty"
    return None


class MalformedArn(Rule):
    id = "E033"
    name = "malformed-arn"
    description = (
        "Each Resource must be \"*\" or a well-formed ARN once placeholders are filled with their catalog examples."
    )
    explanation = (
        "A malformed ARN matches nothing, so the statement grants nothing. Placeholders are replaced by the "
        "example values declared in the catalog before the check, as a customer would fill them in. Partitions "
        "and Regions come from botocore's endpoint data: a Region it lists, or one its partition's pattern allows."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        values = examples(ctx.catalog)
        for st in f.statements:
            for r in [*st.resources, *st.not_resources]:
                filled = fill(r.text, values)
                if "<" in filled and ">" in filled:
                    continue  # an undeclared or malformed placeholder: E030/E032
                problem = arn_problem(filled)
                if problem is None:
                    continue
                shown = f'"{r.text}" (filled in: "{filled}")' if filled != r.text else f'"{r.text}"'
                yield self.finding(f"resource {shown} is not a valid ARN: {problem}", r.loc)
