"""Sandbox test fixtures: one moto server per xdist worker, local stand-ins for broken endpoints.

`inventory` lists the server with a plain boto3 client of its own, not with the
code under test, so that "nothing left behind" is checked from outside. Every
fixture that starts a process, a thread or a socket stops it in a `finally`,
whatever the test did, and takes a free port from the kernel (never a fixed one).
"""

from __future__ import annotations

import http.server
import os
import socket
import threading
from collections.abc import Iterator

import pytest
from sandbox_helpers import MOTO_ACCOUNT

from iamdocs.sandbox.server import EmbeddedServer
from iamdocs.sandbox.target import TargetOptions


@pytest.fixture(scope="session")
def moto_server() -> Iterator[EmbeddedServer]:
    """One server per worker: every run is prefixed and tagged with its own ID, so runs cannot see each other."""
    server = EmbeddedServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


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


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A local port that accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # the kernel completes the handshakes; nobody ever reads or writes
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


@pytest.fixture
def closed_port() -> str:
    """A local URL where nothing listens: a port the kernel handed out, then closed again."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    finally:
        s.close()
    return f"http://127.0.0.1:{port}"


class _WebPage(http.server.BaseHTTPRequestHandler):
    """Any web server that is not AWS: an HTML page under /page, a web server's 404 page elsewhere."""

    def _answer(self) -> None:
        page = self.path.startswith("/page")
        body = (b"<!doctype html><html><body><p>Welcome</p></body></html>" if page else
                b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body><h1>404 Not Found</h1></body></html>")
        self.send_response(200 if page else 404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def web_server() -> Iterator[str]:
    """A plain HTML web server on a free local port, in a thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _WebPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
