"""`iamdocs preflight` as a user runs it: the shapes AWS gives guardrails in, the output, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

REGION_GUARD = {"Version": "2012-10-17", "Statement": [
    {"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Sid": "DenyOutsideEU", "Effect": "Deny", "NotAction": ["iam:*", "route53:*"], "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}
NO_ROLES = {"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyRoleCreation", "Effect": "Deny", "Action": "iam:CreateRole", "Resource": "*"}]}


def write(path: Path, data: object) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


def preflight(cli, *args: str):
    proc = cli("preflight", "--region", "us-east-1", "--account", "123456789012", *args)
    assert "Traceback" not in proc.stderr
    return proc


def blocked(proc) -> dict[str, str]:
    return {b["action"]: b["statement"] for b in json.loads(proc.stdout)["blocked"]}


def test_a_policy_document(cli, tmp_path):
    proc = preflight(cli, "--option", "engine-a", "--format", "json", "--scp", str(write(tmp_path / "r.json",
                                                                                         REGION_GUARD)))
    assert proc.returncode == 1
    found = blocked(proc)
    assert len(found) == 79 and found["ec2:RunInstances"] == "DenyOutsideEU" and "iam:CreateRole" not in found


def test_describe_policy_output_reads_as_its_content(cli, tmp_path):
    described = {"Policy": {"PolicySummary": {"Id": "p-abcd1234", "Name": "RegionGuard", "Type":
                                              "SERVICE_CONTROL_POLICY", "AwsManaged": False},
                            "Content": json.dumps(REGION_GUARD)}}
    path = write(tmp_path / "described.json", described)
    proc = preflight(cli, "--option", "engine-a", "--format", "json", "--scp", str(path))
    result = json.loads(proc.stdout)
    assert len({b["action"] for b in result["blocked"]}) == 79
    first = result["blocked"][0]
    # statements of a Content string point at the string in the file
    assert (first["file"], first["line"], first["column"], first["statement"]) == (str(path), 9, 16, "DenyOutsideEU")


def test_list_policies_for_target_with_the_documents_beside_it(cli, tmp_path):
    listed = {"Policies": [
        {"Id": "p-FullAWSAccess", "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
         "Name": "FullAWSAccess", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": True},
        {"Id": "p-norole01", "Arn": "arn:aws:organizations::111122223333:policy/o-x/service_control_policy/p-norole01",
         "Name": "NoRoles", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": False}]}
    write(tmp_path / "p-norole01.json", {"Policy": {"PolicySummary": {"Id": "p-norole01", "Name": "NoRoles"},
                                                    "Content": json.dumps(NO_ROLES)}})
    path = write(tmp_path / "ou.json", listed)
    proc = preflight(cli, "--option", "engine-a", "--format", "json", "--scp", str(path))
    assert proc.returncode == 1
    assert blocked(proc) == {"iam:CreateRole": "DenyRoleCreation"}
    # option B needs no role creation: the same files let it through
    proc = preflight(cli, "--option", "engine-b", "--scp", str(path))
    assert proc.returncode == 0 and proc.stdout.endswith("allowed: all 96 actions the options need\n")


def test_a_listed_policy_without_its_document(cli, tmp_path):
    path = write(tmp_path / "ou.json", {"Policies": [{"Id": "p-missing1", "Name": "Gone"}]})
    proc = preflight(cli, "--option", "engine-a", "--scp", str(path))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"iamdocs preflight: error: {path}:3:5: policy p-missing1 (Gone) is listed, but its document is not in "
        f"{tmp_path / 'p-missing1.json'}",
        f"hint: aws organizations describe-policy --policy-id p-missing1 > {tmp_path / 'p-missing1.json'}"]


def test_a_boundary_from_get_policy_version(cli, tmp_path):
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    path = write(tmp_path / "pb.json", {"PolicyVersion": {"Document": quote(json.dumps(doc)), "VersionId": "v3",
                                                          "IsDefaultVersion": True}})
    proc = preflight(cli, "--option", "engine-b", "--format", "json", "--boundary", str(path))
    result = json.loads(proc.stdout)
    assert sorted({b["action"] for b in result["blocked"]}) == [
        "iam:AddRoleToInstanceProfile", "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile",
        "iam:GetInstanceProfile", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies", "iam:PassRole", "iam:PutRolePolicy",
        "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:TagRole"]
    assert {b["reason"] for b in result["blocked"]} == {"no statement of the permissions boundary allows it"}


def test_json_names_what_the_issue_asks(cli, tmp_path):
    proc = preflight(cli, "--option", "engine-a", "--format", "json", "--scp", str(write(tmp_path / "n.json",
                                                                                         [REGION_GUARD, NO_ROLES])))
    result = json.loads(proc.stdout)
    assert result["allowed"] is False
    entry = next(b for b in result["blocked"] if b["action"] == "iam:CreateRole")
    assert {"action", "file", "line", "statement", "reason"} <= set(entry)
    assert entry["reason"] == "an explicit Deny in SCP level 1"
    assert entry["breaks"].startswith("Create, tag, inspect and delete the engine's IAM role")


def test_text_says_what_breaks(cli, tmp_path):
    full = {"Version": "2012-10-17", "Statement": [REGION_GUARD["Statement"][0]]}
    path = write(tmp_path / "no-roles.json", [full, NO_ROLES])
    proc = preflight(cli, "--option", "engine-a", "--scp", str(path))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    i = lines.index("blocked: iam:CreateRole (manager role, arn:aws:iam::123456789012:role/*)")
    assert lines[i + 1] == f"  {path}:16:7 statement DenyRoleCreation (SCP level 1): an explicit Deny in SCP level 1"
    assert lines[i + 2].startswith("  breaks: Create, tag, inspect and delete the engine's IAM role")
    assert lines[-1] == "not allowed: 1 of 99 actions blocked, 0 conditional"


@pytest.mark.parametrize(("content", "message"), [
    ("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n", "4:1: not JSON: unexpected end of file"),
    ('{"Version": "2012-10-17", "Version": "2008-10-17", "Statement": []}', "1:27: duplicate key 'Version'"),
    ('{"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}',
     '1:16: statement #1: Effect must be "Allow" or "Deny", not "Maybe"'),
    ('{"Statement": {"Sid": "X", "Effect": "Deny", "Action": "*", "Resource": "*",\n'
     ' "Condition": {"StringEqualz": {"aws:RequestedRegion": "x"}}}}',
     "1:15: statement X: unknown condition operator 'StringEqualz'"),
    ('{"Statement": [{"Effect": "Deny", "Resource": "*"}]}',
     "1:16: statement #1: a statement needs exactly one of Action and NotAction"),
    ('["not a policy"]', "1:2: expected a policy document"),
    ('{"Policy": {"Content": "{\\"Statement\\": ["}}', "1:24: not JSON"),
])
def test_bad_input_is_one_line_with_file_line_and_column(cli, tmp_path, content, message):
    path = write(tmp_path / "bad.json", content)
    proc = preflight(cli, "--option", "engine-a", "--scp", str(path))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines()[0].startswith(f"iamdocs preflight: error: {path}:{message}")
    assert len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize(("args", "message"), [
    ([], "name the role options to check with --option"),
    (["--option", "engine-c"], "--option engine-c: no such role option"),
    (["--option", "engine-a", "--region", "mars-1"], "--region mars-1: not an AWS Region"),
    (["--option", "engine-a", "--account", "1234"], "--account 1234: an account ID has 12 digits"),
    (["--option", "engine-a", "--scp", "/nonexistent/scp.json"], "/nonexistent/scp.json: no such file"),
])
def test_usage_errors(cli, args, message):
    proc = cli("preflight", *args)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == f"iamdocs preflight: error: {message}"


def test_no_guardrails_means_allowed(cli):
    proc = cli("preflight", "--option", "engine-a", "--option", "session-manager", "--region", "eu-west-1")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1] == "allowed: all 122 actions the options need"


@pytest.mark.parametrize(("value", "message"), [
    ("manager", "--role-name manager: expected ROLE=NAME with ROLE one of manager, engine"),
    ("boss=x", "--role-name boss=x: expected ROLE=NAME with ROLE one of manager, engine"),
    ("manager=has space", "--role-name manager=has space: not a role name IAM accepts"),
])
def test_bad_role_names(cli, value, message):
    proc = cli("preflight", "--option", "engine-a", "--role-name", value)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0].startswith(f"iamdocs preflight: error: {message}")
