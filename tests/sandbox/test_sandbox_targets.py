"""Targets and isolation: untouched foreign resources, --cleanup and leases, proxies, the CLI end to end.

The CLI runs in the test process through `iamdocs.cli.main`; only the signal
tests (test_sandbox_failures.py) need a process of their own.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sandbox_helpers import MOTO_ACCOUNT, client, inventory

from iamdocs.cli import main
from iamdocs.sandbox.deploy import cleanup, deploy

pytestmark = pytest.mark.sandbox

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
DOC = json.dumps({"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
OURS = [{"Key": "iamdocs:managed-by", "Value": "iamdocs"}, {"Key": "iamdocs:run", "Value": "0ldrun00"}]


@pytest.fixture
def proxy_everywhere(monkeypatch: pytest.MonkeyPatch, closed_port: str) -> str:
    """A corporate-style proxy setting whose proxy is not there: any request that uses it fails."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, closed_port)
    return closed_port


@pytest.fixture
def umask_002() -> Iterator[None]:
    old = os.umask(0o002)
    try:
        yield
    finally:
        os.umask(old)


def test_an_allowed_endpoint_behind_a_proxy_setting_is_left_exactly_as_found(moto_server, creds, proxy_everywhere,
                                                                             umask_002, tmp_path, capsys):
    before = inventory(moto_server.url)
    out = tmp_path / "report.json"
    code = main(["deploy", "--endpoint-url", moto_server.url, "--allow-account", MOTO_ACCOUNT,
                 "--option", "engine-b", "--stack", "new-named", "--report", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "PASSED" in captured.out
    assert inventory(moto_server.url) == before
    assert os.stat(out).st_mode & 0o777 == 0o664  # 0666 less the umask, as any editor's file
    assert json.loads(out.read_text())["outcome"] == "passed"


def test_untagged_resources_survive_a_deploy_and_a_cleanup(endpoint, moto_server, project):
    iam = client(moto_server.url, "iam")
    # our prefix but no tags, another tool's names, and a leftover of an earlier run (tagged)
    iam.create_role(RoleName="iamdocs-sbx-untagged-role", AssumeRolePolicyDocument=TRUST)
    iam.create_role(RoleName="someone-elses-role", AssumeRolePolicyDocument=TRUST)
    foreign_policy = iam.create_policy(PolicyName="iamdocs-sbx-untagged-policy", PolicyDocument=DOC)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="someone-elses-role", PolicyArn=foreign_policy)
    iam.create_role(RoleName="iamdocs-sbx-0ldrun00-manager", AssumeRolePolicyDocument=TRUST, Tags=OURS)
    old_policy = iam.create_policy(PolicyName="iamdocs-sbx-0ldrun00-policy", PolicyDocument=DOC, Tags=OURS)
    iam.attach_role_policy(RoleName="iamdocs-sbx-0ldrun00-manager", PolicyArn=old_policy["Policy"]["Arn"])
    iam.create_instance_profile(InstanceProfileName="iamdocs-sbx-0ldrun00-manager", Tags=OURS)
    iam.add_role_to_instance_profile(InstanceProfileName="iamdocs-sbx-0ldrun00-manager",
                                     RoleName="iamdocs-sbx-0ldrun00-manager")
    # a tagged leftover policy attached to a role iamdocs did not create: kept, not detached
    stuck = iam.create_policy(PolicyName="iamdocs-sbx-0ldrun00-stuck", PolicyDocument=DOC, Tags=OURS)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="someone-elses-role", PolicyArn=stuck)
    try:
        before = inventory(moto_server.url)
        report = deploy(endpoint, project, options=["engine-a"], stacks=["existing"], progress=lambda _: None)
        assert report.exit_code == 0, report.summary()
        assert inventory(moto_server.url) == before  # a run removes only its own resources

        report = cleanup(endpoint, progress=lambda _: None)
        after = inventory(moto_server.url)
        assert after["roles"] == before["roles"] - {"iamdocs-sbx-0ldrun00-manager"}
        assert after["policies"] == before["policies"] - {"iamdocs-sbx-0ldrun00-policy"}
        assert after["instance_profiles"] == before["instance_profiles"] - {"iamdocs-sbx-0ldrun00-manager"}
        attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="someone-elses-role")
                    ["AttachedPolicies"]}
        assert attached == {foreign_policy, stuck}
        assert report.left_behind == [{"kind": "policy", "id": stuck,
                                       "reason": "attached to role someone-elses-role, which iamdocs did not create"}]
        assert report.exit_code == 1
    finally:
        iam.detach_role_policy(RoleName="someone-elses-role", PolicyArn=foreign_policy)
        iam.detach_role_policy(RoleName="someone-elses-role", PolicyArn=stuck)
        for arn in (foreign_policy, stuck):
            iam.delete_policy(PolicyArn=arn)
        for role in ("iamdocs-sbx-untagged-role", "someone-elses-role"):
            iam.delete_role(RoleName=role)


def test_cleanup_with_nothing_to_do_exits_0(endpoint):
    report = cleanup(endpoint, progress=lambda _: None)
    assert (report.exit_code, report.deleted, report.left_behind) == (0, [], [])


