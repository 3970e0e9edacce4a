"""AWS sessions and targets: where a command's AWS calls go, and the one way to get clients for it.

`iamdocs deploy` (iamdocs.sandbox.target) and `iamdocs drift --role`
(iamdocs.drift.target) both describe where to go with a `TargetSpec` and talk
to it through a `Connection`:

    conn = user_connection(TargetSpec(profile="sandbox"))
    account, arn = conn.identity()      # the first call: a clean error if nobody answers as AWS does
    iam = conn.client("iam")

What the two commands share is decided here once: the endpoint URL is checked
before anything is contacted; a loopback endpoint (the embedded server, a local
moto or LocalStack) never goes through HTTP_PROXY/HTTPS_PROXY; connect and read
timeouts are capped (LOCAL_CONFIG, AWS_CONFIG), so an endpoint that accepts and
never answers is reported in seconds; and whatever a non-AWS endpoint answers
becomes one line, not a traceback.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ProfileNotFound,
    ProxyConnectionError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from iamdocs.errors import UserError

DEFAULT_REGION = "us-east-1"
ACCOUNT_RE = re.compile(r"\A[0-9]{12}\Z")
REGION_RE = re.compile(r"\A[a-z]{2}(-[a-z]+)+-[0-9]+\Z")  # us-east-1, us-gov-west-1, ap-southeast-2, cn-north-1

# Timeouts and retries, in seconds and attempts. total_max_attempts counts the first try (botocore's older
# max_attempts counts only the retries). A loopback endpoint connects at once or not at all; its reads get
# 30 s because moto loads a service on that service's first call (CloudFormation: 1 s on a quiet machine,
# over 7 s on a busy one), and a read timeout that fires there would re-send a create. AWS itself gets
# botocore's usual patience ('standard' mode retries throttling and transient errors).
LOCAL_CONNECT_TIMEOUT, LOCAL_READ_TIMEOUT, LOCAL_ATTEMPTS = 2, 30, 3
AWS_CONNECT_TIMEOUT, AWS_READ_TIMEOUT, AWS_ATTEMPTS = 10, 60, 8
# The first call (sts:GetCallerIdentity) is a probe: it answers at once, so it is not retried on a loopback
# endpoint, and an endpoint that accepts connections but never answers is reported after a few seconds.
LOCAL_PROBE_READ_TIMEOUT, AWS_PROBE_READ_TIMEOUT = 5, 15

LOCAL_CONFIG = Config(connect_timeout=LOCAL_CONNECT_TIMEOUT, read_timeout=LOCAL_READ_TIMEOUT,
                      retries={"mode": "standard", "total_max_attempts": LOCAL_ATTEMPTS}, proxies={})
LOCAL_PROBE_CONFIG = Config(connect_timeout=LOCAL_CONNECT_TIMEOUT, read_timeout=LOCAL_PROBE_READ_TIMEOUT,
                            retries={"mode": "standard", "total_max_attempts": 1}, proxies={})
AWS_CONFIG = Config(connect_timeout=AWS_CONNECT_TIMEOUT, read_timeout=AWS_READ_TIMEOUT,
                    retries={"mode": "standard", "total_max_attempts": AWS_ATTEMPTS})
AWS_PROBE_CONFIG = Config(connect_timeout=AWS_CONNECT_TIMEOUT, read_timeout=AWS_PROBE_READ_TIMEOUT,
                          retries={"mode": "standard", "total_max_attempts": 2})

# What a call to a target may raise that is about the target, not a bug in iamdocs. A non-AWS endpoint's
# answer can also surface as ResponseParserError (a plain Exception) or a KeyError inside botocore's parser.
AWS_ERRORS: tuple[type[Exception], ...] = (ClientError, BotoCoreError, ResponseParserError)


def check_endpoint_url(url: str) -> str:
    """The URL unchanged, or a UserError saying what is wrong with it, before anything is contacted."""
    def bad(why: str) -> UserError:
        shown = re.sub(r"//[^/@]*@", "//***@", url)  # never echo a password back
        return UserError(f"--endpoint-url {shown!r}: {why}")

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise bad(f"is not a URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise bad("must start with http:// or https://")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise bad("contains spaces or control characters")
    if not parts.hostname:
        raise bad("names no host")
    if port == 0:
        raise bad("port 0 is not a port a server listens on")
    if parts.username is not None or parts.password is not None:
        raise bad("must not carry a user name or password; credentials come from the environment or --profile")
    if parts.query or parts.fragment:
        raise bad("must not have a query (?...) or a fragment (#...)")
    return url


def is_loopback(url: str | None) -> bool:
    """True for an endpoint on this machine: no proxy may stand in between, and it answers at once or never."""
    if not url:
        return False
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def client_config(endpoint_url: str | None, *, probe: bool = False) -> Config:
    """Timeouts, retries and proxies for this endpoint (see the constants above)."""
    if is_loopback(endpoint_url):
        return LOCAL_PROBE_CONFIG if probe else LOCAL_CONFIG
    return AWS_PROBE_CONFIG if probe else AWS_CONFIG


@dataclass(frozen=True)
class TargetSpec:
    """Where to go, as the user said it; nothing is contacted until a Connection is made."""

    endpoint_url: str | None = None  # an AWS-compatible endpoint (moto, LocalStack)
    aws: bool = False  # AWS through boto3's credential chain
    profile: str | None = None  # AWS through this profile (implies aws)
    region: str | None = None

    @property
    def kind(self) -> str:
        """endpoint, aws, or none (the caller decides what no target means: deploy starts its own)."""
        if self.endpoint_url:
            return "endpoint"
        if self.aws or self.profile:
            return "aws"
        return "none"

    def checked(self) -> None:
        """Raise UserError for a malformed URL or options that contradict each other."""
        if self.endpoint_url is not None:
            check_endpoint_url(self.endpoint_url)
        if self.region is not None and not REGION_RE.match(self.region):
            raise UserError(f"--region {self.region!r}: not a Region name such as us-east-1 or eu-west-2")
        if self.endpoint_url and (self.aws or self.profile):
            raise UserError("--endpoint-url cannot be combined with --aws or --profile",
                            hint="--endpoint-url uses the environment's credentials; --profile selects AWS itself")


@dataclass
class Connection:
    """A boto3 session bound to one endpoint and Region, with one client per service."""

    session: boto3.Session
    region: str
    endpoint_url: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def where(self) -> str:
        return self.endpoint_url or f"AWS ({self.region})"

    def client(self, service: str) -> Any:
        """One client per service, with this endpoint's timeouts, retries and proxies."""
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service, endpoint_url=self.endpoint_url, region_name=self.region,
                config=client_config(self.endpoint_url))
        return self._clients[service]

    def identity(self) -> tuple[str, str]:
        """(account, caller ARN) from sts:GetCallerIdentity; one UserError line when the target cannot say."""
        where = self.where
        config = client_config(self.endpoint_url, probe=True)
        try:
            sts = self.session.client("sts", endpoint_url=self.endpoint_url, region_name=self.region, config=config)
            ident = sts.get_caller_identity()
        except NoCredentialsError:
            raise UserError("no AWS credentials found for this target",
                            hint="use --profile NAME, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") from None
        except (*AWS_ERRORS, KeyError) as exc:
            raise UserError(f"{where}: {describe_error(exc, config, 'sts:GetCallerIdentity')}") from None
        account, arn = str(ident.get("Account", "")), str(ident.get("Arn", ""))
        if not ACCOUNT_RE.match(account) or not arn.startswith("arn:"):
            raise UserError(f"{where}: answered sts:GetCallerIdentity, but not as AWS does "
                            "(is it an AWS-compatible endpoint?)")
        return account, arn


