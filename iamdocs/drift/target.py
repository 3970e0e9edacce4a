"""A read-only IAM client for `drift --role`, through iamdocs.aws like deploy's.

Two things differ from deploy on purpose, because deploy creates things and this
only reads: there is no embedded default (a fresh emulator holds no role to
check), and no account allow-list (checking a production account is the point).
"""

from __future__ import annotations

from typing import Any

from iamdocs.aws import TargetSpec, user_connection
from iamdocs.errors import UserError


def iam_client(spec: TargetSpec) -> Any:
    """An IAM client for the endpoint or account the user named; UserError when none is named."""
    if spec.kind == "none":
        raise UserError("--role reads a role that already exists: name where it is",
                        hint="--endpoint-url URL (an emulator), --profile NAME, or --aws (environment credentials)")
    return user_connection(spec).client("iam")
