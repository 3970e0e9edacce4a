"""Hostile and careless `iamdocs deploy` inputs: each ends in one error line and its exit code, changing nothing.

Every case runs `iamdocs.cli.main(argv)` in the test process. The expected line
is written out by hand; `{moto}`, `{web}`, `{silent}`, `{closed}` and `{tmp}`
stand for the worker's moto server, a plain HTML web server, a port that accepts
and never answers, a port where nothing listens, and the test's folder.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sandbox_helpers import inventory

from iamdocs.cli import main

pytestmark = pytest.mark.sandbox

ALLOW = ["--allow-account", "123456789012"]
REFUSED = "is not a regular file (a device, pipe or socket); iamdocs writes only regular files"

# (id, argv, extra environment, exit code, the one "iamdocs deploy: error:" line)
CASES: list[tuple[str, list[str], dict[str, str], int, str]] = [
    ("url-other-scheme", ["--endpoint-url", "ftp://x", *ALLOW], {}, 2,
     "--endpoint-url 'ftp://x': must start with http:// or https://"),
    ("url-no-host", ["--endpoint-url", "http://", *ALLOW], {}, 2,
     "--endpoint-url 'http://': names no host"),
    ("url-not-a-url", ["--endpoint-url", "not a url", *ALLOW], {}, 2,
     "--endpoint-url 'not a url': must start with http:// or https://"),
    ("url-port-out-of-range", ["--endpoint-url", "http://127.0.0.1:99999", *ALLOW], {}, 2,
     "--endpoint-url 'http://127.0.0.1:99999': is not a URL (Port out of range 0-65535)"),
    ("url-broken-ipv6", ["--endpoint-url", "http://[::1", *ALLOW], {}, 2,
     "--endpoint-url 'http://[::1': is not a URL (Invalid IPv6 URL)"),
    ("url-with-password", ["--endpoint-url", "http://me:s3cret@127.0.0.1:9", *ALLOW], {}, 2,
     "--endpoint-url 'http://***@127.0.0.1:9': must not carry a user name or password; "
     "credentials come from the environment or --profile"),
    ("url-with-space", ["--endpoint-url", "http://127.0.0.1:9/a b", *ALLOW], {}, 2,
     "--endpoint-url 'http://127.0.0.1:9/a b': contains spaces or control characters"),
    ("url-with-newline", ["--endpoint-url", "http://127.0.0.1:9\n", *ALLOW], {}, 2,
     "--endpoint-url 'http://127.0.0.1:9\\n': contains spaces or control characters"),
    ("endpoint-web-page-404", ["--endpoint-url", "{web}", *ALLOW], {}, 2,
     "{web}: answered sts:GetCallerIdentity with HTTP 404, not an AWS error (is it an AWS-compatible endpoint?)"),
    ("endpoint-web-page-200", ["--endpoint-url", "{web}/page", *ALLOW], {}, 2,
     "{web}/page: answered sts:GetCallerIdentity, but not as AWS does (is it an AWS-compatible endpoint?)"),
    ("endpoint-never-answers", ["--endpoint-url", "{silent}", *ALLOW], {}, 2,
     "{silent}: connected, but no answer to sts:GetCallerIdentity within 5 s (is it an AWS-compatible endpoint?)"),
    ("endpoint-nothing-listens", ["--endpoint-url", "{closed}", *ALLOW], {}, 2,
     "{closed}: cannot connect (is the server running, is the URL right?)"),
    ("region-malformed", ["--endpoint-url", "{moto}", "--region", "us east 1", *ALLOW], {}, 2,
     "--region 'us east 1': not a Region name such as us-east-1 or eu-west-2"),
    ("account-not-allowed", ["--endpoint-url", "{moto}"], {}, 2,
     "refusing to change account 123456789012 at {moto}: it is not on the allow-list (allowed: none); "
     "nothing was created"),
    ("account-other-allowed", ["--endpoint-url", "{moto}", "--allow-account", "111122223333"], {}, 2,
     "refusing to change account 123456789012 at {moto}: it is not on the allow-list (allowed: 111122223333); "
     "nothing was created"),
    ("allow-account-malformed", ["--allow-account", "12345"], {}, 2,
     "--allow-account '12345' is not a 12-digit AWS account ID"),
    ("report-is-a-fifo", ["--endpoint-url", "{moto}", *ALLOW, "--report", "{tmp}/fifo.json"], {}, 2,
     f"{{tmp}}/fifo.json: {REFUSED}"),
    ("report-is-a-symlink", ["--endpoint-url", "{moto}", *ALLOW, "--report", "{tmp}/link.json"], {}, 2,
     "{tmp}/link.json: is a symbolic link; iamdocs writes only regular files"),
    ("report-is-a-folder", ["--endpoint-url", "{moto}", *ALLOW, "--report", "{tmp}/folder.json"], {}, 2,
     "{tmp}/folder.json: is a folder; iamdocs writes only regular files"),
    ("report-under-a-file", ["--endpoint-url", "{moto}", *ALLOW, "--report", "{tmp}/plain.txt/report.json"], {}, 2,
     "{tmp}/plain.txt/report.json: cannot write: Not a directory"),
    ("cleanup-report-is-a-fifo", ["--cleanup", "--endpoint-url", "{moto}", *ALLOW, "--report", "{tmp}/fifo.json"],
     {}, 2, f"{{tmp}}/fifo.json: {REFUSED}"),
    ("unknown-option", ["--option", "no-such-option"], {}, 2,
     "unknown role option no-such-option"),
    ("unknown-stack", ["--stack", "nope"], {}, 2,
     "argument --stack: invalid choice: 'nope' (choose from 'new', 'new-named', 'new-session', 'new-boundary', "
     "'existing')"),
    ("cleanup-embedded", ["--cleanup"], {}, 2,
     "--cleanup needs the sandbox that earlier runs used: the embedded server starts empty every time and stops "
     "with its run, so it never holds leftovers"),
    ("cleanup-with-option", ["--cleanup", "--option", "engine-a"], {}, 2,
     "--cleanup deploys nothing; it cannot be combined with --option or --stack"),
    ("endpoint-and-profile", ["--endpoint-url", "http://127.0.0.1:9", "--profile", "x"], {}, 2,
     "--endpoint-url cannot be combined with --aws or --profile"),
    ("profile-unknown", ["--profile", "no-such-profile", *ALLOW], {}, 2,
     "The config profile (no-such-profile) could not be found"),
    ("fault-spec-malformed", ["--endpoint-url", "{moto}", *ALLOW], {"IAMDOCS_FAULT": "explode:roles"}, 2,
     "IAMDOCS_FAULT: cannot read 'explode:roles'"),
]


def _setup_paths(tmp: Path) -> None:
    os.mkfifo(tmp / "fifo.json")
    (tmp / "target.json").write_text("keep me\n")
    (tmp / "link.json").symlink_to(tmp / "target.json")
    (tmp / "folder.json").mkdir()
    (tmp / "plain.txt").write_text("a file, not a folder\n")


def _state(tmp: Path) -> dict[str, tuple[int, str]]:
    """Each path's type bits and, for regular files, content: a refused write must change none."""
    out = {}
    for p in sorted(tmp.iterdir()):
        st = os.lstat(p)
        text = p.read_text() if p.is_file() and not p.is_symlink() else os.readlink(p) if p.is_symlink() else ""
        out[p.name] = (st.st_mode & 0o170000, text)
    return out


