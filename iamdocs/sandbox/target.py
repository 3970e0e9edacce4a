"""Where a sandbox run goes: the embedded server, another endpoint, or a real account.

`open_target` is the one way in: it starts the embedded server when no endpoint
or profile is given, gets its session from iamdocs.aws (which deploy shares with
`drift --role`), asks STS which account it is, and refuses (exit 2, before
anything is created) an account that is not on the allow-list.

    with open_target(TargetOptions(endpoint_url=url, allow_accounts=(account,), project_root=root)) as target:
        iam = target.client("iam")
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iamdocs.aws import ACCOUNT_RE, DEFAULT_REGION, Connection, TargetSpec, isolated_connection, user_connection
from iamdocs.errors import UserError
from iamdocs.sandbox.server import EmbeddedServer

EMBEDDED_REGION = DEFAULT_REGION
PROJECT_SETTING = "sandbox-allow-accounts"  # [tool.iamdocs] in pyproject.toml


@dataclass(frozen=True)
class TargetOptions(TargetSpec):
    """A TargetSpec plus what only a run that changes things needs: the accounts it may change."""

    allow_accounts: tuple[str, ...] = ()
    project_root: Path | None = None

    def checked(self) -> None:
        """Raise UserError for what TargetSpec refuses, or an allowed account that is no account ID."""
        super().checked()
        for acct in self.allow_accounts:
            if not ACCOUNT_RE.match(acct):
                raise UserError(f"--allow-account {acct!r} is not a 12-digit AWS account ID")

    @property
    def kind(self) -> str:
        """embedded when no endpoint or account is named: deploy then starts its own server."""
        kind = super().kind
        return "embedded" if kind == "none" else kind


@dataclass
class Target:
    """A sandbox that is known and allowed: its account and partition, and the connection to it."""

    kind: str  # embedded, endpoint or aws
    account: str
    partition: str
    caller_arn: str
    connection: Connection
    server: EmbeddedServer | None = None

    @property
    def endpoint_url(self) -> str | None:
        return self.connection.endpoint_url

    @property
    def region(self) -> str:
        return self.connection.region

    def client(self, service: str) -> Any:
        """One client per service, with iamdocs.aws's timeouts, retries and proxy rules."""
        return self.connection.client(service)

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
            conn = isolated_connection(server.start(), opts.region or EMBEDDED_REGION)
            say(f"target: embedded moto server at {conn.endpoint_url} (pid {server.pid})")
        else:
            conn = user_connection(opts)
        account, arn = conn.identity()
        allowed = (*opts.allow_accounts, *project_allowed_accounts(opts.project_root))
        check_allowed(account, kind, allowed, conn.endpoint_url or f"AWS ({opts.profile or 'default credentials'})")
        partition = arn.split(":")[1] if arn.startswith("arn:") else "aws"
        if kind != "embedded":
            say(f"target: account {account} in {conn.region} at {conn.endpoint_url or 'AWS'} as {arn}")
        yield Target(kind=kind, account=account, partition=partition, caller_arn=arn, connection=conn,
                     server=server)
    finally:
        if server is not None:
            server.stop()
