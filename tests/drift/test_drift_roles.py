"""Issue 15: drift judges what each role can do, whatever documents it is spread over. Each template is the
product-shape fixture (or another vendor's shape) with one change made here; the outcomes are written by hand
from the IAM evaluation rules and the policies in policies/."""

from __future__ import annotations

import json
from pathlib import Path

from test_drift_product_shape import SHAPE, drift_lines, variant

MANAGER_ACTIONS_START = "        Statement:\n          - Effect: Allow\n            Action:\n" \
                        "              - cloudformation:CreateStack\n"
SPLIT_AT = "              - route53:ChangeResourceRecordSets\n"
SECOND_HALF = """\
  ManagerPolicyPart2:
    Type: AWS::IAM::Policy
    Condition: NEEDSROLE
    Properties:
      PolicyName: deploy-part-2
      Roles: [!Ref ManagerRole]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action:
"""


def split_manager_policy(tmp_path: Path, drop: str = "") -> Path:
    """The manager policy cut in two documents on the same role, at route53:ChangeResourceRecordSets."""
    start = SHAPE.index(SPLIT_AT)
    end = SHAPE.index("  SessionManagerPolicies:\n")
    moved = SHAPE[start:end]  # the rest of the action list and `Resource: "*"`
    if drop:
        assert f"              - {drop}\n" in moved
        moved = moved.replace(f"              - {drop}\n", "")
    first = SHAPE[:start] + '            Resource: "*"\n'
    path = tmp_path / "split.yaml"
    path.write_text(first + SECOND_HALF + moved + SHAPE[end:], encoding="utf-8")
    return path


def test_manager_policy_split_in_two_documents_is_no_drift(drift_main, tmp_path):
    path = split_manager_policy(tmp_path)
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout
    assert drift_lines(proc) == []
    assert proc.stdout.splitlines()[-1] == f"no drift: 3 policy documents checked in {path}"


def test_split_policy_that_lost_an_action_names_it(drift_main, tmp_path):
    path = split_manager_policy(tmp_path, drop="s3:DeleteBucket")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    # reported at the document that stands for the manager policy (the first part covers most of it)
    assert drift_lines(proc) == ["ManagerPolicy (vs ai-unlimited-workspaces.json): removed s3:DeleteBucket "
                                 "(when IamRole=New)"]


def with_statement(tmp_path: Path, statement: str) -> Path:
    return variant(tmp_path, MANAGER_ACTIONS_START,
                   "        Statement:\n" + statement + MANAGER_ACTIONS_START[len("        Statement:\n"):])


