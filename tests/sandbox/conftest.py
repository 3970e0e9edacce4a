"""Sandbox test fixtures: one moto server per xdist worker, and an independent view of what is in it.

`inventory` lists the server with a plain boto3 client of its own, not with the
code under test, so that "nothing left behind" is checked from outside.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sandbox_helpers import MOTO_ACCOUNT

from iamdocs.sandbox.server import EmbeddedServer
from iamdocs.sandbox.target import TargetOptions


@pytest.fixture(scope="session")
def moto_server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer() as server:
        yield server


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials for --endpoint-url runs; no profile or config file of the machine."""
    for k in list(os.environ):
        if k.startswith("AWS_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


@pytest.fixture
def endpoint(moto_server: EmbeddedServer, creds: None) -> TargetOptions:
    """Target the worker's server as `--endpoint-url URL --allow-account 123456789012` would."""
    return TargetOptions(endpoint_url=moto_server.url, allow_accounts=(MOTO_ACCOUNT,))
