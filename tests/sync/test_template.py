"""The generated template: every permissions boundary IAM accepts, and the product's logical IDs."""

from __future__ import annotations

import re

import pytest

from iamdocs.cfn.template import PARAMETERS, manager_template
from iamdocs.cli import main

PATTERN = PARAMETERS["IamPermissionsBoundary"]["AllowedPattern"]


def accepted(value: str) -> bool:
    # CloudFormation matches AllowedPattern against the whole value, with Java's ASCII \w.
    return re.fullmatch(PATTERN, value, re.ASCII) is not None


@pytest.mark.parametrize("arn", [
    "",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    "arn:aws:iam::aws:policy/service-role/AmazonSSMAutomationRole",
    "arn:aws:iam::123456789012:policy/ai-unlimited-boundary",
    "arn:aws:iam::123456789012:policy/org/guardrails/ai-unlimited-boundary",
    "arn:aws-cn:iam::aws:policy/PowerUserAccess",
    "arn:aws-us-gov:iam::123456789012:policy/Boundary+v2=ok,yes.@_-",
    "arn:aws-iso-b:iam::123456789012:policy/Boundary",
    "arn:aws-eusc:iam::aws:policy/PowerUserAccess",
])
def test_boundary_pattern_accepts_every_managed_policy(arn):
    assert accepted(arn)


@pytest.mark.parametrize("arn", [
    "PowerUserAccess",
    "arn:aws:iam::aws:role/PowerUserAccess",
    "arn:aws:iam::12345678901:policy/Boundary",
    "arn:aws:iam::aws:policy/",
    "arn:aws:iam::123456789012:policy/a b",
    "arn:aws:iam::123456789012:policy/path/",
    "arn:aws:s3:::bucket",
    " arn:aws:iam::aws:policy/PowerUserAccess",
])
def test_boundary_pattern_rejects_what_is_not_a_managed_policy(arn):
    assert not accepted(arn)


def test_logical_ids_are_the_products(project):
    t = manager_template(project)
    assert list(t["Conditions"]) == ["NEEDSROLE", "USESESSIONMANAGER", "NEEDSROLEANDSESSIONMANAGER",
                                     "HASIAMPERMISSIONSBOUNDARY", "HASIAMROLENAME", "USEEXISTINGROLE"]
    resources = {k: (r["Type"], r.get("Condition")) for k, r in t["Resources"].items()}
    assert resources == {
        "AiUnlimitedRole": ("AWS::IAM::Role", "NEEDSROLE"),
        "AiUnlimitedRolePolicies": ("AWS::IAM::Policy", "NEEDSROLE"),
        "SessionManagerPolicies": ("AWS::IAM::Policy", "NEEDSROLEANDSESSIONMANAGER"),
        "AiUnlimitedInstanceProfile": ("AWS::IAM::InstanceProfile", None),
    }
    for pid in ("AiUnlimitedRolePolicies", "SessionManagerPolicies"):
        assert t["Resources"][pid]["Properties"]["Roles"] == [{"Ref": "AiUnlimitedRole"}]
    assert t["Resources"]["AiUnlimitedRole"]["Properties"]["Path"] == "/"
    assert t["Conditions"]["USESESSIONMANAGER"] == {"Fn::Equals": [{"Ref": "Session"}, "true"]}
    assert list(PARAMETERS) == ["IamRole", "IamRoleName", "IamPermissionsBoundary", "Session"]
    assert PARAMETERS["IamRole"]["AllowedValues"] == ["New", "Existing"]
    assert PARAMETERS["Session"]["AllowedValues"] == ["true", "false"]


def test_generated_template_is_in_sync(project, tmp_path, capsys):
    path = tmp_path / "ai-unlimited-iam.yaml"
    assert main(["template", "-o", str(path)]) == 0
    assert main(["sync", "--check", "--cloudformation", str(path)]) == 0
    assert capsys.readouterr().out == ""
