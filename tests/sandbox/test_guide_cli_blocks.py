"""The guide's AWS CLI blocks as a customer pastes them, run with the AWS CLI against the sandbox (a moto server).

For each engine option, with both additions on top: its create block, the Session Manager and boundary blocks,
the upgrade block, then `iamdocs drift --role` for the combination (the roles the blocks made are exactly what
the catalog says), then the removal block; nothing is left behind. The blocks are the macros' output, which is
what the page shows; run once as written (the account and partition looked up with `aws sts`) and once filled in
as the form fills them. Commands filled in for another account stop at attach-role-policy with the NoSuchEntity
text the troubleshooting page explains.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_helpers import MOTO_ACCOUNT, client, endpoint_env, inventory

from iamdocs.guide.generated import downloads
from iamdocs.render.history import upgrade_commands
from iamdocs.render.roles import SHELL_VARIABLES, cli_addition, cli_commands, cli_removal

pytestmark = pytest.mark.sandbox

BIN = Path(sys.executable).parent
BOUNDARY = "org-boundary"  # the organization's boundary policy: it exists before the guide's steps
ROOT = Path(__file__).resolve().parents[2]


def _code(block: str) -> str:
    """The text of a fenced bash block, as the copy button copies it."""
    lines = block.strip("\n").splitlines()
    assert lines[0] == "```bash" and lines[-1] == "```", block
    return "\n".join(lines[1:-1]) + "\n"


def _filled(code: str, values: dict[str, str]) -> str:
    """What the form does to a block: each `NAME=<lookup>` line gets the reader's value."""
    for name, value in values.items():
        code = code.replace(f"\n{name}={SHELL_VARIABLES[name]}\n", f"\n{name}={value}\n")
        if code.startswith(f"{name}={SHELL_VARIABLES[name]}\n"):
            code = f"{name}={value}\n" + code.split("\n", 1)[1]
    return code


def _run(code: str, cwd: Path, env: dict[str, str], *, pasted: bool = False) -> subprocess.CompletedProcess:
    """bash with -e and pipefail: any command that fails fails the block (a reader would see its error).

    pasted: as a terminal runs a pasted block, every line whatever the one before it did (removal after a
    create that stopped half-way: the parts that were never made fail, the rest is removed)."""
    flags = [] if pasted else ["-e", "-o", "pipefail"]
    return subprocess.run(["bash", *flags, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def folder(tmp_path: Path, project) -> Path:
    """The current folder of a customer who downloaded the policies and trust policies."""
    for path, body in downloads(project).items():
        if path.startswith("policies/") and path.count("/") in (1, 2) and not path.split("/")[1][:1].isdigit():
            (tmp_path / path.rsplit("/", 1)[-1]).write_bytes(body)
    return tmp_path


@pytest.fixture
def aws_env(moto_server) -> dict[str, str]:
    """The AWS CLI pointed at the sandbox through AWS_ENDPOINT_URL, and first on PATH."""
    return {**endpoint_env(), "AWS_ENDPOINT_URL": moto_server.url, "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_PAGER": "", "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def _drift(option: list[str], role: str, as_role: str, url: str) -> subprocess.CompletedProcess:
    args = [str(BIN / "iamdocs"), "drift", "--role", role, *(a for o in option for a in ("--option", o)),
            "--as", as_role, "--endpoint-url", url, "--region", "us-east-1", "--project", str(ROOT)]
    return subprocess.run(args, env=endpoint_env(), capture_output=True, text=True, timeout=120)


# Each AWS CLI call starts a Python process (about a second, more on a busy machine): the two runs cover every
# block on the page once, one filled in by the form and one as written.
@pytest.mark.timeout(900)
@pytest.mark.parametrize(("base", "roles", "upgraded", "filled"), [
    ("engine-a", {"manager": "ai-unlimited-manager"}, "ai-unlimited-workspaces.json", True),
    ("engine-b", {"manager": "ai-unlimited-manager", "engine": "ai-unlimited-engine"},
     "ai-unlimited-without-iam-role-permissions.json", False),
], ids=["engine-a-filled-in", "engine-b-as-written"])
def test_create_add_upgrade_and_remove_as_pasted(base, roles, upgraded, filled, project, folder, aws_env,
                                                 moto_server):
    iam = client(moto_server.url, "iam")
    boundary = iam.create_policy(PolicyName=BOUNDARY, PolicyDocument='{"Version": "2012-10-17", "Statement": '
                                 '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}')["Policy"]["Arn"]
    before = inventory(moto_server.url)
    values = {"ACCOUNT_ID": MOTO_ACCOUNT, "PARTITION": "aws", "REGION": "us-east-1"} if filled else {}
    values["BOUNDARY_POLICY_NAME"] = BOUNDARY  # no lookup for it: the reader types its name
    try:
        blocks = [cli_commands(project, base), cli_addition(project, "session-manager"),
                  cli_addition(project, "permissions-boundary"), upgrade_commands(project, upgraded)]
        for block in blocks:
            ran = _run(_filled(_code(block), values), folder, aws_env)
            assert ran.returncode == 0, ran.stderr + "\n" + block
        manager = iam.get_role(RoleName=roles["manager"])["Role"]
        assert manager["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
        for as_role, name in roles.items():
            checked = _drift([base, "session-manager", "permissions-boundary"], name, as_role, moto_server.url)
            assert checked.returncode == 0, checked.stdout + checked.stderr
        versions = iam.list_policy_versions(PolicyArn=f"arn:aws:iam::{MOTO_ACCOUNT}:policy/{upgraded[:-5]}")
        assert sorted(v["IsDefaultVersion"] for v in versions["Versions"]) == [False, True]  # the upgrade's v2
    finally:
        removed = _run(_filled(_code(cli_removal(project, base)), values), folder, aws_env)
        iam.delete_policy(PolicyArn=boundary)
    assert removed.returncode == 0, removed.stderr
    assert inventory(moto_server.url) == {**before, "policies": before["policies"] - {BOUNDARY}}


@pytest.mark.timeout(600)
def test_commands_filled_for_another_account_stop_with_no_such_entity(project, folder, aws_env, moto_server):
    before = inventory(moto_server.url)
    values = {"ACCOUNT_ID": "111122223333", "PARTITION": "aws"}
    try:
        ran = _run(_filled(_code(cli_commands(project, "engine-a")), values), folder, aws_env)
    finally:
        # the removal block, as written for the account the CLI is signed in to, pasted: it removes what was made
        # (the steps for what the create never reached say NoSuchEntity)
        removed = _run(_code(cli_removal(project, "engine-a")), folder, aws_env, pasted=True)
    assert ran.returncode != 0
    assert "An error occurred (NoSuchEntity) when calling the AttachRolePolicy operation" in ran.stderr
    page = (ROOT / "docs" / "guide" / "troubleshooting.md").read_text()
    assert "An error occurred (NoSuchEntity) when calling the AttachRolePolicy operation" in page
    assert "NoSuchEntity" in removed.stderr
    assert inventory(moto_server.url) == before
