"""Unreadable input exits 2 with one clear message that names the file (and line), never a traceback."""

from __future__ import annotations

import json
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

# (file name, content, expected message after "iamdocs drift: error: <path>"): templates that cannot be read
CASES = [
    ("unclosed.yaml", "Resources:\n  R: [a, b\n", ":3:1: malformed YAML: "),
    ("bad-indent.yaml", "Resources:\n  R:\n    Type: x\n   Bad: y\n", ":4:4: malformed YAML: "),
    ("bad.json", '{"Resources": {"R": \n  {"Type": "x" "y"}}}', ":2:16: malformed JSON: "),
    ("not-template.yaml", "- just\n- a list\n", ": not a CloudFormation template (no Resources section)"),
    ("empty.yaml", "\n", ": file is empty; expected a CloudFormation template"),
    ("binary.yaml", "Resources:\n  \udcff\n", ": not valid UTF-8"),
    ("duplicate.yaml", ROLE_HEAD + "              - Effect: Allow\n                Action: s3:GetObject\n"
     "                Action: s3:PutObject\n",
     ":11:17: duplicate key 'Action', first given at line 10, column 17; tools keep the first, keep the last or "
     "refuse the file, so remove one"),
    ("duplicate.json", '{"Resources": {},\n "Resources": {}}',
     ":2:2: duplicate key 'Resources', first given at line 1, column 2"),
]

# (file name, content, expected drift line after "<path>"): documents that cannot be evaluated are drift at their
# place (exit 1); the rest of the template is still compared
UNEVALUABLE = [
    ("unknown-tag.yaml", ROLE_HEAD + "              - Effect: !Whatever Allow\n",
     ":9:25: drift: R/p: cannot be evaluated, so it is not compared: unknown intrinsic function Fn::Whatever"),
    ("cidr-in-policy.yaml", ROLE_HEAD + "              - Effect: Allow\n                Action: s3:GetObject\n"
     "                Resource: !Cidr [a, 1, 2]\n",
     ":11:27: drift: R/p: cannot be evaluated, so it is not compared: Fn::Cidr cannot be evaluated here: its "
     "result is known only to CloudFormation"),
    ("unknown-condition.yaml", ROLE_HEAD + "              - Effect: Allow\n                Action: !If [Nope, a, b]\n",
     ":10:30: drift: R/p: cannot be evaluated, so it is not compared: no condition named Nope in Conditions"),
    ("unknown-ref.yaml", ROLE_HEAD + "              - Effect: Allow\n                Action: s3:GetObject\n"
     "                Resource: !Ref Bucket\n",
     ":11:27: drift: R/p: cannot be evaluated, so it is not compared: Ref Bucket: no parameter or resource named "
     "Bucket in this template"),
]


@pytest.mark.parametrize(("name", "content", "expected"), UNEVALUABLE, ids=[c[0] for c in UNEVALUABLE])
def test_unevaluable_document_is_drift_at_its_place(drift_main, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    drift = [line for line in proc.stdout.splitlines() if ": drift: " in line]
    assert drift == [f"{path}{expected}"]


def test_unknown_function_outside_the_documents_does_not_stop_the_run(drift_main, tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Bogus": 1}}},'
                    '\n"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": '
                    '[{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:'
                    'secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:compute-engine/*"}]}}}}}')
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == f"no drift: 1 policy document checked in {path}"


@pytest.mark.parametrize(("name", "content", "expected"), CASES, ids=[c[0] for c in CASES])
def test_malformed_template_exits_2_naming_the_file(drift_main, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith(f"iamdocs drift: error: {path}{expected}"), first
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_missing_file(cli, tmp_path):
    proc = cli("drift", "--cloudformation", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == f"iamdocs drift: error: {tmp_path / 'nope.yaml'}: no such file"


def test_nothing_created_with_these_parameters_is_nothing_to_compare(drift_main, tmp_path, project):
    from iamdocs.cfn.template import template_yaml

    path = tmp_path / "t.yaml"
    path.write_text(template_yaml(project), encoding="utf-8")
    proc = drift_main("--cloudformation", str(path), "--param", "IamRole=Existing")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == (
        f"nothing to compare: no document in {path} resembles a policy in policies/ (none)")


NOTHING = [
    ("no-iam.yaml", "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
     "creates no identity policy (1 resource(s): AWS::S3::Bucket)"),
    ("no-iam.json", '{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {}}',
     "creates no identity policy (0 resource(s))"),
    ("unknown-long.json",
     '{"Resources": {"R": {"Type": "AWS::S3::Bucket",\n "Properties": {"BucketName": {"Fn::Bogus": "x"}}}}}',
     "creates no identity policy (1 resource(s): AWS::S3::Bucket)"),
]


@pytest.mark.parametrize(("name", "content", "expected"), NOTHING, ids=[c[0] for c in NOTHING])
def test_template_without_identity_policies_is_nothing_to_compare(drift_main, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [f"nothing to compare: {path} {expected}"]


@pytest.mark.parametrize(("args", "message"), [
    (["--param", "Nope=1"], "--param Nope: no such parameter in"),
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


def test_unrelated_policies_are_nothing_to_compare_not_a_pass(drift_main, tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text(ROLE_HEAD + "              - Effect: Allow\n                Action: logs:PutLogEvents\n"
                    "                Resource: '*'\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 4
    assert proc.stdout.splitlines()[0] == (
        f"{path}:8:13: info: R/p: not compared: covers no policy in policies/ (it grants less than 50% of every "
        "policy's action-resource pairs)")
    assert proc.stdout.splitlines()[-1].startswith(f"nothing to compare: no document in {path} resembles a policy")


def test_nothing_to_compare_in_json_output(drift_main, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    proc = drift_main("--cloudformation", str(path), "--format", "json")
    assert proc.returncode == 4
    data = json.loads(proc.stdout)
    assert data["drift"] is False and data["documents_checked"] == 0
    assert data["nothing_to_compare"] == f"{path} creates no identity policy (1 resource(s): AWS::S3::Bucket)"
