"""Unreadable input exits 2 with one clear message that names the file (and line), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"

ROLE_HEAD = """Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
"""

# (file name, content, expected message after "iamdocs drift: error: <path>")
CASES = [
    ("unclosed.yaml", "Resources:\n  R: [a, b\n", ":3:1: malformed YAML: "),
    ("bad-indent.yaml", "Resources:\n  R:\n    Type: x\n   Bad: y\n", ":4:4: malformed YAML: "),
    ("unknown-tag.yaml", ROLE_HEAD + "              - Effect: !Whatever Allow\n",
     ":9:25: unknown intrinsic function !Whatever"),
    ("unknown-long.json",
     '{"Resources": {"R": {"Type": "AWS::S3::Bucket",\n "Properties": {"BucketName": {"Fn::Bogus": "x"}}}}}',
     ":2:32: unknown intrinsic function Fn::Bogus"),
    ("bad.json", '{"Resources": {"R": \n  {"Type": "x",}}}', ":2:16: malformed JSON: "),
    ("no-iam.yaml", "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
     ":1:1: no IAM policies in this template (Resources has 1 resource(s): AWS::S3::Bucket)"),
    ("no-iam.json", '{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {}}',
     ":2:2: no IAM policies in this template (Resources has 0 resource(s))"),
    ("not-template.yaml", "- just\n- a list\n", ": not a CloudFormation template (no Resources section)"),
    ("empty.yaml", "\n", ": file is empty; expected a CloudFormation template"),
    ("cidr-in-policy.yaml", ROLE_HEAD + "              - Effect: Allow\n                Action: s3:GetObject\n"
     "                Resource: !Cidr [a, 1, 2]\n", ":11:27: Fn::Cidr cannot be evaluated inside an IAM policy"),
    ("no-default.yaml", "Parameters:\n  P: {Type: String}\nConditions:\n  C: !Equals [!Ref P, x]\n" + ROLE_HEAD
     + "              - Effect: Allow\n                Action: !If [C, s3:GetObject, s3:PutObject]\n"
       "                Resource: '*'\n", ":4:15: parameter P has no Default; its value decides a condition here"),
    ("unknown-condition.yaml", ROLE_HEAD + "              - Effect: Allow\n                Action: !If [Nope, a, b]\n",
     ":10:25: no condition named Nope in Conditions"),
    ("binary.yaml", "Resources:\n  \udcff\n", ": not valid UTF-8"),
]


@pytest.mark.parametrize(("name", "content", "expected"), CASES, ids=[c[0] for c in CASES])
def test_malformed_template_exits_2_naming_the_file(cli, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    proc = cli("drift", "--cloudformation", str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith(f"iamdocs drift: error: {path}{expected}"), first
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_missing_file(cli, tmp_path):
    proc = cli("drift", "--cloudformation", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == f"iamdocs drift: error: {tmp_path / 'nope.yaml'}: no such file"


def test_nothing_created_with_these_parameters_is_an_error(cli, tmp_path, project):
    from iamdocs.cfn.template import template_yaml

    path = tmp_path / "t.yaml"
    path.write_text(template_yaml(project), encoding="utf-8")
    proc = cli("drift", "--cloudformation", str(path), "--param", "IamRole=Existing")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == (
        f"iamdocs drift: error: {path}: no IAM policy document is created with these parameter values: "
        "AiUnlimitedRolePolicies not created: condition NEEDSROLE is false with these parameter values; "
        "SessionManagerPolicies not created: condition NEEDSROLEANDSESSIONMANAGER is false with these parameter values")


@pytest.mark.parametrize(("args", "message"), [
    (["--param", "Nope=1"], "--param Nope: no such parameter in the template"),
    (["--param", "novalue"], "--param novalue: expected NAME=VALUE"),
    (["--map", "Nope=ai-unlimited-engine.json"], "--map Nope: no such policy document in"),
    (["--map", "EnginePolicy=nope.json"], "EnginePolicy: no policy nope.json in policies/"),
    (["--map", "EnginePolicy"], "--map EnginePolicy: expected LogicalId=policy-file.json"),
])
def test_bad_options(cli, args, message):
    proc = cli("drift", "--cloudformation", str(FIXTURES / "faithful.yaml"), *args)
    assert proc.returncode == 2
    assert message in proc.stderr.splitlines()[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_unrelated_policies_are_not_silently_passed(cli, tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text(ROLE_HEAD + "              - Effect: Allow\n                Action: logs:PutLogEvents\n"
                    "                Resource: '*'\n")
    proc = cli("drift", "--cloudformation", str(path))
    assert proc.returncode == 2
    assert "no policy document to compare" in proc.stderr
    assert "hint: name the policy with --map" in proc.stderr
