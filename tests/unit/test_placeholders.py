"""Placeholders: one definition, and any placeholder the catalog declares works end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from iamdocs import placeholders
from iamdocs.cli import main
from iamdocs.grants import document_grants
from iamdocs.iamdb import load
from iamdocs.loader import load_project


def test_find_fill_and_spell() -> None:
    text = "arn:aws:s3:::<BUCKET>/<region>/<CLUSTER_PREFIX>-*"
    assert placeholders.find(text) == ["BUCKET", "CLUSTER_PREFIX"]  # <region> is malformed (E032's)
    assert placeholders.fill({"R": [text]}, {"BUCKET": "b"}) == {"R": ["arn:aws:s3:::b/<region>/<CLUSTER_PREFIX>-*"]}
    assert placeholders.spell("REGION") == "<REGION>"


@pytest.mark.parametrize(("value", "expected"), [
    ("*", "*"),
    ("arn:aws:ssm:<REGION>:<ACCOUNT_ID>:x", {"Fn::Sub": "arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:x"}),
    ("arn:<PARTITION>:s3:::<CLUSTER_PREFIX>-*", {"Fn::Sub": "arn:${AWS::Partition}:s3:::${ClusterPrefix}-*"}),
    ("arn:aws:s3:::<BUCKET>/${aws:username}/*", {"Fn::Sub": "arn:aws:s3:::${Bucket}/${!aws:username}/*"}),
])
def test_cloudformation_spelling(value: str, expected: object) -> None:
    assert placeholders.to_cfn(value) == expected


@pytest.mark.parametrize("spelling", [
    "arn:aws:ssm:<REGION>:<ACCOUNT_ID>:session/<CLUSTER_PREFIX>-*",
    "arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:session/<CLUSTER_PREFIX>-*",
    "arn:aws:ssm:eu-west-1:111122223333:session/ai-unlimited-*",
    "arn:<PARTITION>:ssm:<REGION>:<ACCOUNT_ID>:session/<CLUSTER_PREFIX>-*",
])
def test_every_spelling_normalises_alike(spelling: str) -> None:
    values = {"REGION": "eu-west-1", "ACCOUNT_ID": "111122223333", "CLUSTER_PREFIX": "ai-unlimited"}
    expected = "arn:{partition}:ssm:{region}:{account}:session/{cluster_prefix}-*"
    assert placeholders.normalize(spelling, values) == expected


def test_glob() -> None:
    assert placeholders.as_glob("arn:aws:s3:::<BUCKET>/${aws:username}/x") == "arn:aws:s3:::*/*/x"


# A new placeholder, end to end -----------------------------------------------------------------------

NEW = "arn:<PARTITION>:ssm:<REGION>:<ACCOUNT_ID>:session/<CLUSTER_PREFIX>-*"


@pytest.fixture
def project_with_new_placeholder(root: Path, tmp_path: Path) -> Path:
    shutil.copytree(root / "policies", tmp_path / "policies")
    catalog_path = tmp_path / "policies" / "catalog.yaml"
    catalog = yaml.safe_load(catalog_path.read_text())
    catalog["placeholders"]["CLUSTER_PREFIX"] = {
        "description": "The prefix of the engine clusters' names.", "example": "ai-unlimited",
        "pattern": "^[a-z][a-z0-9-]{0,20}$"}
    catalog["policies"]["session-manager.json"]["placeholders"] = ["PARTITION", "REGION", "ACCOUNT_ID",
                                                                   "CLUSTER_PREFIX"]
    catalog_path.write_text(yaml.safe_dump(catalog, sort_keys=False))
    policy_path = tmp_path / "policies" / "session-manager.json"
    doc = json.loads(policy_path.read_text())
    for st in doc["Statement"]:
        if st["Sid"] == "SessionManagerChannels":
            st["Resource"] = NEW
    policy_path.write_text(json.dumps(doc, indent=2) + "\n")
    return tmp_path


def test_a_new_placeholder_validates(project_with_new_placeholder: Path, capsys) -> None:
    assert main(["validate", "--format", "json", "--project", str(project_with_new_placeholder)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    assert not any(f["rule"] in ("E030", "W031", "E032", "E033") for f in report["findings"])


def test_a_new_placeholder_becomes_a_template_parameter(project_with_new_placeholder: Path, capsys) -> None:
    assert main(["template", "--project", str(project_with_new_placeholder)]) == 0
    template = yaml.safe_load(capsys.readouterr().out)
    assert template["Parameters"]["ClusterPrefix"] == {
        "Type": "String", "Default": "ai-unlimited", "AllowedPattern": "^[a-z][a-z0-9-]{0,20}$",
        "Description": "The prefix of the engine clusters' names. (the policies' <CLUSTER_PREFIX>)"}
    session = template["Resources"]["SessionManagerPolicies"]["Properties"]["PolicyDocument"]
    channels = next(st for st in session["Statement"] if st["Sid"] == "SessionManagerChannels")
    sub = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:session/${ClusterPrefix}-*"
    assert channels["Resource"] == {"Fn::Sub": sub}


def test_the_template_with_a_new_placeholder_has_no_drift(project_with_new_placeholder: Path, tmp_path: Path,
                                                          capsys) -> None:
    out = tmp_path / "t.yaml"
    assert main(["template", "--project", str(project_with_new_placeholder), "-o", str(out)]) == 0
    assert main(["drift", "--project", str(project_with_new_placeholder), "--cloudformation", str(out)]) == 0
    assert "no drift: 2 policy documents checked" in capsys.readouterr().out


def test_a_new_placeholder_fills_and_compares(project_with_new_placeholder: Path) -> None:
    project = load_project(project_with_new_placeholder)
    doc = project.policy("session-manager.json").document
    values = placeholders.values_with_examples(project.catalog, {"REGION": "eu-west-1", "ACCOUNT_ID": "111122223333"})
    filled = placeholders.fill(doc, values)
    channels = next(st for st in filled["Statement"] if st["Sid"] == "SessionManagerChannels")
    assert channels["Resource"] == "arn:aws:ssm:eu-west-1:111122223333:session/ai-unlimited-*"
    db = load()
    assert document_grants(filled, db, values) == document_grants(doc, db)


def test_a_new_placeholder_reaches_the_fill_in_form(project_with_new_placeholder: Path) -> None:
    from iamdocs.guide.generated import page_data

    data = page_data(load_project(project_with_new_placeholder), ["eu-west-1"])
    # the catalog's placeholders, then the form's own optional boundary policy name
    assert [f["name"] for f in data["fields"]] == ["REGION", "ACCOUNT_ID", "CLUSTER_PREFIX", "BOUNDARY_POLICY_NAME"]
    assert "policies/session-manager.json" in data["sources"]
