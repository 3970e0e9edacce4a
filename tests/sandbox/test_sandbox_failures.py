"""Whatever goes wrong, a run leaves the sandbox as it found it: faults, throttling, signals."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import MOTO_ACCOUNT, endpoint_env, inventory

from iamdocs.sandbox.deploy import cleanup, deploy
from iamdocs.sandbox.faults import Faults, InjectedFault, with_retries
from iamdocs.sandbox.steps import STEP_NAMES

pytestmark = pytest.mark.sandbox

# Every place a fault can be injected, written out: the six deploy steps, verify and teardown.
FAULT_POINTS = ["managed-policies", "boundaries", "roles", "role-policies", "instance-profiles", "stacks",
                "verify", "teardown"]


def test_fault_points_cover_every_step():
    assert [*STEP_NAMES, "verify", "teardown"] == FAULT_POINTS


@pytest.mark.parametrize("step", FAULT_POINTS)
def test_a_failure_at_each_step_leaves_nothing_behind(step, endpoint, moto_server, project):
    before = inventory(moto_server.url)
    # engine-b with a boundary touches every resource kind; one stack keeps the case short
    report = deploy(endpoint, project, options=["engine-b+permissions-boundary"], stacks=["existing"],
                    faults=Faults.parse(f"fail:{step}"), progress=lambda _: None)
    assert inventory(moto_server.url) == before
    assert report.left_behind == []
    if step == "teardown":  # the sweep removes what the failed delete left: the run still passes
        assert report.exit_code == 0, report.summary()
    else:
        assert report.exit_code == 1
        assert report.errors == [f"step {step} failed: injected failure at step {step}"]
        assert [s.name for s in report.steps if s.status == "failed"] == [step]


def test_throttling_is_retried(endpoint, moto_server, project):
    before = inventory(moto_server.url)
    report = deploy(endpoint, project, options=["engine-a"], stacks=[], faults=Faults.parse("throttle:roles"),
                    progress=lambda _: None)
    assert report.exit_code == 0, report.summary()
    assert report.retries == [{"step": "roles", "operation": "create_role", "attempt": 1, "code": "Throttling"}]
    assert inventory(moto_server.url) == before


def _throttle() -> ClientError:
    return ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "CreateRole")


def test_with_retries_retries_throttling_then_returns():
    calls, slept = [], []

    def fn():
        calls.append(1)
        if len(calls) < 3:
            raise _throttle()
        return "done"

    assert with_retries(fn, sleep=slept.append) == "done"
    assert len(calls) == 3 and len(slept) == 2


def test_with_retries_gives_up_after_its_attempts():
    calls = []

    def fn():
        calls.append(1)
        raise _throttle()

    with pytest.raises(ClientError):
        with_retries(fn, attempts=4, sleep=lambda _: None)
    assert len(calls) == 4


def test_with_retries_does_not_retry_other_errors():
    calls = []

    def fn():
        calls.append(1)
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "CreateRole")

    with pytest.raises(ClientError):
        with_retries(fn, sleep=lambda _: None)
    assert calls == [1]


def test_fault_spec_is_parsed():
    f = Faults.parse("fail:roles, throttle:stacks")
    assert f.entries == {"fail": {"roles"}, "throttle": {"stacks"}}
    with pytest.raises(InjectedFault):
        f.after_call("roles")
    f.after_call("roles")  # fires once only


def _ignore_sigint() -> None:
    """In the child before exec: SIGINT ignored, as a shell's `cmd &` or `nohup` leaves it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _wait_for(proc: subprocess.Popen, text: str, timeout: float) -> list[str]:
    """stderr lines up to and including the first that contains `text`; fails after `timeout` seconds."""
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while not lines or text not in lines[-1]:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([proc.stderr], [], [], max(left, 0))
        assert ready, f"no line with {text!r} within {timeout} s: {lines}"
        line = proc.stderr.readline()
        assert line, f"the run ended before {text!r}: {lines}"
        lines.append(line)
    return lines


# (signal, SIGINT ignored when the process starts): Ctrl-C, a background job's Ctrl-C, SIGTERM, SIGHUP (a closed
# terminal or SSH session), SIGQUIT (Ctrl-\\), and SIGKILL, which no process can handle: its leftovers are what
# `--cleanup` is for once the owner is gone.
# With `group`, the signal goes to the whole process group, as a closed terminal sends SIGHUP: the embedded
# server is in that group too and must outlive the clean-up.
SIGNAL_CASES = [(signal.SIGINT, False, False), (signal.SIGINT, True, False), (signal.SIGTERM, False, False),
                (signal.SIGHUP, False, False), (signal.SIGHUP, False, True), (signal.SIGQUIT, False, False),
                (signal.SIGKILL, False, False)]


