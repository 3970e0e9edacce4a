"""Where a sandbox run goes: the embedded server, another endpoint, or a real account.

`open_target` is the one way in: it starts the embedded server when no endpoint
or profile is given, builds the boto3 session only once the target is known,
asks STS which account it is, and refuses (exit 2, before anything is created)
an account that is not on the allow-list. `iamdocs deploy` and
`iamdocs drift --role` share it with `add_target_arguments` and
`options_from_args`.

    with open_target(options_from_args(args, root)) as target:
        iam = target.client("iam")
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

from iamdocs.errors import UserError
from iamdocs.sandbox.server import EmbeddedServer

EMBEDDED_REGION = "us-east-1"
PROJECT_SETTING = "sandbox-allow-accounts"  # [tool.iamdocs] in pyproject.toml
ACCOUNT_RE = re.compile(r"^[0-9]{12}$")

# botocore's own retries: 'standard' retries throttling and transient errors with backoff.
RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8}, connect_timeout=10, read_timeout=60)


@dataclass(frozen=True)
class TargetOptions:
    """What the user asked for; nothing is contacted until `open_target`."""

    endpoint_url: str | None = None
    aws: bool = False  # a real account through boto3's credential chain
    profile: str | None = None
    region: str | None = None
    allow_accounts: tuple[str, ...] = ()
    project_root: Path | None = None

    @property
    def kind(self) -> str:
        if self.endpoint_url:
            return "endpoint"
        if self.aws or self.profile:
            return "aws"
        return "embedded"


@dataclass
class Target:
    """A sandbox that is known and allowed: its account, region, partition and session."""

    kind: str  # embedded, endpoint or aws
    endpoint_url: str | None
    region: str
    account: str
    partition: str
    caller_arn: str
    session: boto3.Session
    server: EmbeddedServer | None = None
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        """One client per service, pointed at the target, with botocore's standard retries."""
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service, endpoint_url=self.endpoint_url, region_name=self.region, config=RETRY_CONFIG)
        return self._clients[service]

    @property
    def is_emulator(self) -> bool:
        """True for moto and other emulators: no policy simulator, permissions checked by name only."""
        return self.kind != "aws"

    @property
    def values(self) -> dict[str, str]:
        """The placeholder values of this sandbox, for iamdocs.placeholders.fill."""
        return {"REGION": self.region, "ACCOUNT_ID": self.account, "PARTITION": self.partition}

    def describe(self) -> dict[str, Any]:
        """The target as the JSON report shows it (no credentials)."""
        return {"kind": self.kind, "endpoint_url": self.endpoint_url, "region": self.region,
                "account": self.account, "partition": self.partition, "caller_arn": self.caller_arn}


def add_target_arguments(p: argparse.ArgumentParser) -> None:
    """The target options, the same for every command that talks to a sandbox."""
    g = p.add_argument_group("target (default: an embedded moto server that the command starts and stops)")
    g.add_argument("--endpoint-url", metavar="URL",
                   help="an AWS-compatible endpoint that is already running (a moto server, LocalStack)")
    g.add_argument("--aws", action="store_true",
                   help="a real sandbox account through boto3's credential chain (environment, AWS_PROFILE, SSO, "
                        "instance role); never chosen without this option or --profile")
    g.add_argument("--profile", metavar="NAME",
                   help="a real sandbox account through this AWS CLI profile (implies --aws)")
    g.add_argument("--region", metavar="REGION",
                   help=f"the Region to deploy in (default: the profile's, or {EMBEDDED_REGION})")
    g.add_argument("--allow-account", metavar="ID", action="append", default=[],
                   help=f"an account ID this command may change (repeatable; also [tool.iamdocs] {PROJECT_SETTING} "
                        "in pyproject.toml); required for anything but the embedded server")


def options_from_args(args: argparse.Namespace, project_root: Path | None = None) -> TargetOptions:
    for acct in args.allow_account:
        if not ACCOUNT_RE.match(acct):
            raise UserError(f"--allow-account {acct!r} is not a 12-digit AWS account ID")
    if args.endpoint_url and not re.match(r"^https?://", args.endpoint_url):
        raise UserError(f"--endpoint-url {args.endpoint_url!r} must start with http:// or https://")
    if args.endpoint_url and (args.aws or args.profile):
        raise UserError("--endpoint-url cannot be combined with --aws or --profile",
                        hint="--endpoint-url uses the environment's credentials; --profile selects AWS itself")
    return TargetOptions(endpoint_url=args.endpoint_url, aws=args.aws, profile=args.profile, region=args.region,
                         allow_accounts=tuple(args.allow_account), project_root=project_root)


