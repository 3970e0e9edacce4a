"""Issue 15: a widened, extended or partly unknown role must never read as "no drift". Each template is the
product-shape fixture with one change made here; the outcomes are written by hand."""

from __future__ import annotations

from pathlib import Path

from test_drift_product_shape import SHAPE, drift_lines, variant

FIRST = ("        Statement:\n          - Effect: Allow\n            Action:\n"
         "              - cloudformation:CreateStack\n")
AFTER = FIRST[len("        Statement:\n"):]
MANAGER = "ManagerPolicy (vs ai-unlimited-workspaces.json): "


def added_count(line: str) -> int:
    """The number in "... added 22,263 actions through ..."."""
    return int(line.split(" added ", 1)[1].split(" ", 1)[0].replace(",", ""))


def with_statement(tmp_path: Path, statement: str) -> Path:
    """The manager policy with one more statement in front of its first."""
    return variant(tmp_path, FIRST, "        Statement:\n" + statement + AFTER)


def test_action_star_is_one_line_of_widened_access(drift_main, tmp_path):
    path = with_statement(tmp_path, '          - Effect: Allow\n            Action: "*"\n            Resource: "*"\n')
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    lines = drift_lines(proc)
    assert len(lines) == 2, lines  # one per Session value: with it, the role should have the Session Manager policy
    assert all(line.startswith(MANAGER + "added ") for line in lines)
    assert lines[0].endswith(" actions through Action * (widened access) (when IamRole=New, Session=false)")
    assert lines[1].endswith(" actions through Action * (widened access) (when IamRole=New, Session=true)")
    # with Session=true the 23 actions of session-manager.json are expected, so 23 fewer are added
    assert added_count(lines[0]) - added_count(lines[1]) == 23


def test_allow_not_action_is_one_line_of_widened_access(drift_main, tmp_path):
    path = with_statement(tmp_path, '          - Effect: Allow\n            NotAction: ["iam:*", "organizations:*"]\n'
                                    '            Resource: "*"\n')
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    lines = drift_lines(proc)
    assert len(lines) == 2, lines
    assert all(line.startswith(MANAGER + "added ") for line in lines)
    assert lines[0].endswith(" actions through Allow NotAction [iam:*, organizations:*] (widened access) "
                             "(when IamRole=New, Session=false)")
    assert lines[1].endswith(" actions through Allow NotAction [iam:*, organizations:*] (widened access) "
                             "(when IamRole=New, Session=true)")
    assert added_count(lines[0]) - added_count(lines[1]) == 23


def test_deny_not_action_is_one_line_saying_what_it_removes(drift_main, tmp_path):
    path = with_statement(tmp_path, '          - Effect: Deny\n            NotAction: ["ec2:*"]\n'
                                    '            Resource: "*"\n')
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    # What the Deny takes from the role: the manager policy's 40 actions outside ec2 (99 - 59), and with
    # Session=true also the 23 Session Manager actions (ssm, ssmmessages, ec2messages: none is ec2:).
    assert drift_lines(proc) == [
        MANAGER + "added a Deny of 40 actions through Deny NotAction [ec2:*]: it removes them from what the policy "
                  "grants (when IamRole=New, Session=false)",
        MANAGER + "added a Deny of 63 actions through Deny NotAction [ec2:*]: it removes them from what the policy "
                  "grants (when IamRole=New, Session=true)"]


def test_every_ec2_action_replaced_by_ec2_star_is_drift(drift_main, tmp_path):
    lines = SHAPE.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.strip().startswith("- ec2:"))
    kept = [line for i, line in enumerate(lines) if i == first or not line.strip().startswith("- ec2:")]
    kept[first] = "              - ec2:*\n"
    path = tmp_path / "t.yaml"
    path.write_text("".join(kept))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    lines_ = drift_lines(proc)
    assert len(lines_) == 1, lines_
    assert lines_[0].startswith(MANAGER + "added ")
    assert lines_[0].endswith(" actions through Action ec2:* (widened access) (when IamRole=New)")


def test_aws_managed_policy_on_the_manager_role_is_not_proven(drift_main, tmp_path):
    path = variant(tmp_path, "      Path: /\n",
                   "      Path: /\n      ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore]\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        "ManagerRole: not proven: ManagerRole also gets managed policy "
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore, whose content is not in the template; drift cannot "
        "tell what it grants (when IamRole=New)"]
    assert proc.stdout.splitlines()[-1].startswith("not proven: ManagerRole also gets managed policy ")