def _lease(hours: float) -> str:
    when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _exited_pid() -> int:
    """The ID of a process of ours that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _make_run(iam, run: str, owner: str, lease: str) -> set[str]:
    """A role with a policy attached, tagged as run `run` tags them; returns their names."""
    tags = [{"Key": "iamdocs:managed-by", "Value": "iamdocs"}, {"Key": "iamdocs:run", "Value": run},
            {"Key": "iamdocs:owner", "Value": owner}, {"Key": "iamdocs:lease-until", "Value": lease}]
    role, policy = f"iamdocs-sbx-{run}-manager", f"iamdocs-sbx-{run}-policy"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST, Tags=tags)
    arn = iam.create_policy(PolicyName=policy, PolicyDocument=DOC, Tags=tags)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    return {role, policy}


def _retag(iam, run: str, key: str, value: str) -> None:
    tag = [{"Key": key, "Value": value}]
    iam.tag_role(RoleName=f"iamdocs-sbx-{run}-manager", Tags=tag)
    iam.tag_policy(PolicyArn=f"arn:aws:iam::{MOTO_ACCOUNT}:policy/iamdocs-sbx-{run}-policy", Tags=tag)


def _names(url: str) -> set[str]:
    seen = inventory(url)
    return seen["roles"] | seen["policies"]


@pytest.mark.parametrize("how_it_ends", ["lease expired", "owner gone"])
def test_cleanup_leaves_runs_in_progress_alone_until_they_end(how_it_ends, endpoint, moto_server, capsys):
    """Two runs in progress (one of this process, one on another host), both with a valid lease: untouched.
    Once this process's run ends (its lease expires, or its owner exits), the next cleanup removes it."""
    iam = client(moto_server.url, "iam")
    host = socket.gethostname()
    here = _make_run(iam, "1nprog00", f"{host}/{os.getpid()}/", _lease(1))
    there = _make_run(iam, "1nprog01", "build-agent-7/4242/123", _lease(1))
    try:
        report = cleanup(endpoint, progress=lambda _: None)
        assert (report.exit_code, report.deleted, report.left_behind) == (0, [], [])
        assert [(r["run"], r["owner"]) for r in report.in_progress] == [
            ("1nprog00", f"{host}/{os.getpid()}/"), ("1nprog01", "build-agent-7/4242/123")]
        assert here | there <= _names(moto_server.url)
        assert "SKIPPED run 1nprog01: in progress (owner build-agent-7/4242/123, lease until " in report.summary()

        if how_it_ends == "lease expired":
            _retag(iam, "1nprog00", "iamdocs:lease-until", _lease(-0.1))
        else:
            _retag(iam, "1nprog00", "iamdocs:owner", f"{host}/{_exited_pid()}/")
        report = cleanup(endpoint, progress=lambda _: None)
        assert report.exit_code == 0, report.summary()
        assert {(d["kind"], d["id"].rsplit("/", 1)[-1]) for d in report.deleted} == {
            ("role", "iamdocs-sbx-1nprog00-manager"), ("policy", "iamdocs-sbx-1nprog00-policy")}
        assert [r["run"] for r in report.in_progress] == ["1nprog01"]
        names = _names(moto_server.url)
        assert not here & names and there <= names
    finally:
        _retag(iam, "1nprog01", "iamdocs:lease-until", _lease(-0.1))  # leave nothing for the next test
        cleanup(endpoint, progress=lambda _: None)
    capsys.readouterr()


def test_cli_embedded_full_run_writes_a_report(tmp_path, root, monkeypatch, proxy_everywhere, capsys):
    out = tmp_path / "deploy-report.json"
    # an inherited profile that does not exist, real-looking keys, an endpoint and a proxy that are not there:
    # the embedded run must ignore them all
    for k, v in {"AWS_PROFILE": "no-such-profile", "AWS_ACCESS_KEY_ID": "AKIAREALLOOKING00000",
                 "AWS_SECRET_ACCESS_KEY": "not-used", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}.items():
        monkeypatch.setenv(k, v)
    code = main(["deploy", "--report", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err
    for step in ["managed-policies", "boundaries", "roles", "role-policies", "instance-profiles", "stacks",
                 "verify"]:
        assert f"[iamdocs] {step}: done" in err
    data = json.loads(out.read_text())
    assert data["outcome"] == "passed" and data["exit_code"] == 0
    assert data["target"]["kind"] == "embedded" and data["target"]["account"] == MOTO_ACCOUNT
    assert data["target"]["endpoint_url"].startswith("http://127.0.0.1:")
    # every valid combination of the role options
    assert data["options"] == [
        "engine-a", "engine-a+session-manager", "engine-a+permissions-boundary",
        "engine-a+session-manager+permissions-boundary",
        "engine-b", "engine-b+session-manager", "engine-b+permissions-boundary",
        "engine-b+session-manager+permissions-boundary",
        "cloudformation-new-role", "cloudformation-new-role+session-manager",
        "cloudformation-new-role+permissions-boundary", "cloudformation-new-role+session-manager+permissions-boundary"]
    assert [s["combination"] for s in data["stacks"]] == ["new", "new-named", "new-session", "new-boundary",
                                                          "existing"]
    assert {c["id"] for c in data["checks_not_run"]} == {"simulate-principal-policy", "stack-capabilities"}
    assert data["left_behind"] == []
    assert len(data["created"]) > 0
    assert {(c["kind"], c["id"]) for c in data["created"] if c["kind"] in ("role", "policy", "instance-profile",
                                                                          "stack")} <= \
        {(d["kind"], d["id"]) for d in data["deleted"]}
    engine = root / "policies" / "ai-unlimited-engine.json"
    assert data["sources"]["files"]["policies/ai-unlimited-engine.json"] == hashlib.sha256(
        engine.read_bytes()).hexdigest()
    assert data["server"]["peak_rss_mb"] > 0
    assert not _alive(data["server"]["pid"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


