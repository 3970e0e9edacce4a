"""A read-only IAM client for `drift --role`, on deploy's target options.

The options (--endpoint-url, --aws, --profile, --region) and their validation
are deploy's (iamdocs.sandbox.target.options_from_args). Two things differ on
purpose, because deploy creates things and this only reads: there is no
embedded default (a fresh emulator holds no role to check), and no account
allow-list (checking a production account is the point of the check).
"""

from __future__ import annotations

import argparse
from typing import Any

from iamdocs.errors import UserError


def iam_client(args: argparse.Namespace) -> Any:
    """An IAM client for the endpoint or account the user named; UserError when none is named."""
    from iamdocs.sandbox.target import RETRY_CONFIG, options_from_args, user_session

    opts = options_from_args(argparse.Namespace(
        endpoint_url=args.endpoint_url, aws=args.aws, profile=args.profile, region=args.region, allow_account=[]))
    if opts.kind == "embedded":
        raise UserError("--role reads a role that already exists: name where it is",
                        hint="--endpoint-url URL (an emulator), --profile NAME, or --aws (environment credentials)")
    session, region = user_session(opts)
    return session.client("iam", endpoint_url=opts.endpoint_url, region_name=region, config=RETRY_CONFIG)
