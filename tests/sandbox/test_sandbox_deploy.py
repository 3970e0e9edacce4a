"""A full deploy cycle per combination of role options and for the stacks, against the worker's moto server.

Expectations are written out by hand from policies/catalog.yaml and the facts
file; the server is inspected with plain boto3 clients while the run is paused
between steps (through the progress callback), and again after teardown.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import socket
from typing import Any

import pytest
from sandbox_helpers import client, inventory

from iamdocs.sandbox.deploy import deploy
from iamdocs.sandbox.report import Report
from iamdocs.sandbox.target import TargetOptions

pytestmark = pytest.mark.sandbox

ENGINE_SECRETS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:compute-engine/*"

# combination of options -> role -> (managed policy names, inline policy names, has boundary), written out by
# hand from the facts file: Session Manager and the boundary go on top of engine option A, engine option B and
# the template's role (whose policies are all inline, as the template puts them)
WS, WO, ENG, SM = ("ai-unlimited-workspaces", "ai-unlimited-without-iam-role-permissions", "ai-unlimited-engine",
                   "session-manager")
OPTIONS: dict[str, dict[str, tuple[set[str], set[str], bool]]] = {
    "engine-a": {"manager": ({WS}, set(), False)},
    "engine-a+session-manager": {"manager": ({WS, SM}, set(), False)},
    "engine-a+permissions-boundary": {"manager": ({WS}, set(), True)},
    "engine-a+session-manager+permissions-boundary": {"manager": ({WS, SM}, set(), True)},
    "engine-b": {"manager": ({WO}, set(), False), "engine": ({ENG}, set(), False)},
    "engine-b+session-manager": {"manager": ({WO, SM}, set(), False), "engine": ({ENG}, set(), False)},
    "engine-b+permissions-boundary": {"manager": ({WO}, set(), True), "engine": ({ENG}, set(), False)},
    "engine-b+session-manager+permissions-boundary": {"manager": ({WO, SM}, set(), True),
                                                      "engine": ({ENG}, set(), False)},
    "cloudformation-new-role": {"manager": (set(), {WS}, False)},
    "cloudformation-new-role+session-manager": {"manager": (set(), {WS, SM}, False)},
    "cloudformation-new-role+permissions-boundary": {"manager": (set(), {WS}, True)},
    "cloudformation-new-role+session-manager+permissions-boundary": {"manager": (set(), {WS, SM}, True)},
}


class Snapshot:
    """Progress callback that inspects the server once the last role step is done."""

    def __init__(self, url: str, after: str) -> None:
        self.url, self.after, self.seen = url, after, None
        self.roles: dict[str, dict[str, Any]] = {}

    def __call__(self, message: str) -> None:
        if not message.startswith(f"{self.after}: done"):
            return
        iam = client(self.url, "iam")
        self.seen = inventory(self.url)
        for name in self.seen["roles"]:
            role = iam.get_role(RoleName=name)["Role"]
            self.roles[name] = {
                "tags": {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]},
                "managed": {p["PolicyName"] for p in
                            iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]},
                "inline": set(iam.list_role_policies(RoleName=name)["PolicyNames"]),
                "boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
                "trust": role["AssumeRolePolicyDocument"],
                "profiles": {p["InstanceProfileName"] for p in
                             iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]},
            }


def run_tags(tags: dict[str, str], run: str) -> bool:
    """The four tags of a run made by this test process, with a lease of three hours from now."""
    lease = datetime.datetime.fromisoformat(tags["iamdocs:lease-until"].replace("Z", "+00:00"))
    left = lease - datetime.datetime.now(datetime.UTC)
    return (set(tags) == {"iamdocs:managed-by", "iamdocs:run", "iamdocs:owner", "iamdocs:lease-until"}
            and tags["iamdocs:managed-by"] == "iamdocs" and tags["iamdocs:run"] == run
            and tags["iamdocs:owner"].startswith(f"{socket.gethostname()}/{os.getpid()}/")
            and datetime.timedelta(hours=2, minutes=55) < left <= datetime.timedelta(hours=3))


def shortened(name: str, limit: int) -> str:
    """IAM's length limit, as the naming rule says: cut, and end in six hex digits of the full name's SHA-256."""
    return name if len(name) <= limit else f"{name[:limit - 7]}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"


def test_every_valid_combination_is_deployed_by_default(project):
    from iamdocs.sandbox.deploy import option_ids

    assert option_ids(project) == list(OPTIONS)


def _run(endpoint: TargetOptions, project, snap: Snapshot, **kw: Any) -> Report:
    return deploy(endpoint, project, progress=snap, **kw)


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_full_cycle_per_role_option(option, endpoint, moto_server, project):
    before = inventory(moto_server.url)
    snap = Snapshot(moto_server.url, "instance-profiles")
    report = _run(endpoint, project, snap, options=[option], stacks=[])
    assert report.exit_code == 0, report.summary()
    run = report.run_id
    prefix = f"iamdocs-sbx-{run}"
    created_roles = snap.seen["roles"] - before["roles"]
    assert created_roles == {shortened(f"{prefix}-{option}-{role}", 64) for role in OPTIONS[option]}
    for role, (managed, inline, boundary) in OPTIONS[option].items():
        got = snap.roles[shortened(f"{prefix}-{option}-{role}", 64)]
        assert run_tags(got["tags"], run)
        assert got["managed"] == {f"{prefix}-{m}" for m in managed}
        assert got["inline"] == inline
        assert got["profiles"] == {f"{prefix}-{option}-{role}"}
        assert got["trust"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
        if boundary:
            assert got["boundary"] == f"arn:aws:iam::123456789012:policy/{prefix}-{option}-{role}-boundary"
        else:
            assert got["boundary"] is None
    assert inventory(moto_server.url) == before
    assert report.left_behind == []
    assert {c.status for c in report.checks} == {"passed", "not-run"}


def test_engine_policy_is_deployed_with_region_and_account_filled(endpoint, moto_server, project):
    seen: dict[str, Any] = {}

    def progress(message: str) -> None:
        if message.startswith("managed-policies: done"):
            iam = client(moto_server.url, "iam")
            arn = next(p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]
                       if p["PolicyName"].endswith("-ai-unlimited-engine"))
            seen["doc"] = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"]

    report = deploy(endpoint, project, options=["engine-b"], stacks=[], progress=progress)
    assert report.exit_code == 0
    doc = seen["doc"] if isinstance(seen["doc"], dict) else json.loads(seen["doc"])
    assert doc["Statement"][0]["Resource"] == ENGINE_SECRETS


def test_a_changed_policy_is_reported_with_the_exact_action(endpoint, moto_server, project):
    """Someone adds an action to the deployed policy between deploy and verify: exit 1, action named."""
    def tamper(message: str) -> None:
        if message.startswith("role-policies: done"):
            iam = client(moto_server.url, "iam")
            arn = next(p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]
                       if p["PolicyName"].endswith("-ai-unlimited-engine"))
            doc = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "s3:DeleteBucketPolicy"],
                 "Resource": ENGINE_SECRETS}]}
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc), SetAsDefault=True)

    before = inventory(moto_server.url)
    report = deploy(endpoint, project, options=["engine-b"], stacks=[], progress=tamper)
    assert report.exit_code == 1
    failed = report.failed_checks
    assert [(c.id, c.added_actions, c.removed_actions) for c in failed] == [
        ("managed-policy-grants", ["s3:DeleteBucketPolicy"], [])]
    assert inventory(moto_server.url) == before  # the extra policy version went too


def test_stacks_per_parameter_combination(endpoint, moto_server, project):
    before = inventory(moto_server.url)
    snap = Snapshot(moto_server.url, "stacks")
    report = _run(endpoint, project, snap, options=[])
    assert report.exit_code == 0, report.summary()
    prefix = f"iamdocs-sbx-{report.run_id}"
    assert [(s["combination"], s["capabilities"]) for s in report.stacks] == [
        ("new", ["CAPABILITY_IAM"]),
        ("new-named", ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]),
        ("new-session", ["CAPABILITY_IAM"]),
        ("new-boundary", ["CAPABILITY_IAM"]),
        ("existing", ["CAPABILITY_IAM"]),
    ]
    assert snap.seen["stacks"] - before["stacks"] == {f"{prefix}-{c}" for c in
                                                      ["new", "new-named", "new-session", "new-boundary", "existing"]}
    roles = snap.roles
    assert roles[f"{prefix}-named-manager"]["inline"] == {"ai-unlimited-workspaces"}
    session = [r for n, r in roles.items() if n.startswith(f"{prefix}-new-session-AiUnlimitedRole")]
    assert [r["inline"] for r in session] == [{"ai-unlimited-workspaces", "session-manager"}]
    bounded = [r for n, r in roles.items() if n.startswith(f"{prefix}-new-boundary-AiUnlimitedRole")]
    assert [r["boundary"] for r in bounded] == [f"arn:aws:iam::123456789012:policy/{prefix}-new-boundary-boundary"]
    existing = roles[f"{prefix}-existing-manager"]
    assert existing["managed"] == {f"{prefix}-ai-unlimited-workspaces"} and existing["inline"] == set()
    assert len(existing["profiles"]) == 1 and next(iter(existing["profiles"])).startswith(f"{prefix}-existing-")
    # stack-made roles carry the run's tags too, so a sweep can find them
    ours = {n: r["tags"] for n, r in roles.items() if n.startswith(prefix)}
    assert len(ours) == 5  # four roles the stacks made (one of them named) and the pre-created one
    assert all(run_tags(t, report.run_id) for t in ours.values())
    assert ("cfn-lint", "passed") in {(c.id, c.status) for c in report.checks}
    assert inventory(moto_server.url) == before
