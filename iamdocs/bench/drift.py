"""Drift, every branch, on a 1,000-line template in the product's shape, beside cfn-lint on the same file.

Both run as fresh processes in the same run, so the ratio holds on whatever
machine runs it: the drift check, roles compared as a whole under every distinct
outcome, should cost at most a fifth of what linting the template costs (target
0.2x). A second template adds six IAM-relevant parameters of four values each
(4,096 more combinations, fed to three conditions), to show that drift's cost
follows the outcomes the IAM resources see, not the product of the values.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from iamdocs.bench import Row, measure
from iamdocs.loader import load_sound_project

TITLE = "drift: a 1,000-line template in the product's shape, every branch, beside cfn-lint"
TARGET_LINES = 1000
TARGET_RATIO = 0.2
SIX = 6  # IAM-relevant parameters of four values in the second template
CFN_LINT_CODES = tuple(range(0, 16, 2))  # cfn-lint's exit code is a bit set of error/warning/informational


def template_text(lines: int = TARGET_LINES, six: bool = False) -> str:
    """The product's template shape: parameters with YAML-boolean AllowedValues, Rules, conditions, the manager
    policy as a RolePolicy (one action missing, so there is drift to report), the Session Manager policy behind
    a condition, then security-group rules until the template has `lines` lines. With `six`, six parameters of
    four values feed three conditions, each of which decides one action of the manager policy."""

    project = load_sound_project()
    docs = {f.name: f.document for f in project.files}

    def actions(name: str) -> list[str]:
        return [a for st in docs[name]["Statement"] for a in (st["Action"] if isinstance(st["Action"], list)
                                                                 else [st["Action"]])]

    out = ['AWSTemplateFormatVersion: "2010-09-09"', "Description: drift benchmark in the product's shape",
           "Parameters:",
           "  Vpc: {Type: 'AWS::EC2::VPC::Id'}", "  Subnet: {Type: 'AWS::EC2::Subnet::Id'}",
           "  InstanceType: {Type: String, AllowedValues: [t3.small, t3.medium, t3.large], Default: t3.small}",
           "  IamRole: {Type: String, AllowedValues: [New, Existing], Default: New}",
           "  IamRoleName: {Type: String, Default: ''}", "  IamPermissionsBoundary: {Type: String, Default: ''}",
           "  Session: {Type: String, AllowedValues: [true, false], Default: false}",
           *([f"  Tier{i}: {{Type: String, AllowedValues: [a, b, c, d], Default: a}}" for i in range(SIX)]
             if six else []),
           "Rules:", "  SubnetInVpc:", "    Assertions:",
           "      - Assert: !EachMemberEquals [!ValueOfAll ['AWS::EC2::Subnet::Id', VpcId], !Ref Vpc]",
           "Conditions:", "  NEEDSROLE: !Equals [!Ref IamRole, New]",
           "  USESESSIONMANAGER: !Equals [!Ref Session, 'true']",
           "  NEEDSROLEANDSESSIONMANAGER: !And [!Condition NEEDSROLE, !Condition USESESSIONMANAGER]",
           "  HASIAMPERMISSIONSBOUNDARY: !Not [!Equals [!Ref IamPermissionsBoundary, '']]",
           "  HASIAMROLENAME: !Not [!Equals [!Ref IamRoleName, '']]",
           *([f"  TIER{i}: !Or [!Equals [!Ref Tier{2 * i}, a], !Equals [!Ref Tier{2 * i + 1}, b]]"
              for i in range(SIX // 2)] if six else []),
           "Resources:", "  ManagerRole:", "    Type: AWS::IAM::Role", "    Condition: NEEDSROLE", "    Properties:",
           "      Path: /", "      RoleName: !If [HASIAMROLENAME, !Ref IamRoleName, !Ref AWS::NoValue]",
           "      PermissionsBoundary: !If [HASIAMPERMISSIONSBOUNDARY, !Ref IamPermissionsBoundary, "
           "!Ref AWS::NoValue]",
           "      AssumeRolePolicyDocument:", '        Version: "2012-10-17"', "        Statement:",
           "          - Effect: Allow", "            Principal: {Service: [ec2.amazonaws.com]}",
           "            Action: ['sts:AssumeRole']",
           "  ManagerPolicy:", "    Type: AWS::IAM::RolePolicy", "    Condition: NEEDSROLE", "    Properties:",
           "      RoleName: !Ref ManagerRole", "      PolicyName: !Sub 'ai-unlimited-deploy-${AWS::StackName}'",
           "      PolicyDocument:", '        Version: "2012-10-17"', "        Statement:",
           "          - Effect: Allow", "            Resource: '*'", "            Action:",
           *[f"              - {a}" for a in actions("ai-unlimited-workspaces.json")[1:]],
           *([f"              - !If [TIER{i}, ec2:DescribeVpcs, !Ref AWS::NoValue]" for i in range(SIX // 2)]
             if six else []),
           "  SessionManagerPolicies:", "    Type: AWS::IAM::Policy", "    Condition: NEEDSROLEANDSESSIONMANAGER",
           "    Properties:", "      PolicyName: !Sub 'ai-unlimited-session-${AWS::StackName}'",
           "      Roles: [!Ref ManagerRole]", "      PolicyDocument:", '        Version: "2012-10-17"',
           "        Statement:", "          - Effect: Allow", "            Resource: '*'", "            Action:",
           *[f"              - {a}" for a in actions("session-manager.json")],
           "  InstanceProfile:", "    Type: AWS::IAM::InstanceProfile", "    Properties:",
           "      Roles: [!If [NEEDSROLE, !Ref ManagerRole, !Ref IamRoleName]]",
           "  SecurityGroup:", "    Type: AWS::EC2::SecurityGroup", "    Properties:",
           "      GroupDescription: manager", "      VpcId: !Ref Vpc"]
    outputs = ["Outputs:", "  RoleArn:", "    Condition: NEEDSROLE", "    Value: !GetAtt ManagerRole.Arn"]
    i = 0
    while len(out) + len(outputs) + 8 <= lines:
        out += [f"  Ingress{i}:", "    Type: AWS::EC2::SecurityGroupIngress", "    Properties:",
                "      GroupId: !Ref SecurityGroup", "      IpProtocol: tcp", f"      FromPort: {1024 + i}",
                f"      ToPort: {1024 + i}", f"      CidrIp: 10.0.{i % 256}.0/24"]
        i += 1
    out += outputs
    out += [f"# padding {n}" for n in range(lines - len(out))]
    return "\n".join(out) + "\n"


def run(quick: bool) -> list[Row]:
    repeat = 3 if quick else 7
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.yaml"
        path.write_text(template_text(), encoding="utf-8")
        n = len(path.read_text().splitlines())
        drift = [sys.executable, "-m", "iamdocs", "drift", "--cloudformation", str(path)]
        wall, rss = measure(drift, repeat=repeat, ok_codes=(1,))  # one action is missing on purpose
        lint = [str(Path(sys.executable).parent / "cfn-lint"), str(path)]
        lint_wall, lint_rss = measure(lint, repeat=repeat, ok_codes=CFN_LINT_CODES)
        six = Path(tmp) / "six.yaml"
        six.write_text(template_text(six=True), encoding="utf-8")
        six_wall, six_rss = measure([sys.executable, "-m", "iamdocs", "drift", "--cloudformation", str(six)],
                                    repeat=repeat, ok_codes=(1,))
    return [
        Row("template lines", f"{n:,}"),
        Row("iamdocs drift, every branch: wall time, fresh process (median)", f"{wall:.2f} s"),
        Row("iamdocs drift: peak RSS", f"{rss:.0f} MB"),
        Row("cfn-lint on the same file: wall time (median)", f"{lint_wall:.2f} s"),
        Row("cfn-lint: peak RSS", f"{lint_rss:.0f} MB"),
        Row("drift / cfn-lint wall time", f"{wall / lint_wall:.2f}x", f"<= {TARGET_RATIO}x"),
        Row(f"with {SIX} more parameters of 4 values (65,536 combinations, 96 outcomes): drift wall time",
            f"{six_wall:.2f} s ({six_wall / lint_wall:.2f}x cfn-lint)", f"<= {TARGET_RATIO}x"),
        Row(f"with {SIX} more parameters: drift peak RSS", f"{six_rss:.0f} MB"),
    ]
