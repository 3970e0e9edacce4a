"""`drift --role`: roles deployed into a moto server that the test starts on a free port, read back read-only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.sandbox

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

# session-manager.json, written out from the facts file: what a manager role without it lacks.
SESSION_MANAGER_ACTIONS = [
    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
    "ssm:DescribeAssociation", "ssm:DescribeDocument", "ssm:GetDeployablePatchSnapshotForInstance",
    "ssm:GetDocument", "ssm:GetManifest", "ssm:ListAssociations", "ssm:ListInstanceAssociations",
    "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult", "ssm:PutInventory", "ssm:UpdateAssociationStatus",
    "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


def clean_env() -> dict[str, str]:
    """No inherited profile or credentials: only the dummy keys the emulator accepts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("IAMDOCS_DEBUG", None)
    return {**env, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def iam(endpoint: str):
    import boto3

    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return session.client("iam", endpoint_url=endpoint)


def policy(root: Path, name: str, values: dict[str, str] | None = None) -> str:
    text = (root / "policies" / name).read_text()
    for k, v in (values or {}).items():
        text = text.replace(f"<{k}>", v)
    return text


def make_role(iam, managed: dict[str, str] = {}, inline: dict[str, str] = {}) -> str:  # noqa: B006 - read only
    """A role with these managed (name -> document) and inline policies; unique name per test."""
    name = f"drift-{uuid.uuid4().hex[:10]}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    for pname, doc in managed.items():
        arn = iam.create_policy(PolicyName=f"{name}-{pname}", PolicyDocument=doc)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    for pname, doc in inline.items():
        iam.put_role_policy(RoleName=name, PolicyName=pname, PolicyDocument=doc)
    return name


def role_report(project, db, iam, name: str, option: str, as_role: str = "manager"):
    from iamdocs.drift.compare import compare_role
    from iamdocs.drift.sources.role import read_role, role_location

    copies, _ = read_role(iam, name)
    combo = project.catalog.combination([option])  # "engine-a+session-manager": the catalog's combination
    return compare_role(project, name, copies, combo.roles[as_role].policies, option, db, role_location(name))


def test_role_with_one_policy_left_out_lists_exactly_its_actions(project, db, iam, root):
    name = make_role(iam, managed={"manager": policy(root, "ai-unlimited-workspaces.json")})
    r = role_report(project, db, iam, name, "engine-a+session-manager")
    assert r.items() == [(name, "missing", a) for a in SESSION_MANAGER_ACTIONS]
    assert all(d.canonical == "session-manager.json" for d in r.differences if d.kind == "missing")


def test_complete_role_has_no_drift_and_extras_are_information(project, db, iam, root):
    extra = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:ListBucket", "ec2:DescribeRegions"], "Resource": "*"}]})
    name = make_role(iam, managed={"manager": policy(root, "ai-unlimited-workspaces.json"),
                                   "session": policy(root, "session-manager.json")}, inline={"extra": extra})
    r = role_report(project, db, iam, name, "engine-a+session-manager")
    assert r.items() == []
    assert r.items("info") == [(name, "extra", "ec2:DescribeRegions"), (name, "extra", "s3:ListBucket"),
                               ("inline policy extra", "read", ""),
                               (f"managed policy {name}-manager (v1)", "read", ""),
                               (f"managed policy {name}-session (v1)", "read", "")]


def test_wildcards_cover_and_many_extras_are_one_line_per_service(project, db, iam):
    wide = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
        "cloudformation:*", "ec2:*", "iam:*", "route53:*", "s3:*", "secretsmanager:*", "ssm:*"], "Resource": "*"}]})
    name = make_role(iam, inline={"wide": wide})
    r = role_report(project, db, iam, name, "engine-a")
    assert r.items() == []
    extras = [d for d in r.differences if d.kind == "extra"]
    assert [d.action for d in extras] == ["cloudformation:*", "ec2:*", "iam:*", "route53:*", "s3:*",
                                          "secretsmanager:*", "ssm:*"]