def test_extra_logs_policy_on_the_manager_role_is_drift(drift_main, tmp_path):
    logs = ("  LogsPolicy:\n    Type: AWS::IAM::RolePolicy\n    Condition: NEEDSROLE\n    Properties:\n"
            "      RoleName: !Ref ManagerRole\n      PolicyName: logs\n      PolicyDocument:\n"
            "        Statement:\n          - Effect: Allow\n            Action: logs:PutLogEvents\n"
            "            Resource: '*'\n")
    path = variant(tmp_path, "  InstanceProfile:\n", logs + "  InstanceProfile:\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        "ManagerRole: ManagerRole also gets LogsPolicy, which is no policy in policies/: adds 1 action "
        "(logs:PutLogEvents) (when IamRole=New)"]


def test_vendor_role_reading_its_own_secret_is_not_the_engine_role(drift_main, tmp_path):
    vendor = ("  VendorRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
              "        Statement:\n          - Effect: Allow\n            Principal: {Service: ec2.amazonaws.com}\n"
              "            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: vendor\n"
              "          PolicyDocument:\n            Statement:\n              - Effect: Allow\n"
              "                Action: secretsmanager:GetSecretValue\n"
              "                Resource: !Sub \"arn:${AWS::Partition}:secretsmanager:${AWS::Region}:"
              "${AWS::AccountId}:secret:vendor/*\"\n")
    path = variant(tmp_path, "  InstanceProfile:\n", vendor + "  InstanceProfile:\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout
    assert drift_lines(proc) == []
    assert any("VendorRole/vendor: not compared: covers no policy in policies/" in line
               for line in proc.stdout.splitlines())
    assert not any("ai-unlimited-engine.json" in line for line in proc.stdout.splitlines())


def test_template_with_only_a_vendor_role_is_nothing_to_compare(drift_main, tmp_path):
    path = tmp_path / "vendor.yaml"
    path.write_text("Resources:\n  VendorRole:\n    Type: AWS::IAM::Role\n    Properties:\n"
                    "      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n"
                    "            Principal: {Service: ec2.amazonaws.com}\n            Action: sts:AssumeRole\n"
                    "      Policies:\n        - PolicyName: vendor\n          PolicyDocument:\n"
                    "            Statement:\n              - Effect: Allow\n"
                    "                Action: secretsmanager:GetSecretValue\n"
                    "                Resource: arn:aws:secretsmanager:us-east-1:111122223333:secret:vendor/*\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 4, proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("nothing to compare: ")


def test_wrong_case_statement_key_is_one_line_at_its_place(drift_main, tmp_path):
    path = variant(tmp_path, FIRST, FIRST.replace("            Action:\n", "            action:\n"))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert drift_lines(proc) == [
        "ManagerPolicy: cannot be evaluated, so it is not compared: statement key 'action' is not an IAM policy key "
        "(IAM keys are case-sensitive: Action); the statement is not evaluated (when IamRole=New)"]
    assert f"{path}:74:13: drift: ManagerPolicy: cannot be evaluated" in proc.stdout


def test_every_service_replaced_by_service_star_is_drift_for_each_service(drift_main, tmp_path):
    """Each Action list keeps one `service:*` per service instead of its actions."""
    out: list[str] = []
    seen: set[str] = set()
    for line in SHAPE.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("- ") and ":" in stripped and " " not in stripped[2:] and stripped[2].isalpha():
            if not (out and out[-1].strip().startswith("- ") and ":" in out[-1]):
                seen = set()  # a new Action list
            service = stripped[2:].split(":")[0]
            if service not in seen:
                seen.add(service)
                out.append(line[: len(line) - len(line.lstrip())] + f"- {service}:*\n")
            continue
        out.append(line)
    path = tmp_path / "t.yaml"
    path.write_text("".join(out))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    widened = sorted(
        (line.split(" (vs ")[0], line.split(" through Action ")[1].split(" ")[0]) for line in drift_lines(proc))
    # ssm:* of the manager policy twice: with Session=true 13 of its actions are expected (session-manager.json)
    assert widened == [("ManagerPolicy", f"{s}:*") for s in
                       ("cloudformation", "ec2", "iam", "route53", "s3", "secretsmanager", "ssm", "ssm")] + [
                      ("SessionManagerPolicies", "ssm:*")]
    assert all(line.endswith(("(widened access) (when IamRole=New)",
                              "(widened access) (when IamRole=New, Session=false)",
                              "(widened access) (when IamRole=New, Session=true)")) for line in drift_lines(proc))
