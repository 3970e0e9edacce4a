"""Targets and isolation: the allow-list refusal, untouched foreign resources, --cleanup, the CLI end to end."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest
from sandbox_helpers import MOTO_ACCOUNT, client, endpoint_env, inventory

from iamdocs.sandbox.deploy import cleanup, deploy
from iamdocs.sandbox.server import EmbeddedServer

pytestmark = pytest.mark.sandbox

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
DOC = json.dumps({"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
OURS = [{"Key": "iamdocs:managed-by", "Value": "iamdocs"}, {"Key": "iamdocs:run", "Value": "0ldrun00"}]


def _deploy_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "iamdocs", "deploy", *args], env=env or endpoint_env(),
                          capture_output=True, text=True, timeout=300)


def test_an_account_not_allowed_is_refused_before_anything_is_created():
    with EmbeddedServer() as server:  # a fresh, empty server of our own
        proc = _deploy_cli("--endpoint-url", server.url)
        assert proc.returncode == 2
        assert f"refusing to change account {MOTO_ACCOUNT}" in proc.stderr
        assert f"--allow-account {MOTO_ACCOUNT}" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert inventory(server.url) == {"roles": set(), "policies": set(), "instance_profiles": set(),
                                         "stacks": set()}
        proc = _deploy_cli("--endpoint-url", server.url, "--allow-account", "111122223333")
        assert proc.returncode == 2
        assert "(allowed: 111122223333)" in proc.stderr
        assert inventory(server.url)["roles"] == set()


def test_an_allowed_endpoint_is_left_exactly_as_found(moto_server):
    before = inventory(moto_server.url)
    proc = _deploy_cli("--endpoint-url", moto_server.url, "--allow-account", MOTO_ACCOUNT,
                       "--option", "engine-b", "--stack", "new-named")
    assert proc.returncode == 0, proc.stderr
    assert "PASSED" in proc.stdout
    assert inventory(moto_server.url) == before


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


def test_cli_embedded_full_run_writes_a_report(tmp_path, root, cli):
    out = tmp_path / "deploy-report.json"
    # an inherited profile that does not exist, and real-looking keys: embedded mode must ignore both
    env = {"AWS_PROFILE": "no-such-profile", "AWS_ACCESS_KEY_ID": "AKIAREALLOOKING00000",
           "AWS_SECRET_ACCESS_KEY": "not-used", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    proc = cli("deploy", "--report", str(out), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for step in ["managed-policies", "boundaries", "roles", "role-policies", "instance-profiles", "stacks",
                 "verify"]:
        assert f"[iamdocs] {step}: done" in proc.stderr
    data = json.loads(out.read_text())
    assert data["outcome"] == "passed" and data["exit_code"] == 0
    assert data["target"]["kind"] == "embedded" and data["target"]["account"] == MOTO_ACCOUNT
    assert data["target"]["endpoint_url"].startswith("http://127.0.0.1:")
    assert data["options"] == ["engine-a", "engine-b", "cloudformation-new-role", "session-manager",
                               "permissions-boundary"]
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


@pytest.mark.parametrize(("args", "message"), [
    (["--option", "no-such-option"], "unknown role option no-such-option"),
    (["--allow-account", "12345"], "is not a 12-digit AWS account ID"),
    (["--cleanup", "--option", "engine-a"], "cannot be combined with --option"),
    (["--cleanup"], "--cleanup needs the sandbox that earlier runs used"),
    (["--endpoint-url", "localhost:5000"], "must start with http:// or https://"),
    (["--endpoint-url", "http://127.0.0.1:9", "--profile", "x"], "cannot be combined with --aws or --profile"),
])
def test_usage_errors_exit_2_without_a_traceback(args, message, cli):
    proc = cli("deploy", *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_bad_fault_spec_is_a_usage_error(cli):
    proc = cli("deploy", env={"IAMDOCS_FAULT": "explode:roles"})
    assert proc.returncode == 2 and "IAMDOCS_FAULT" in proc.stderr


def test_a_report_that_cannot_be_written_is_an_error_and_leaves_no_partial_file(moto_server, tmp_path):
    folder = tmp_path / "report.json"
    folder.mkdir()  # a folder where the report should go
    proc = _deploy_cli("--cleanup", "--endpoint-url", moto_server.url, "--allow-account", MOTO_ACCOUNT,
                       "--report", str(folder))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"cannot write the report to {folder}" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"] and list(folder.iterdir()) == []
