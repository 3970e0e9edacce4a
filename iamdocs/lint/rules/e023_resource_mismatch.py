from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.lint.common import arn_glob, arn_service, arns_intersect, short_list
from iamdocs.model import PolicyFile


class ResourceMismatch(Rule):
    id = "E023"
    name = "resource-mismatch"
    description = "Each resource ARN must be able to match a resource type of at least one action it is given."
    explanation = (
        "An ARN of the wrong service (an s3 ARN for secretsmanager actions) or of the wrong shape (a bucket ARN "
        "for object actions) matches nothing those actions touch, so the statement silently grants nothing. "
        "ARN shapes come from the IAM action database; placeholders and wildcards count as any text."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        db = ctx.iam
        for st in f.statements:
            arns = [r for r in st.resources if r.text != "*" and r.text.startswith("arn:")]
            if not st.actions or not arns:
                continue  # "*" matches everything; a malformed ARN is E033's
            actions = ctx.statement_actions(st)
            if not actions:
                continue  # unknown actions are E020/E021's
            # Every ARN format that some action of the statement acts on, with the actions that use it.
            formats: dict[str, list[str]] = {}
            for action, _ in actions.values():
                for rtype in action.resource_types:
                    for fmt in db.arn_formats(action.service, rtype).values():
                        formats.setdefault(fmt, []).append(action.full_name)
            for r in arns:
                glob = arn_glob(r.text)
                if any(arns_intersect(glob, arn_glob(fmt)) for fmt in formats):
                    continue
                names = sorted(a.full_name for a, _ in actions.values())
                services = sorted({a.service for a, _ in actions.values()})
                service = arn_service(r.text)
                if service is not None and service not in services and "*" not in service and "<" not in service:
                    message = (f'resource "{r.text}" is an ARN of service {service}, which cannot match the '
                               f"{'/'.join(services)} actions of this statement ({short_list(names, 3)})")
                elif not formats:
                    message = (f'resource "{r.text}" cannot match: the actions of this statement '
                               f'({short_list(names, 3)}) support only Resource "*"')
                else:
                    shapes = short_list(sorted(formats), 2)
                    message = (f'resource "{r.text}" does not have the shape of any resource that the '
                               f"statement's actions ({short_list(names, 3)}) act on; expected e.g. {shapes}")
                yield self.finding(message, r.loc)