@pytest.mark.parametrize(("sig", "ignored", "group"), SIGNAL_CASES,
                         ids=["sigint", "sigint-ignored-at-start", "sigterm", "sighup", "sighup-to-the-group",
                              "sigquit", "sigkill"])
def test_a_signal_half_way_cleans_up_and_exits_130(sig, ignored, group, moto_server, endpoint):
    before = inventory(moto_server.url)
    env = {**endpoint_env(), "IAMDOCS_FAULT": "pause:role-policies"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "iamdocs", "deploy", "--endpoint-url", moto_server.url,
         "--allow-account", MOTO_ACCOUNT, "--option", "engine-b"],  # no stack: no cfn-lint to wait for at exit
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_ignore_sigint if ignored else None, start_new_session=group)
    try:
        lines = _wait_for(proc, "paused at role-policies", 60)
        run_id = next(x.split()[2].rstrip(":") for x in lines if x.startswith("[iamdocs] run "))
        during = inventory(moto_server.url)
        assert len(during["roles"] - before["roles"]) == 2  # it had created something

        # a --cleanup against the same sandbox meanwhile leaves the run in progress alone
        report = cleanup(endpoint, progress=lambda _: None)
        assert [r["run"] for r in report.in_progress] == [run_id]
        assert (report.exit_code, report.deleted) == (0, [])
        assert inventory(moto_server.url) == during

        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        assert inventory(moto_server.url) == during  # no teardown ran
        report = cleanup(endpoint, progress=lambda _: None)  # its owner is gone now
        assert (report.exit_code, report.in_progress, report.left_behind) == (0, [], [])
    else:
        assert proc.returncode == 130, err
        assert "cleaning up" in err
        if sig != signal.SIGINT:
            assert f"{signal.Signals(sig).name}: cleaning up" in err, err
    assert inventory(moto_server.url) == before


def test_a_role_that_the_emulators_stack_deletion_leaves_behind_is_removed(endpoint, moto_server, project):
    """moto deletes a stack's instance profile, then stops at a role with an extra policy attached (DeleteConflict)
    and forgets the stack: the role would stay forever. The sweep deletes it, found through the stack's resources."""
    import json

    from sandbox_helpers import client

    from iamdocs.cfn.template import template_yaml
    from iamdocs.sandbox.deploy import cleanup

    cfn, iam = client(moto_server.url, "cloudformation"), client(moto_server.url, "iam")
    before = inventory(moto_server.url)
    tags = [{"Key": "iamdocs:managed-by", "Value": "iamdocs"}, {"Key": "iamdocs:run", "Value": "5tack000"}]
    cfn.create_stack(StackName="iamdocs-sbx-5tack000-new", TemplateBody=template_yaml(project), Tags=tags,
                     Capabilities=["CAPABILITY_IAM"])
    role = next(r["PhysicalResourceId"] for r in cfn.describe_stack_resources(StackName="iamdocs-sbx-5tack000-new")
                ["StackResources"] if r["ResourceType"] == "AWS::IAM::Role")
    extra = iam.create_policy(PolicyName="iamdocs-sbx-5tack000-extra", Tags=tags, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    iam.attach_role_policy(RoleName=role, PolicyArn=extra["Policy"]["Arn"])

    report = cleanup(endpoint, progress=lambda _: None)
    assert {"kind": "role", "id": role, "how": "left behind by stack deletion"} in report.deleted
    assert (report.exit_code, report.left_behind) == (0, [])
    assert inventory(moto_server.url) == before


def test_a_closed_terminal_leaves_the_embedded_server_up_until_the_clean_up_is_done():
    """SIGHUP to the whole process group (the embedded moto server is in it): the clean-up still reaches it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "iamdocs", "deploy", "--option", "engine-b"],
        env={**endpoint_env(), "IAMDOCS_FAULT": "pause:role-policies"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_for(proc, "paused at role-policies", 60)
        os.killpg(proc.pid, signal.SIGHUP)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert "SIGHUP: cleaning up" in err
    assert "teardown: 4 deleted, 0 left behind" in err, err  # engine-b's two roles and their two policies


def test_a_dead_embedded_server_is_one_line_not_a_list_of_failed_deletes():
    """Everything lived in the server's memory: when it dies, teardown says so once and claims nothing is left."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "iamdocs", "deploy", "--option", "engine-b"],
        env={**endpoint_env(), "IAMDOCS_FAULT": "pause:role-policies"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(proc, "paused at role-policies", 60)
        children = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()
        assert len(children) == 1  # the embedded server
        os.kill(int(children[0]), signal.SIGKILL)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    teardown_lines = [line for line in err.splitlines() if "teardown" in line]
    assert teardown_lines == ["[iamdocs] teardown: the embedded sandbox server stopped (exit status -9) and took "
                              "everything this run created with it; nothing is left behind"], err
    assert "could not delete" not in err and "LEFT BEHIND" not in err, err
    assert proc.returncode == 130, err