@pytest.mark.parametrize(("argv", "env", "code", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_deploy_input(argv, env, code, line, creds, moto_server, web_server, silent_endpoint, closed_port,
                              tmp_path, capsys, monkeypatch):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    where = {"{moto}": moto_server.url, "{web}": web_server, "{silent}": silent_endpoint, "{closed}": closed_port,
             "{tmp}": str(tmp_path)}

    def fill(text: str) -> str:
        for k, v in where.items():
            text = text.replace(k, v)
        return text

    _setup_paths(tmp_path)
    files, server = _state(tmp_path), inventory(moto_server.url)
    started = time.monotonic()
    got = main(["deploy", *(fill(a) for a in argv)])
    took = time.monotonic() - started
    err = capsys.readouterr().err
    errors = [x for x in err.splitlines() if x.startswith("iamdocs deploy: error:")]
    assert (got, errors) == (code, [f"iamdocs deploy: error: {fill(line)}"]), err
    assert "Traceback" not in err and "internal error" not in err
    assert _state(tmp_path) == files  # no path replaced, no half-written report beside it
    assert inventory(moto_server.url) == server  # nothing created
    # a hang guard, not a speed figure: far above the few seconds a case needs even on a busy machine, far below
    # the 546 s a silent endpoint used to take
    assert took < 60, f"took {took:.0f} s"
