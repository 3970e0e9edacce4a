"""Templates in the shape of the product's: Rules, a Session Manager policy behind a YAML-boolean parameter, the
manager policy as a RolePolicy, roles compared with the catalog. Each variant is the fixture with one change made
here, and the findings it must give are written out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHAPE = (FIXTURES / "product-shape.yaml").read_text(encoding="utf-8")
SESSION_BRANCH = "(when IamRole=New, Session=true)"

ENGINE_ROLE = """\
  EngineRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: ec2.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: engine
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: secretsmanager:GetSecretValue
                Resource: !Sub "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:\
compute-engine/*"
"""


def variant(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    assert SHAPE.count(old) == count, old
    path = tmp_path / "t.yaml"
    path.write_text(SHAPE.replace(old, new), encoding="utf-8")
    return path


def drift_lines(proc) -> list[str]:
    return [line.split(": drift: ", 1)[1] for line in proc.stdout.splitlines() if ": drift: " in line]


def test_faithful_product_shape_has_no_drift_under_any_branch(drift_main):
    proc = drift_main("--cloudformation", str(FIXTURES / "product-shape.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout.splitlines()
    path = FIXTURES / "product-shape.yaml"
    assert out[-1] == f"no drift: 2 policy documents checked in {path}"
    # IamRole=Existing creates no role, whatever Session says: 3 x 2 x 2 outcomes
    assert f"{path}: info: checked every branch: 12 distinct outcome(s) of 16 combination(s) of IamRole, " \
           "IamRoleName, IamPermissionsBoundary, Session" in out
    assert (f"{path}:184:9: info: SessionManagerPolicies: compared with session-manager.json (it covers 23 of its "
            f"23 grants) {SESSION_BRANCH}") in out
    assert (f"{path}:51:5: info: ManagerRole: ManagerRole matches the catalog's manager role "
            "(it gets ai-unlimited-workspaces.json, "
            f"session-manager.json) {SESSION_BRANCH}") in out


def test_session_policy_missing_an_action_fails_the_default_run(drift_main, tmp_path):
    """The issue's case: only the Session = true branch has the policy, and no option is needed to check it."""
    path = variant(tmp_path, "              - ssm:GetManifest\n", "")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        f"SessionManagerPolicies (vs session-manager.json): removed ssm:GetManifest {SESSION_BRANCH}"]
    assert drift_main("--cloudformation", str(path), "--param", "Session=false").returncode == 0


def test_role_policy_missing_three_actions(drift_main, tmp_path):
    path = tmp_path / "t.yaml"
    text = SHAPE
    for a in ("ec2:DeleteLaunchTemplateVersions", "ec2:DeleteTags", "ec2:DescribeManagedPrefixLists"):
        text = text.replace(f"              - {a}\n", "")
    path.write_text(text)
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        f"ManagerPolicy (vs ai-unlimited-workspaces.json): removed {a} (when IamRole=New)"
        for a in ("ec2:DeleteLaunchTemplateVersions", "ec2:DeleteTags", "ec2:DescribeManagedPrefixLists")]


def test_duplicate_action_key_names_both_lines(drift_main, tmp_path):
    path = variant(tmp_path, "              - ssm:GetManifest\n",
                   "              - ssm:GetManifest\n            Action: ssm:GetManifest\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"iamdocs drift: error: {path}:193:13: duplicate key 'Action', first given at line 187, column 13; tools "
        "keep the first, keep the last or refuse the file, so remove one"]


def test_right_policy_on_the_wrong_role_is_drift(drift_main, tmp_path):
    path = variant(tmp_path, "      Roles: [!Ref ManagerRole]\n", "      Roles: [!Ref EngineRole]\n")
    path.write_text(path.read_text().replace("  InstanceProfile:\n", ENGINE_ROLE + "  InstanceProfile:\n"))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        "EngineRole: EngineRole gets ai-unlimited-engine.json, session-manager.json; no role in the catalog gets all "
        "of them (ai-unlimited-engine.json goes on the engine role; session-manager.json goes on the manager role) "
        "(when IamRole=New, Session=true)"]


