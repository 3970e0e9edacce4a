from __future__ import annotations

from collections.abc import Iterable

from iamdocs.iamdb import RETIRED_SERVICES
from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile


class RetiredService(Rule):
    id = "W020"
    name = "retired-service"
    description = "An action of a retired service or former prefix: IAM accepts it, but it cannot be checked."
    explanation = (
        "Services such as AWS DeepLens, DeepRacer and Elastic Inference were retired and left the Service "
        "Authorization Reference, so no IAM data lists their actions, yet IAM still accepts them in a policy and "
        "AWS's own managed policies name them. Their names cannot be checked: remove them when you can. The list "
        "of retired services is kept by hand in iamdocs/iamdb.py (RETIRED_SERVICES)."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        db = ctx.iam
        for st in f.statements:
            for v in [*st.actions, *st.not_actions]:
                service, sep, _ = v.text.partition(":")
                if sep and db.is_retired(service):
                    yield self.finding(f'"{v.text}" is an action of {RETIRED_SERVICES[service.lower()]}, a retired '
                                       "service or former prefix that the IAM data no longer lists", v.loc)
