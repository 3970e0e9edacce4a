"""A read-only IAM client for `drift --role`, with deploy's target option names.

Deploy's target (iamdocs.sandbox.target) starts an embedded server by default
and refuses accounts that are not on its allow-list, because deploy creates
things. Reading a customer's existing role needs neither: an embedded server
starts empty, and checking a production account is the point. So this opens
only an explicit endpoint or AWS itself, and creates nothing.
"""

from __future__ import annotations

from typing import Any

from iamdocs.errors import UserError

DEFAULT_REGION = "us-east-1"


def iam_client(endpoint_url: str | None, aws: bool, profile: str | None, region: str | None) -> Any:
    """An IAM client for the target the user named; UserError when none or an unknown profile is named."""
    if not (endpoint_url or aws or profile):
        raise UserError("--role reads a role that already exists: name where it is",
                        hint="--endpoint-url URL (an emulator), --profile NAME, or --aws (environment credentials)")
    if endpoint_url and (aws or profile):
        raise UserError("--endpoint-url cannot be combined with --aws or --profile")
    if endpoint_url and not endpoint_url.startswith(("http://", "https://")):
        raise UserError(f"--endpoint-url {endpoint_url!r} must start with http:// or https://")
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ProfileNotFound

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as exc:
        raise UserError(str(exc), hint="list profiles with: aws configure list-profiles") from None
    return session.client("iam", endpoint_url=endpoint_url, region_name=region or session.region_name or DEFAULT_REGION,
                          config=Config(retries={"mode": "standard", "max_attempts": 5}))