def test_engine_role_with_filled_placeholders(project, db, iam, root):
    good = make_role(iam, inline={"engine": policy(root, "ai-unlimited-engine.json",
                                                   {"PARTITION": "aws", "REGION": REGION,
                                                    "ACCOUNT_ID": ACCOUNT})})
    assert role_report(project, db, iam, good, "engine-b", "engine").items() == []
    other_region = make_role(iam, inline={"engine": policy(root, "ai-unlimited-engine.json",
                                                           {"PARTITION": "aws", "REGION": "eu-west-1",
                                                            "ACCOUNT_ID": ACCOUNT})})
    r = role_report(project, db, iam, other_region, "engine-b", "engine")
    assert r.items() == [(other_region, "missing", "secretsmanager:GetSecretValue")]
    missing = next(d for d in r.differences if d.kind == "missing")
    assert missing.message == (  # the ARN that was checked, and what the role has instead
        "missing secretsmanager:GetSecretValue on "
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:compute-engine/* "
        "(needed by ai-unlimited-engine.json); the role grants it only on "
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:compute-engine/*")
    assert r.items("info") == [("inline policy engine", "read", "")]  # a needed action is never "extra"


def test_a_deny_in_the_role_is_reported(project, db, iam, root):
    deny = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}]})
    name = make_role(iam, managed={"m": policy(root, "ai-unlimited-without-iam-role-permissions.json")},
                     inline={"deny": deny})
    r = role_report(project, db, iam, name, "engine-b")
    assert r.items() == [(name, "denied", "iam:PassRole")]


def test_only_read_only_calls(project, db, iam, root):
    from iamdocs.drift.sources.role import READ_PERMISSIONS, read_role

    doc = policy(root, "session-manager.json")
    name = make_role(iam, managed={"m": doc}, inline={"i": doc})
    calls: list[str] = []
    handler = lambda model, **_: calls.append(model.name)  # noqa: E731
    iam.meta.events.register("before-call.iam", handler)
    try:
        read_role(iam, name)
    finally:
        iam.meta.events.unregister("before-call.iam", handler)
    assert set(calls) == set(READ_PERMISSIONS)


def test_read_permissions_are_real_read_actions(db):
    from iamdocs.drift.sources.role import READ_PERMISSIONS

    for op, action in READ_PERMISSIONS.items():
        a = db.action(action)
        assert a is not None and a.name == op and a.access_level in ("Read", "List"), action


def run_cli(*args: str) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-m", "iamdocs", "drift", *args], cwd=root, env=clean_env(),
                          capture_output=True, text=True, timeout=120)


def test_cli_against_the_endpoint(iam, endpoint, root):
    name = make_role(iam, managed={"manager": policy(root, "ai-unlimited-workspaces.json")})
    proc = run_cli("--role", name, "--option", "engine-a", "--option", "session-manager", "--endpoint-url", endpoint,
                   "--region", REGION)
    assert proc.returncode == 1, proc.stderr
    missing = [line.rsplit(": ", 1)[1] for line in proc.stdout.splitlines() if ": drift: " in line]
    assert missing == [f"missing {a} (needed by session-manager.json)" for a in SESSION_MANAGER_ACTIONS]
    assert all(line.startswith(f"role/{name}: ") for line in proc.stdout.splitlines()[:-1])
    ok = run_cli("--role", name, "--option", "engine-a", "--endpoint-url", endpoint, "--format", "json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout)["drift"] is False


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "nobody-has-this-role", "--option", "engine-a", "--endpoint-url", "{endpoint}"],
     "role nobody-has-this-role: not found"),
    (["--role", "x", "--option", "engine-a"], "--role reads a role that already exists"),
    (["--role", "x", "--endpoint-url", "{endpoint}"], "--role needs --option"),
    (["--role", "x", "--option", "nope", "--endpoint-url", "{endpoint}"], "--option nope: no such role option"),
    (["--role", "x", "--option", "engine-a", "--as", "engine", "--endpoint-url", "{endpoint}"],
     "--as engine: option engine-a has no engine role"),
    (["--role", "x", "--option", "engine-a", "--endpoint-url", "ftp://x"], "must start with http:// or https://"),
    (["--role", "x", "--option", "engine-a", "--endpoint-url", "{endpoint}", "--profile", "p"],
     "--endpoint-url cannot be combined with --aws or --profile"),
    (["--ref", "HEAD", "--option", "engine-a"], "--option apply only to --role"),
    (["--role", "x", "--option", "session-manager", "--endpoint-url", "{endpoint}"],
     "--option session-manager: session-manager: choose one of the options engine-a, engine-b, "
     "cloudformation-new-role (the others are additions on top of one of them)"),
    (["--role", "x", "--option", "engine-a", "--option", "engine-b", "--endpoint-url", "{endpoint}"],
     "--option engine-a --option engine-b: engine-a and engine-b exclude each other"),
])
def test_cli_role_errors_exit_2(endpoint, args, message):
    proc = run_cli(*[a.replace("{endpoint}", endpoint) for a in args])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_cli_without_credentials_says_so(endpoint):
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in clean_env().items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    env["AWS_EC2_METADATA_DISABLED"] = "true"  # no instance role to find on a CI machine either
    proc = subprocess.run([sys.executable, "-m", "iamdocs", "drift", "--role", "r", "--option", "engine-a",
                           "--endpoint-url", endpoint], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == ["iamdocs drift: error: role r: no AWS credentials found to read it with",
                                        "hint: use --profile NAME, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"]
