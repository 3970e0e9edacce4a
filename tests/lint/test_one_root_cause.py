"""One root cause, one finding: a misspelled action is E021's alone, not also E050's and E060's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from iamdocs.cli import main

MANAGER = "policies/ai-unlimited-workspaces.json"


def project_copy(root: Path, tmp_path: Path) -> Path:
    shutil.copytree(root / "policies", tmp_path / "policies")
    return tmp_path


def errors(project: Path, capsys) -> list[tuple[str, str]]:
    main(["validate", "--format", "json", "--project", str(project)])
    report = json.loads(capsys.readouterr().out)
    return [(f["rule"], f["message"]) for f in report["findings"] if f["severity"] == "error"]


def test_a_misspelled_action_is_one_finding(root: Path, tmp_path: Path, capsys) -> None:
    project = project_copy(root, tmp_path)
    path = project / MANAGER
    path.write_text(path.read_text().replace('"ec2:RunInstances"', '"ec2:RunInstance"'))
    assert errors(project, capsys) == [("E021", 'unknown action "ec2:RunInstance" (did you mean "ec2:RunInstances"?)')]


def test_a_misspelled_action_in_the_history_is_shown_as_written(root: Path, tmp_path: Path, capsys) -> None:
    project = project_copy(root, tmp_path)
    catalog_path = project / "policies" / "catalog.yaml"
    catalog = yaml.safe_load(catalog_path.read_text())
    change = {"policies": ["session-manager.json"], "added": ["ssm:DescribeInstanceINFO"]}
    catalog["history"].append({"date": "2099-01-01", "summary": "A typo.", "changes": [change]})
    catalog_path.write_text(yaml.safe_dump(catalog, sort_keys=False))
    found = errors(project, capsys)
    assert found == [("E060", "history does not replay to session-manager.json: the history adds "
                              "ssm:DescribeInstanceINFO that the file does not allow; add a dated entry for a change, "
                              "or correct the history where it is wrong")]


def test_a_malformed_arn_is_e033_alone(tmp_path: Path, capsys) -> None:
    """A Region that does not exist makes the ARN malformed; it is not also a resource mismatch (E023/W023)."""
    policy = tmp_path / "bad-region.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:DescribeInstances",
         "Resource": "arn:aws:ec2:zz-nowhere-9:123456789012:instance/*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:ec2:us-east-1:123456789012:instance/*"},
    ]}, indent=2) + "\n")
    main(["validate", "--format", "json", str(policy)])
    report = json.loads(capsys.readouterr().out)
    found = sorted((f["rule"], f["line"]) for f in report["findings"] if f["rule"] in ("E023", "W023", "E033"))
    # line 7: the malformed ARN, E033 only; line 12: a well-formed ARN of another service, E023
    assert found == [("E023", 12), ("E033", 7)]
