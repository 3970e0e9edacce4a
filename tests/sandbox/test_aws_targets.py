"""iamdocs.aws: target specs, URL checks, and what each endpoint gets (proxies, timeouts), without a server."""

from __future__ import annotations

import argparse

import pytest

from iamdocs.aws import TargetSpec, check_endpoint_url, client_config, is_loopback, user_connection
from iamdocs.commands._options import target_spec
from iamdocs.errors import UserError
from iamdocs.sandbox.target import TargetOptions


def _args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"endpoint_url": None, "aws": False, "profile": None, "region": None, **kw})


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "http://localhost:4566", "https://iam.amazonaws.com",
                                 "http://[::1]:5000/", "HTTP://moto.internal:5000/base"])
def test_endpoint_urls_that_are_accepted(url):
    assert check_endpoint_url(url) == url


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:5000", True), ("http://127.8.9.10", True), ("http://localhost:4566", True),
    ("http://[::1]:5000", True), ("http://api.localhost", True),
    ("http://10.0.0.5:5000", False), ("https://iam.amazonaws.com", False), ("http://localhost.example.com", False),
    (None, False),
])
def test_loopback_endpoints_are_recognised(url, loopback):
    assert is_loopback(url) is loopback


def test_a_loopback_endpoint_bypasses_proxies_and_gets_short_timeouts():
    local = client_config("http://127.0.0.1:5000")
    assert (local.proxies, local.connect_timeout, local.read_timeout) == ({}, 2, 30)
    assert local.retries == {"mode": "standard", "total_max_attempts": 3}
    probe = client_config("http://127.0.0.1:5000", probe=True)
    assert (probe.proxies, probe.read_timeout, probe.retries["total_max_attempts"]) == ({}, 5, 1)


def test_aws_itself_keeps_the_environments_proxy_and_the_stated_timeouts():
    remote = client_config(None)
    assert (remote.proxies, remote.connect_timeout, remote.read_timeout) == (None, 10, 60)
    assert remote.retries == {"mode": "standard", "total_max_attempts": 8}
    probe = client_config("https://iam.amazonaws.com", probe=True)
    assert (probe.proxies, probe.read_timeout, probe.retries["total_max_attempts"]) == (None, 15, 2)


def test_specs_from_arguments_and_their_kinds():
    assert target_spec(_args()).kind == "none"
    assert target_spec(_args(endpoint_url="http://127.0.0.1:5000")).kind == "endpoint"
    assert target_spec(_args(profile="sandbox")).kind == "aws"
    assert target_spec(_args(aws=True, region="eu-west-2")).region == "eu-west-2"
    assert TargetOptions().kind == "embedded"  # deploy's default: its own server
    with pytest.raises(UserError, match=r"^--endpoint-url cannot be combined with --aws or --profile$"):
        target_spec(_args(endpoint_url="http://127.0.0.1:5000", aws=True))
    with pytest.raises(UserError, match=r"^--region 'eu-west-2 ': not a Region name"):
        target_spec(_args(region="eu-west-2 "))


def test_a_user_connection_reads_the_profile_region(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[profile sandbox]\nregion = eu-central-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    conn = user_connection(TargetSpec(profile="sandbox"))
    assert (conn.region, conn.endpoint_url, conn.where) == ("eu-central-1", None, "AWS (eu-central-1)")
    assert user_connection(TargetSpec(profile="sandbox", region="us-west-2")).region == "us-west-2"