def describe_error(exc: BaseException, config: Config | None = None, call: str = "the call") -> str:
    """A failed call in one line, naming what to check: an HTTP page that is not AWS said as such."""
    connect = getattr(config, "connect_timeout", None)
    read = getattr(config, "read_timeout", None)
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if not code or code == "Unknown" or code.isdigit():
            return f"answered {call} with HTTP {status or code or '?'}, not an AWS error (is it an AWS-compatible " \
                   "endpoint?)"
        message = str(err.get("Message") or "").splitlines()
        return f"{call} failed: {code}" + (f": {message[0][:200]}" if message else "")
    if isinstance(exc, ProxyConnectionError):
        return f"cannot reach it through the proxy ({exc}); set NO_PROXY for this host"
    if isinstance(exc, ConnectTimeoutError):
        return f"no connection within {connect} s (is the host reachable?)"
    if isinstance(exc, ReadTimeoutError):
        return f"connected, but no answer to {call} within {read} s (is it an AWS-compatible endpoint?)"
    if isinstance(exc, EndpointConnectionError):
        return "cannot connect (is the server running, is the URL right?)"
    if isinstance(exc, (ResponseParserError, KeyError)):
        return f"answered {call}, but not as AWS does (is it an AWS-compatible endpoint?)"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{call} failed: {text[:300]}"


def isolated_connection(endpoint_url: str, region: str = DEFAULT_REGION) -> Connection:
    """A connection that reads no profile, config file or credentials of the user: only dummy keys.

    For the embedded server, whose account is moto's: the user's real keys must never be sent anywhere.
    """
    bs = botocore.session.Session(session_vars={
        "profile": (None, None, None, None),
        "config_file": (None, None, os.devnull, None),
        "credentials_file": (None, None, os.devnull, None),
    })
    session = boto3.Session(aws_access_key_id="iamdocs-sandbox", aws_secret_access_key="iamdocs-sandbox",
                            region_name=region, botocore_session=bs)
    return Connection(session, region, endpoint_url)


def user_connection(spec: TargetSpec) -> Connection:
    """The user's own session (profile, environment, SSO) for an endpoint or AWS itself."""
    spec.checked()
    try:
        session = boto3.Session(profile_name=spec.profile, region_name=spec.region)
    except ProfileNotFound as exc:
        raise UserError(str(exc), hint="list profiles with: aws configure list-profiles") from None
    region = spec.region or session.region_name or DEFAULT_REGION
    return Connection(session, region, spec.endpoint_url)