def test_redundant_statement_changes_no_access(drift_main, tmp_path):
    """s3:PutObject on one bucket's objects is already granted on every resource."""
    path = with_statement(tmp_path, "          - Effect: Allow\n            Action: s3:PutObject\n"
                                    "            Resource: arn:aws:s3:::bucket/*\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout
    assert drift_lines(proc) == []


def test_deny_of_an_action_the_role_does_not_have_changes_no_access(drift_main, tmp_path):
    path = with_statement(tmp_path, "          - Effect: Deny\n            Action: iam:CreateUser\n"
                                    "            Resource: '*'\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout


def test_deny_of_a_needed_action_is_one_line(drift_main, tmp_path):
    path = with_statement(tmp_path, "          - Effect: Deny\n            Action: ec2:RunInstances\n"
                                    "            Resource: '*'\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        "ManagerPolicy (vs ai-unlimited-workspaces.json): added a Deny of ec2:RunInstances through Action "
        "ec2:RunInstances: it removes it from what the policy grants (when IamRole=New)"]


def test_deny_on_part_of_the_resources_is_drift(drift_main, tmp_path):
    path = with_statement(tmp_path, "          - Effect: Deny\n            Action: s3:DeleteObject\n"
                                    "            Resource: arn:aws:s3:::keep/*\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        "ManagerPolicy (vs ai-unlimited-workspaces.json): added s3:DeleteObject (on Deny on "
        "arn:aws:s3:::keep/*) (when IamRole=New)"]


def test_escaped_region_is_the_text_not_the_region(drift_main, tmp_path):
    """`${!AWS::Region}` makes CloudFormation write the text ${AWS::Region}, which is no Region."""
    engine = ("  EngineRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
              "        Statement:\n          - Effect: Allow\n            Principal: {Service: ec2.amazonaws.com}\n"
              "            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: engine\n"
              "          PolicyDocument:\n            Statement:\n              - Effect: Allow\n"
              "                Action: secretsmanager:GetSecretValue\n"
              "                Resource: !Sub \"arn:${AWS::Partition}:secretsmanager:${!AWS::Region}:"
              "${AWS::AccountId}:secret:compute-engine/*\"\n")
    path = variant(tmp_path, "  InstanceProfile:\n", engine + "  InstanceProfile:\n")
    # A one-grant policy matches only where its resource matches too, so without --map this role is nobody's
    proc = drift_main("--cloudformation", str(path))
    assert "EngineRole/engine: not compared: covers no policy in policies/" in proc.stdout
    proc = drift_main("--cloudformation", str(path), "--map", "EngineRole/engine=ai-unlimited-engine.json")
    assert proc.returncode == 1, proc.stdout
    assert drift_lines(proc) == [
        "EngineRole/engine (vs ai-unlimited-engine.json): changed secretsmanager:GetSecretValue: "
        "arn:aws:secretsmanager:${!AWS::Region}:<ACCOUNT_ID>:secret:compute-engine/* instead of "
        "arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:compute-engine/*"]
    # the same with the Region substituted is the engine policy
    path.write_text(path.read_text().replace("${!AWS::Region}", "${AWS::Region}"))
    assert drift_main("--cloudformation", str(path)).returncode == 0
    assert drift_main("--cloudformation", str(path), "--map",
                      "EngineRole/engine=ai-unlimited-engine.json").returncode == 0


def test_stack_id_idiom_for_names_is_evaluated(drift_main, tmp_path):
    """The product's templates name their policies after the third part of AWS::StackId."""
    idiom = ("PolicyName: !Join ['-', [ai-unlimited, deploy, !Select [4, !Split ['-', !Select [2, !Split ['/', "
             "!Ref AWS::StackId]]]]]]")
    path = variant(tmp_path, 'PolicyName: !Join ["-", [ai-unlimited, !FindInMap [Names, Policy, Manager]]]', idiom)
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout
    # and in a resource it is a part of the stack's ARN, compared like any other text
    path = with_statement(tmp_path, "          - Effect: Allow\n            Action: s3:ListBucket\n"
                                    "            Resource: !Join ['', ['arn:aws:s3:::engine-', !Select [4, !Split "
                                    "['-', !Select [2, !Split ['/', !Ref AWS::StackId]]]]]]\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == ["ManagerPolicy (vs ai-unlimited-workspaces.json): added s3:ListBucket (on "
                                 "arn:aws:s3:::engine-{stack_id_5}) (when IamRole=New)"]


def test_ssm_parameter_type_is_not_proven(drift_main, tmp_path):
    path = variant(tmp_path, "  IamRole:\n", "  Extra:\n    Type: AWS::SSM::Parameter::Value<String>\n"
                                             "    Default: /ai-unlimited/extra-action\n  IamRole:\n")
    extra = "              - cloudformation:CreateStack\n              - !Ref Extra\n"
    path.write_text(path.read_text().replace("              - cloudformation:CreateStack\n", extra))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        "ManagerPolicy: not proven: parameter Extra is of type AWS::SSM::Parameter::Value<String>: its value is "
        "read from Systems Manager when the stack deploys, so what it grants is not known here (when IamRole=New)"]
    assert proc.stdout.splitlines()[-1].startswith("not proven: ")


def test_admin_value_adding_iam_star_is_found_in_its_branch(drift_main, tmp_path):
    path = variant(tmp_path, "  IamRole:\n", "  Level:\n    Type: String\n    AllowedValues: [standard, admin]\n"
                                             "    Default: standard\n  IamRole:\n")
    text = path.read_text().replace("Conditions:\n", "Conditions:\n  ISADMIN: !Equals [!Ref Level, admin]\n")
    text = text.replace("              - cloudformation:CreateStack\n",
                        "              - cloudformation:CreateStack\n              - !If [ISADMIN, 'iam:*', "
                        "!Ref AWS::NoValue]\n")
    path.write_text(text)
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    lines = drift_lines(proc)
    assert lines and all(" through Action iam:* (widened access) (when " in line and "Level=admin" in line
                         for line in lines), lines


def test_for_each_loop_roles_are_compared(drift_main, tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::Roles:\n    - Name\n"
                    "    - [Blue, Green]\n    - ${Name}Role:\n        Type: AWS::IAM::Role\n        Properties:\n"
                    "          AssumeRolePolicyDocument:\n            Statement:\n              - Effect: Allow\n"
                    "                Principal: {Service: ec2.amazonaws.com}\n                Action: sts:AssumeRole\n"
                    "          Policies:\n            - PolicyName: engine\n              PolicyDocument:\n"
                    "                Statement:\n                  - Effect: Allow\n"
                    "                    Action: secretsmanager:GetSecretValue\n                    Resource: '*'\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        f"{role}Role/engine (vs ai-unlimited-engine.json): changed secretsmanager:GetSecretValue: * instead of "
        "arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:compute-engine/*" for role in ("Blue", "Green")]


def test_for_each_over_a_parameter_is_refused_at_its_place(drift_main, tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("Transform: AWS::LanguageExtensions\nParameters:\n  Names: {Type: CommaDelimitedList}\n"
                    "Resources:\n  Fn::ForEach::Roles:\n    - Name\n    - !Ref Names\n    - ${Name}Role:\n"
                    "        Type: AWS::IAM::Role\n        Properties: {}\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"iamdocs drift: error: {path}:7:7: Fn::ForEach::Roles: only a literal list of values is expanded here; "
        "this loop's values are known only when CloudFormation deploys"]


def test_vendor_json_template_with_own_roles_is_nothing_to_compare(drift_main, tmp_path):
    """Another vendor's template (JSON): a role reading its own secret, one writing logs. Neither is a product
    role, so nothing is compared and nothing would be rewritten."""
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole"}]}
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        "AppRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust, "Policies": [
            {"PolicyName": "secret", "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                 "Resource": {"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}"
                                         ":secret:vendor/*"}}]}}]}},
        "LogRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust}},
        "Logs": {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "logs", "Roles": [{"Ref": "LogRole"}], "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]}}}}}
    path = tmp_path / "vendor.json"
    path.write_text(json.dumps(template, indent=2))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 4, proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("nothing to compare: ")


def test_admin_value_among_five_more_parameters_of_four_values_is_found(drift_main, tmp_path):
    """The issue's case: Level and five parameters of four values, 2 x 4^5 = 2,048 combinations (x 2 x 2 for
    IamRoleName and IamPermissionsBoundary, empty or not: 8,192), of which the IAM resources see 2 x 2^5 x 2 x 2 =
    256 (each condition is true or false); every one is checked, and the admin branch adds iam:*."""
    params = "".join(f"  P{i}:\n    Type: String\n    AllowedValues: [w, x, y, z]\n    Default: w\n" for i in range(5))
    path = variant(tmp_path, "  IamRole:\n", "  Level:\n    Type: String\n    AllowedValues: [standard, admin]\n"
                                             "    Default: standard\n" + params + "  IamRole:\n")
    conds = "".join(f"  Q{i}: !Equals [!Ref P{i}, w]\n" for i in range(5))
    text = path.read_text().replace("Conditions:\n", "Conditions:\n  ISADMIN: !Equals [!Ref Level, admin]\n" + conds)
    ifs = "".join(f"              - !If [Q{i}, s3:GetObject, s3:GetObject]\n" for i in range(5))
    text = text.replace("              - cloudformation:CreateStack\n",
                        "              - cloudformation:CreateStack\n              - !If [ISADMIN, 'iam:*', "
                        "!Ref AWS::NoValue]\n" + ifs)
    path.write_text(text)
    proc = drift_main("--cloudformation", str(path), "--param", "IamRole=New", "--param", "Session=false")
    assert proc.returncode == 1, proc.stdout
    assert (f"{path}: info: checked every branch: 256 distinct outcome(s) of 8,192 combination(s) of Level, P0, P1, "
            "P2, P3, P4, IamRoleName, IamPermissionsBoundary") in proc.stdout.splitlines()
    lines = drift_lines(proc)
    assert len(lines) == 1, lines
    assert lines[0].startswith("ManagerPolicy (vs ai-unlimited-workspaces.json): added ")
    assert lines[0].endswith(" actions through Action iam:* (widened access) (when Level=admin)")


def test_sync_keeps_a_split_policy_split_and_adds_only_what_is_missing(cli, drift_main, tmp_path):
    """Sync writes the role's access back into the documents it has: the lost action goes to the document that
    stands for the manager policy, the second part keeps its own actions, nothing is granted twice."""
    path = split_manager_policy(tmp_path, drop="s3:DeleteBucket")
    second_part_before = path.read_text().split("  ManagerPolicyPart2:\n")[1].split("  SessionManagerPolicies:\n")[0]
    proc = cli("sync", "--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = path.read_text()
    assert text.split("  ManagerPolicyPart2:\n")[1].split("  SessionManagerPolicies:\n")[0] == second_part_before
    first_part = text.split("  ManagerPolicy:\n")[1].split("  ManagerPolicyPart2:\n")[0]
    assert "s3:DeleteBucket" in first_part
    assert text.count("s3:DeleteBucket") == 1
    assert drift_main("--cloudformation", str(path)).returncode == 0
    assert cli("sync", "--check", "--cloudformation", str(path)).returncode == 0


def test_sync_refuses_a_document_on_a_product_role_that_is_no_policy(cli, tmp_path):
    logs = ("  LogsPolicy:\n    Type: AWS::IAM::RolePolicy\n    Condition: NEEDSROLE\n    Properties:\n"
            "      RoleName: !Ref ManagerRole\n      PolicyName: logs\n      PolicyDocument:\n"
            "        Statement:\n          - Effect: Allow\n            Action: logs:PutLogEvents\n"
            "            Resource: '*'\n")
    path = variant(tmp_path, "  InstanceProfile:\n", logs + "  InstanceProfile:\n")
    before = path.read_text()
    proc = cli("sync", "--cloudformation", str(path))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == (
        f"iamdocs sync: error: {path}:219:9: LogsPolicy on ManagerRole grants nothing of the manager role's "
        "policies; sync does not remove documents: remove it from the template; sync cannot write that")
    assert path.read_text() == before


def test_sync_leaves_a_vendor_role_beside_the_product_role_alone(cli, tmp_path):
    vendor = ("  VendorRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
              "        Statement:\n          - Effect: Allow\n            Principal: {Service: ec2.amazonaws.com}\n"
              "            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: vendor\n"
              "          PolicyDocument:\n            Statement:\n              - Effect: Allow\n"
              "                Action: [secretsmanager:GetSecretValue, ssm:GetParameter]\n"
              "                Resource: arn:aws:secretsmanager:us-east-1:111122223333:secret:vendor/*\n")
    path = variant(tmp_path, "              - ssm:GetManifest\n", "")
    path.write_text(path.read_text().replace("  InstanceProfile:\n", vendor + "  InstanceProfile:\n"))
    proc = cli("sync", "--cloudformation", str(path))
    assert proc.returncode == 0, proc.stderr
    text = path.read_text()
    assert "ssm:GetManifest" in text.split("  SessionManagerPolicies:\n")[1].split("  VendorRole:\n")[0]
    assert vendor in text  # byte for byte


def test_vendor_instance_role_with_session_actions_and_any_secret_is_nobodys(drift_main, tmp_path):
    """In the shape of public GitLab, Gitea and VS Code server templates: one policy with ec2messages:*,
    ssm:UpdateInstanceInformation, ssmmessages:* and secretsmanager:GetSecretValue on "*". It covers neither
    the engine policy (its one grant is on compute-engine/* secrets) nor the Session Manager policy (11 of its
    23 actions), so it is not compared; its AWS managed policy makes nothing "not proven" either."""
    path = tmp_path / "server.yaml"
    path.write_text("Resources:\n  InstanceRole:\n    Type: AWS::IAM::Role\n    Properties:\n"
                    "      AssumeRolePolicyDocument:\n        Statement:\n          - Action: sts:AssumeRole\n"
                    "            Effect: Allow\n            Principal: {Service: ec2.amazonaws.com}\n"
                    "      ManagedPolicyArns:\n"
                    "        - !Sub 'arn:${AWS::Partition}:iam::aws:policy/CloudWatchAgentServerPolicy'\n"
                    "  InstanceRolePolicy:\n    Type: AWS::IAM::RolePolicy\n    Properties:\n"
                    "      RoleName: !Ref InstanceRole\n      PolicyName: InstanceRolePolicy\n"
                    "      PolicyDocument:\n        Statement:\n          - Action: [ec2messages:*, "
                    "ssm:UpdateInstanceInformation, ssmmessages:*, secretsmanager:GetSecretValue]\n"
                    "            Effect: Allow\n            Resource: '*'\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 4, proc.stdout
    assert drift_lines(proc) == []
    assert proc.stdout.splitlines()[-1].startswith("nothing to compare: ")