def test_trust_policy_is_compared_with_the_catalog_role(drift_main, tmp_path):
    path = variant(tmp_path, "              Service: [ec2.amazonaws.com]\n",
                   "              Service: lambda.amazonaws.com\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        "ManagerRole: trust policy lacks Allow sts:assumerole by Service ec2.amazonaws.com (the manager role's trust "
        "policy has it) (when IamRole=New)",
        "ManagerRole: trust policy also allows Allow sts:assumerole by Service lambda.amazonaws.com (the manager "
        "role's trust policy does not) (when IamRole=New)"]


def test_jupyter_shape_a_role_with_only_the_session_policy_is_the_manager_role(drift_main, tmp_path):
    start, end = SHAPE.index("  ManagerPolicy:\n"), SHAPE.index("  SessionManagerPolicies:\n")
    path = tmp_path / "jupyter.yaml"
    path.write_text((SHAPE[:start] + SHAPE[end:]).replace("ManagerRole", "JupyterRole"))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.splitlines()[-1] == f"no drift: 1 policy document checked in {path}"
    assert any(line.endswith("info: JupyterRole: JupyterRole matches the catalog's manager role "
                             "(it gets session-manager.json) "
                             f"{SESSION_BRANCH}") for line in proc.stdout.splitlines())


def test_managed_policy_attached_through_managed_policy_arns(drift_main, tmp_path):
    path = variant(tmp_path, "    Type: AWS::IAM::Policy\n    Condition: NEEDSROLEANDSESSIONMANAGER\n",
                   "    Type: AWS::IAM::ManagedPolicy\n    Condition: NEEDSROLEANDSESSIONMANAGER\n")
    text = path.read_text().replace("      Roles: [!Ref ManagerRole]\n", "")
    text = text.replace("      Path: /\n", "      Path: /\n      ManagedPolicyArns:\n        - !If [USESESSIONMANAGER, "
                        "!Ref SessionManagerPolicies, !Ref AWS::NoValue]\n")
    path.write_text(text.replace("  InstanceProfile:\n", ENGINE_ROLE + "  InstanceProfile:\n").replace(
        "      Policies:\n        - PolicyName: engine\n",
        "      ManagedPolicyArns: [!Ref SessionManagerPolicies]\n      Policies:\n        - PolicyName: engine\n"))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    # on ManagerRole through its ManagedPolicyArns: right; on EngineRole with the engine policy: wrong
    lines = proc.stdout.splitlines()
    assert any("info: ManagerRole: ManagerRole matches the catalog's manager role "
               "(it gets ai-unlimited-workspaces.json, "
               "session-manager.json)" in line for line in lines)
    assert [x.split(" (", 1)[0] for x in drift_lines(proc)] == [
        "EngineRole: EngineRole gets ai-unlimited-engine.json, session-manager.json; no role in the catalog gets all "
        "of them"]


@pytest.mark.parametrize("content", [
    [{"ParameterKey": "Session", "ParameterValue": "true"}, {"ParameterKey": "Vpc", "ParameterValue": "vpc-1"}],
    {"Session": True, "Vpc": "vpc-1"},
])
def test_parameter_file_in_both_formats_narrows(drift_main, tmp_path, content):
    params = tmp_path / "params.json"
    params.write_text(json.dumps(content))
    path = variant(tmp_path, "              - ssm:GetManifest\n", "")
    proc = drift_main("--cloudformation", str(path), "--parameters", str(params))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        "SessionManagerPolicies (vs session-manager.json): removed ssm:GetManifest (when IamRole=New)"]
    assert f"{path}: info: checked every branch: 8 distinct outcome(s) of 8 combination(s) of IamRole, IamRoleName, " \
           "IamPermissionsBoundary" in proc.stdout.splitlines()
    # --param wins over the file
    assert drift_main("--cloudformation", str(path), "--parameters", str(params), "--param",
                      "Session=false").returncode == 0


@pytest.mark.parametrize(("content", "message"), [
    ('{"Session": maybe}', ":1:13: malformed JSON: "),
    ('[{"ParameterValue": "true"}]', ':1:2: expected {"ParameterKey": ..., "ParameterValue": ...}'),
    ('{"Session": "maybe"}', " "),  # read, then refused as a value Session does not allow
])
def test_bad_parameter_files(drift_main, tmp_path, content, message):
    params = tmp_path / "params.json"
    params.write_text(content)
    proc = drift_main("--cloudformation", str(FIXTURES / "product-shape.yaml"), "--parameters", str(params))
    assert proc.returncode == 2
    first = proc.stderr.splitlines()[0]
    if message == " ":
        assert first == "iamdocs drift: error: --param Session=maybe: not one of the values Session allows"
    else:
        assert first.startswith(f"iamdocs drift: error: {params}{message}"), first