def project_allowed_accounts(root: Path | None) -> tuple[str, ...]:
    """Account IDs from `[tool.iamdocs] sandbox-allow-accounts` in the project's pyproject.toml."""
    if root is None or not (root / "pyproject.toml").is_file():
        return ()
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read {root / 'pyproject.toml'}: {exc}") from exc
    accounts = data.get("tool", {}).get("iamdocs", {}).get(PROJECT_SETTING, [])
    if not isinstance(accounts, list) or not all(isinstance(a, str) and ACCOUNT_RE.match(a) for a in accounts):
        raise UserError(f"[tool.iamdocs] {PROJECT_SETTING} in pyproject.toml must be a list of 12-digit account IDs "
                        "written as strings")
    return tuple(accounts)


def isolated_session(region: str) -> boto3.Session:
    """A session that reads no profile, config file or credentials of the user: only dummy keys."""
    bs = botocore.session.Session(session_vars={
        "profile": (None, None, None, None),
        "config_file": (None, None, os.devnull, None),
        "credentials_file": (None, None, os.devnull, None),
    })
    return boto3.Session(aws_access_key_id="iamdocs-sandbox", aws_secret_access_key="iamdocs-sandbox",
                         region_name=region, botocore_session=bs)


def user_session(opts: TargetOptions) -> tuple[boto3.Session, str]:
    """The user's own session (profile, environment, SSO) and the Region to use: for anything but embedded."""
    try:
        session = boto3.Session(profile_name=opts.profile, region_name=opts.region)
    except ProfileNotFound as exc:
        raise UserError(str(exc), hint="list profiles with: aws configure list-profiles") from None
    return session, opts.region or session.region_name or EMBEDDED_REGION


def _identity(session: boto3.Session, endpoint_url: str | None, region: str) -> tuple[str, str]:
    """(account, caller ARN) from sts:GetCallerIdentity; a UserError when it cannot be asked."""
    try:
        sts = session.client("sts", endpoint_url=endpoint_url, region_name=region, config=RETRY_CONFIG)
        ident = sts.get_caller_identity()
    except NoCredentialsError as exc:
        raise UserError("no AWS credentials found for this target",
                        hint="use --profile NAME, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") from exc
    except (ClientError, BotoCoreError) as exc:
        raise UserError(f"cannot ask the target who we are (sts:GetCallerIdentity): {exc}") from exc
    return str(ident["Account"]), str(ident["Arn"])


def check_allowed(account: str, kind: str, allowed: tuple[str, ...], where: str) -> None:
    """Refuse any account but the embedded server's unless it is explicitly allowed."""
    if kind == "embedded" or account in allowed:
        return
    listed = ", ".join(allowed) if allowed else "none"
    raise UserError(
        f"refusing to change account {account} at {where}: it is not on the allow-list (allowed: {listed}); "
        "nothing was created",
        hint=f"if this is a sandbox account, pass --allow-account {account} "
             f"or add it to [tool.iamdocs] {PROJECT_SETTING} in pyproject.toml",
    )


@contextmanager
def open_target(opts: TargetOptions, progress: Any = None) -> Iterator[Target]:
    """Yield an allowed Target; start and stop the embedded server around it when there is one."""
    say = progress or (lambda msg: print(msg, file=sys.stderr))
    kind = opts.kind
    server: EmbeddedServer | None = None
    try:
        if kind == "embedded":
            server = EmbeddedServer()
            endpoint = server.start()
            region = opts.region or EMBEDDED_REGION
            session = isolated_session(region)
            say(f"target: embedded moto server at {endpoint} (pid {server.pid})")
        else:
            endpoint = opts.endpoint_url
            session, region = user_session(opts)
        account, arn = _identity(session, endpoint, region)
        allowed = (*opts.allow_accounts, *project_allowed_accounts(opts.project_root))
        check_allowed(account, kind, allowed, endpoint or f"AWS ({opts.profile or 'default credentials'})")
        partition = arn.split(":")[1] if arn.startswith("arn:") else "aws"
        if kind != "embedded":
            say(f"target: account {account} in {region} at {endpoint or 'AWS'} as {arn}")
        yield Target(kind=kind, endpoint_url=endpoint, region=region, account=account, partition=partition,
                     caller_arn=arn, session=session, server=server)
    finally:
        if server is not None:
            server.stop()
