"""Matching and coverage rules of compare.py, on small documents written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamdocs.access import resource_covers as _covers
from iamdocs.drift.compare import Copy, best_covered, compare_copies
from iamdocs.grants import Grant
from iamdocs.positions import Location

LOC = Location(Path("x.yaml"), 1, 1)


def doc(*actions: str, resource: str = "*", effect: str = "Allow") -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": list(actions), "Resource": resource}]}


def grants(*actions: str) -> set[Grant]:
    return {Grant("Allow", a, "*") for a in actions}


def test_best_covered_prefers_full_coverage_then_smaller_surplus_then_name():
    canon = {"b.json": grants("x:a", "x:b"), "a.json": grants("x:a", "x:b"), "c.json": grants("x:a", "x:b", "x:c")}
    assert best_covered(grants("x:a", "x:b"), canon) == ("a.json", 2, 2)
    # widened far beyond c.json: still compared with it (it covers all of it), not "unrelated"
    assert best_covered(grants("x:a", "x:b", "x:c", *(f"y:{i}" for i in range(50))), canon) == ("c.json", 3, 3)
    # a one-grant policy matches only where its resource matches too
    one = {"e.json": {Grant("Allow", "s:get", "arn:{partition}:s:::mine/*")}}
    assert best_covered({Grant("Allow", "s:get", "arn:{partition}:s:::theirs/*")}, one) is None
    assert best_covered({Grant("Allow", "s:get", "*")}, one) == ("e.json", 1, 1)
    # ... and a covering grant ("*") counts only in a copy that grants nothing of other services: an instance
    # role that also talks to Systems Manager and reads any secret is not the engine role
    assert best_covered({Grant("Allow", "s:get", "*"), Grant("Allow", "ssm:update", "*")}, one) is None
    assert best_covered({Grant("Allow", "s:get", "arn:{partition}:s:::mine/*"), Grant("Allow", "ssm:update", "*")},
                        one) == ("e.json", 1, 1)


@pytest.mark.parametrize(("pattern", "resource", "covered"), [
    ("*", "arn:{partition}:s3:::b/*", True),
    ("arn:{partition}:s3:::b/*", "arn:{partition}:s3:::b/*", True),
    ("arn:{partition}:s3:::b/x", "arn:{partition}:s3:::b/*", False),
    ("arn:{partition}:secretsmanager:{region}:{account}:secret:*",
     "arn:{partition}:secretsmanager:{region}:{account}:secret:compute-engine/*", True),
    ("arn:{partition}:secretsmanager:eu-west-1:{account}:secret:*",
     "arn:{partition}:secretsmanager:{region}:{account}:secret:compute-engine/*", False),
    ("!arn:{partition}:s3:::other", "arn:{partition}:s3:::b/*", True),
    ("!*", "*", False),
])
def test_covers(pattern, resource, covered):
    assert _covers(pattern, resource) is covered


def test_unrelated_document_is_information_not_drift(project, db):
    r = compare_copies(project, [Copy("Logs", doc("logs:PutLogEvents"), LOC)], db, "cloudformation", "x.yaml")
    assert r.items() == [] and r.documents == 0
    assert r.items("info") == [("Logs", "unmatched", "")]


def test_a_deny_statement_is_an_added_grant(project, db):
    copy = doc("secretsmanager:GetSecretValue",
               resource="arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:compute-engine/*")
    copy["Statement"].append({"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"})
    r = compare_copies(project, [Copy("E", copy, LOC, ("ai-unlimited-engine.json",))], db, "cloudformation", "x")
    assert r.items() == [("E", "added", "secretsmanager:GetSecretValue")]
    assert r.differences[-1].message == "added secretsmanager:GetSecretValue (on Deny on *)"


def test_condition_difference_is_a_change(project, db):
    copy = doc("secretsmanager:GetSecretValue",
               resource="arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:compute-engine/*")
    copy["Statement"][0]["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
    r = compare_copies(project, [Copy("E", copy, LOC, ("ai-unlimited-engine.json",))], db, "cloudformation", "x")
    assert r.items() == [("E", "changed", "secretsmanager:GetSecretValue")]


def test_bench_template_is_1000_lines_in_the_product_shape(tmp_path, project, db):
    from iamdocs.bench.drift import template_text
    from iamdocs.drift.sources.cloudformation import check_template

    path = tmp_path / "t.yaml"
    path.write_text(template_text())
    assert len(path.read_text().splitlines()) == 1000
    r = check_template(project, db, path)
    assert r.items() == [("ManagerPolicy", "removed", "cloudformation:CreateStack")]  # left out on purpose
    assert r.documents == 2
    assert "checked every branch: 12 distinct outcome(s) of 16 combination(s) of IamRole, IamRoleName, " \
           "IamPermissionsBoundary, Session" in [d.message for d in r.differences]


BRANCHY = """\
Parameters:
  IamRole: {Type: String, AllowedValues: [New, Existing], Default: New}
  Session: {Type: String, AllowedValues: [true, false], Default: false}
  Name: {Type: String, Default: ""}
  Tier: {Type: String, AllowedValues: [a, b]}
Conditions:
  NeedsRole: !Equals [!Ref IamRole, New]
  Sess: !And [!Condition NeedsRole, !Equals [!Ref Session, "true"]]
  HasName: !Not [!Equals [!Ref Name, ""]]
  TierB: !Equals [!Ref Tier, b]
Resources:
  Role:
    Type: AWS::IAM::Role
    Condition: NeedsRole
    Properties:
      RoleName: !If [HasName, !Ref Name, !Ref AWS::NoValue]
  Policy:
    Type: AWS::IAM::Policy
    Condition: Sess
    Properties: {PolicyDocument: {Statement: []}, Roles: [!Ref Role]}
  Bucket:
    Type: AWS::S3::Bucket
    Condition: TierB
"""


def test_branches_vary_only_what_iam_conditions_read_defaults_first():
    from iamdocs.cfn.parameters import Other, branches
    from iamdocs.cfn.reader import parse_template

    t = parse_template(BRANCHY, Path("t.yaml"))
    br = branches(t)
    assert br.varied == ["IamRole", "Session", "Name"]  # Tier decides only the bucket
    # 8 combinations, 6 outcomes: with IamRole=Existing, Session changes nothing an IAM resource sees
    assert br.total == 8 and br.outcomes == 6 and not br.cut
    assert br.combinations[0] == {"IamRole": "New", "Session": "false", "Name": ""}
    assert [c["Session"] for c in br.combinations] == ["false", "false", "true", "true", "false", "false"]
    assert br.members(4)[0] == [{"IamRole": "Existing", "Session": "false"}, {"IamRole": "Existing", "Session": "true"}]
    other = br.combinations[1]["Name"]
    assert isinstance(other, Other) and other.shown() == "(not empty)"
    fixed = branches(t, {"Session": "true"})
    assert fixed.varied == ["IamRole", "Name"] and fixed.total == 4
    assert all(c["Session"] == "true" for c in fixed.combinations)
    cut = branches(t, limit=3)
    assert cut.cut and len(cut.combinations) == 3 and cut.total == 8