def _nine_parameters(tmp_path: Path, each_its_own_if: bool) -> Path:
    """Nine parameters of two values, each read by its own condition: feeding one condition (All), or each
    read by one Fn::If in the Session Manager policy."""
    params = "".join(f"  P{i}: {{Type: String, AllowedValues: [a, b], Default: a}}\n" for i in range(9))
    conds = "".join(f"  C{i}: !Equals [!Ref P{i}, a]\n" for i in range(9))
    and_all = "  All: !And [" + ", ".join(f"!Condition C{i}" for i in range(9)) + "]\n"
    start = SHAPE.index("  SessionManagerPolicies:\n")
    end = SHAPE.index("  InstanceProfile:\n")
    session = SHAPE[start:end].replace("Condition: NEEDSROLEANDSESSIONMANAGER", "Condition: All").replace(
        "      Roles: [!Ref ManagerRole]\n", "")
    if each_its_own_if:
        session = session.replace("Condition: All", "Condition: C0")
        for i, action in enumerate(["ssm:DescribeAssociation", "ssm:DescribeDocument", "ssm:GetDocument",
                                    "ssm:GetManifest", "ssm:ListAssociations", "ssm:ListInstanceAssociations",
                                    "ssm:PutComplianceItems", "ssm:PutInventory", "ssm:PutConfigurePackageResult"]):
            session = session.replace(f"              - {action}\n",
                                      f"              - !If [C{i}, {action}, {action}]\n")
    path = tmp_path / "t.yaml"
    path.write_text(f"Parameters:\n{params}Conditions:\n{conds}{and_all}Resources:\n{session}")
    return path


def test_search_bound_is_said(drift_main, tmp_path):
    path = _nine_parameters(tmp_path, each_its_own_if=True)
    proc = drift_main("--cloudformation", str(path))
    # 2^9 outcomes the documents see (that both branches of each Fn::If are alike is not looked into): the
    # unchecked half may hold drift, so it is not proven, never "no drift"
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (f"{path}: drift: not proven: checked 256 of 512 distinct outcomes of 512 parameter combinations (P0, P1, "
            "P2, P3, P4, P5, P6, P7, P8); fix some with --param NAME=VALUE to check the others"
            ) in proc.stdout.splitlines()
    assert proc.stdout.splitlines()[-1] == (
        f"not proven: checked 256 of 512 distinct outcomes of 512 parameter combinations (P0, P1, P2, P3, P4, P5, P6, "
        f"P7, P8); fix some with --param NAME=VALUE to check the others ({path})")


def test_nine_parameters_feeding_one_condition_are_two_outcomes(drift_main, tmp_path):
    """The IAM resources see only All: true or false. Every combination is covered by two evaluations."""
    path = _nine_parameters(tmp_path, each_its_own_if=False)
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (f"{path}: info: checked every branch: 2 distinct outcome(s) of 512 combination(s) of P0, P1, P2, P3, P4, "
            "P5, P6, P7, P8") in proc.stdout.splitlines()


def test_json_output_names_the_branch(drift_main, tmp_path):
    path = variant(tmp_path, "              - ssm:GetManifest\n", "")
    proc = drift_main("--cloudformation", str(path), "--format", "json")
    assert proc.returncode == 1
    drift = [d for d in json.loads(proc.stdout)["differences"] if d["severity"] == "drift"]
    assert [(d["action"], d["when"], d["line"]) for d in drift] == [
        ("ssm:GetManifest", "IamRole=New, Session=true", 184)]


def test_a_fault_in_the_attachment_does_not_stop_the_document_comparison(drift_main, tmp_path):
    path = variant(tmp_path, "      Roles: [!Ref ManagerRole]\n", "      Roles: [!Ref Missing]\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        "SessionManagerPolicies: cannot tell which of the template's roles it is attached to: Ref Missing: no "
        f"parameter or resource named Missing in this template {SESSION_BRANCH}"]
    assert any("info: SessionManagerPolicies: compared with session-manager.json" in line
               for line in proc.stdout.splitlines())


def test_a_condition_on_a_pseudo_parameter_is_a_branch_too(drift_main, tmp_path):
    """`IsGov` is false with any ordinary partition; the branch where it is true is checked as well."""
    path = variant(tmp_path, "  HASIAMROLENAME:",
                   "  IsGov: !Equals [!Ref AWS::Partition, aws-us-gov]\n  HASIAMROLENAME:")
    path.write_text(path.read_text().replace("              - ssm:GetManifest\n",
                                             "              - !If [IsGov, !Ref AWS::NoValue, ssm:GetManifest]\n"))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == ["SessionManagerPolicies (vs session-manager.json): removed ssm:GetManifest (when "
                                 "IamRole=New, Session=true, AWS::Partition=aws-us-gov)"]
    assert drift_main("--cloudformation", str(path), "--param", "AWS::Partition=aws").returncode == 0
