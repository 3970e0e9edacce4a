"""The embedded sandbox: a moto server in a child process, on a free port of 127.0.0.1.

A child process rather than a thread, so that each server starts with empty
state (moto keeps its backends in module globals), the deploying process never
imports moto (whose botocore hooks are meant for in-process mocking), and the
server can always be stopped. The child ignores Ctrl-C, so that the parent can
still tear down through it, and exits when its stdin closes, so that it never
outlives the parent.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import NoReturn

from iamdocs.errors import UserError

STARTUP_TIMEOUT = 30.0


class EmbeddedServer:
    """Start with `start()` or `with EmbeddedServer() as server:`; `server.url` is the endpoint."""

    def __init__(self, host: str = "127.0.0.1", startup_timeout: float = STARTUP_TIMEOUT) -> None:
        self.host = host
        self.startup_timeout = startup_timeout
        self.url: str | None = None
        self.port: int | None = None
        self.peak_rss_mb: float | None = None  # of the server process, read when it stops
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid: int | None = None

    @property
    def pid(self) -> int | None:
        """The server process's ID; kept after stop() for the report."""
        return self._pid

    @property
    def ended(self) -> int | None:
        """The server's exit status when it stopped by itself (or was killed), else None while it serves."""
        return self._proc.poll() if self._proc is not None else None

    def start(self) -> str:
        """Launch the child and wait for the port it reports; return the endpoint URL."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "iamdocs.sandbox.server", self.host],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        self._pid = self._proc.pid
        assert self._proc.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._proc.stdout], [], [], max(left, 0))
            if not ready:
                self.stop()
                raise UserError(f"the embedded moto server did not start within {self.startup_timeout:.0f} s")
            chunk = os.read(self._proc.stdout.fileno(), 4096)
            if not chunk:
                err = self._proc.stderr.read().decode(errors="replace")[-2000:] if self._proc.stderr else ""
                self.stop()
                raise UserError(f"the embedded moto server exited at start: {err.strip() or 'no message'}",
                                hint="is moto[server] installed in this environment?")
            line += chunk
        self.port = int(json.loads(line)["port"])
        self.url = f"http://{self.host}:{self.port}"
        return self.url

    def current_rss_mb(self) -> float | None:
        """Peak resident memory of the server so far (VmHWM), in MB; None when unknown."""
        if not self._proc:
            return None
        try:
            for row in Path(f"/proc/{self._proc.pid}/status").read_text().splitlines():
                if row.startswith("VmHWM:"):
                    return int(row.split()[1]) / 1024
        except OSError:
            return None
        return None

    def stop(self) -> None:
        """Close the child's stdin (it exits), then terminate or kill it if it lingers."""
        proc = self._proc
        if proc is None:
            return
        self.peak_rss_mb = self.current_rss_mb() or self.peak_rss_mb
        self._proc = None
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _serve(host: str) -> NoReturn:
    """Child process: run moto on a free port, print it, serve until stdin closes or SIGTERM."""
    import logging  # lazy: the server's child process only

    # The parent decides when we stop: a closed terminal (SIGHUP) or Ctrl-C / Ctrl-\\ reach the whole process
    # group, and the parent still needs this server to tear down what it made.
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # lazy: moto loads in the child process only

    server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()
    while sys.stdin.buffer.read(65536):
        pass
    # The parent is done with us: the state dies with the process, so skip werkzeug's orderly shutdown
    # (its serve loop polls every 0.5 s, and the parent waits for our exit).
    os._exit(0)


if __name__ == "__main__":
    _serve(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1")
