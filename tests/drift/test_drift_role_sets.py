"""Issue 15: which of the catalog's policy sets a role is, when its documents resemble other policies one by one, and
when the catalog role's policies are spread over two roles. Found by the differential test (test_drift_differential.py);
each template here is the product-shape fixture with one change, and the outcomes are written by hand."""

from __future__ import annotations

from test_drift_product_shape import SESSION_BRANCH, SHAPE, drift_lines

SECRETS = [f"secretsmanager:{a}" for a in ("CreateSecret", "DeleteSecret", "DescribeSecret", "GetResourcePolicy",
                                            "GetSecretValue", "PutSecretValue", "TagResource")]
ENGINE_ROLES = ["iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePolicy"]
JUPYTER_ROLE = """\
  JupyterRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: ec2.amazonaws.com}
            Action: sts:AssumeRole
"""


def actions_of(prefix: str) -> list[str]:
    """The fixture's manager policy actions that start with `prefix`, in its order."""
    return [line.strip()[2:] for line in SHAPE.splitlines()
            if line.startswith("              - ") and line.strip()[2:].startswith(prefix)][:99]


def moved_to_own_policies(tmp_path, *groups: list[str]):
    """The fixture with each group of the manager policy's actions moved to a policy of its own on the same role."""
    text = SHAPE
    added = ""
    for n, actions in enumerate(groups, start=1):
        for a in actions:
            assert text.count(f"              - {a}\n") == 1, a
            text = text.replace(f"              - {a}\n", "")
        added += (f"  OwnPolicy{n}:\n    Type: AWS::IAM::Policy\n    Condition: NEEDSROLE\n    Properties:\n"
                  f"      PolicyName: own-{n}\n      Roles: [!Ref ManagerRole]\n      PolicyDocument:\n"
                  "        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n"
                  f"            Action: [{', '.join(actions)}]\n            Resource: \"*\"\n")
    path = tmp_path / "t.yaml"
    path.write_text(text.replace("  SessionManagerPolicies:\n", added + "  SessionManagerPolicies:\n"),
                    encoding="utf-8")
    return path


def test_secrets_part_of_a_split_manager_policy_is_not_the_engine_policy(drift_main, tmp_path):
    # Three parts, none with half of the manager policy. Alone, the second grants secretsmanager:GetSecretValue on
    # "*", which covers the engine policy's one grant (on secret:compute-engine/*); with the rest of the role it is
    # the manager policy, split, and nothing differs.
    network = actions_of("ec2:")[26:]  # ec2:AssociateAddress ... ec2:RevokeSecurityGroupIngress
    assert len(network) == 33 and network[0] == "ec2:AssociateAddress"
    path = moved_to_own_policies(tmp_path, [*SECRETS, *actions_of("iam:")], network)
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout
    assert drift_lines(proc) == []
    assert "ai-unlimited-engine.json" not in proc.stdout
    out = proc.stdout.splitlines()
    assert out[-1] == f"no drift: 4 policy documents checked in {path}"
    assert any(line.endswith("info: ManagerRole: ManagerRole matches the catalog's manager role (it gets "
                             "ai-unlimited-workspaces.json) (when IamRole=New, Session=false)") for line in out)


def test_engine_role_actions_in_a_policy_of_their_own_are_still_the_manager_policy(drift_main, tmp_path):
    # The rest is exactly ai-unlimited-without-iam-role-permissions.json; with its other document the role has
    # exactly ai-unlimited-workspaces.json (and the Session Manager policy when Session=true).
    path = moved_to_own_policies(tmp_path, ENGINE_ROLES)
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout
    assert drift_lines(proc) == []
    out = proc.stdout.splitlines()
    assert any(line.endswith("info: ManagerRole: ManagerRole matches the catalog's manager role (it gets "
                             f"ai-unlimited-workspaces.json, session-manager.json) {SESSION_BRANCH}") for line in out)


def test_session_manager_policy_on_a_role_of_its_own_is_drift(drift_main, tmp_path):
    # Each role alone is a set of the catalog (engine-a's manager role; the Jupyter template's role), but with
    # Session=true the catalog's manager role has both policies: the role with the manager policy lacks one.
    text = SHAPE.replace("      Roles: [!Ref ManagerRole]\n", "      Roles: [!Ref JupyterRole]\n")
    path = tmp_path / "t.yaml"
    path.write_text(text.replace("  InstanceProfile:\n", JUPYTER_ROLE + "  InstanceProfile:\n"), encoding="utf-8")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1, proc.stdout
    assert drift_lines(proc) == [
        "JupyterRole: JupyterRole gets session-manager.json, which the catalog's manager role gets together with "
        "ai-unlimited-workspaces.json (the template with Session Manager, 4 combinations of options); ManagerRole gets "
        f"ai-unlimited-workspaces.json without it {SESSION_BRANCH}"]
    assert drift_main("--cloudformation", str(path), "--param", "Session=false").returncode == 0


def test_session_manager_policy_on_another_role_as_well_is_no_drift(drift_main, tmp_path):
    text = SHAPE.replace("      Roles: [!Ref ManagerRole]\n", "      Roles: [!Ref ManagerRole, !Ref JupyterRole]\n")
    path = tmp_path / "t.yaml"
    path.write_text(text.replace("  InstanceProfile:\n", JUPYTER_ROLE + "  InstanceProfile:\n"), encoding="utf-8")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout
    assert drift_lines(proc) == []
