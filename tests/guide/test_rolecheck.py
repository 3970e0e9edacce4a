"""The browser role check's Python side against the shared cases, and the data it ships to the browser."""

from __future__ import annotations

import json

import pytest
from rolecheck_cases import COMBINATIONS, combination_cases, load_cases, outcome, paste_text

from iamdocs import iamdb
from iamdocs.drift.sources.paste import browser_data, catalog_services, check

CASES = load_cases()


def test_the_shared_cases_cover_what_the_issue_asks():
    names = " ".join(c["name"] for c in CASES).lower()
    assert len(CASES) >= 25
    for word in ("wildcard", "notaction", "deny", "attached twice", "not json", "hostile"):
        assert word in names, word


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_case_in_python(case, project):
    result = check(project, iamdb.load(), paste_text(case, project), case["role"], case["option"], case["as"],
                   case["region"])
    assert outcome(result, case["expect"]) == case["expect"]


def test_the_browser_gets_only_the_services_the_policies_use(project):
    data = browser_data(project, iamdb.load())
    assert sorted(data["services"]) == ["cloudformation", "ec2", "ec2messages", "iam", "route53", "s3",
                                        "secretsmanager", "ssm", "ssmmessages"]
    assert data["services"]["ec2messages"] == ["AcknowledgeMessage", "DeleteMessage", "FailMessage", "GetEndpoint",
                                               "GetMessages", "SendReply"]
    assert len(json.dumps(data)) < 100_000  # not the whole IAM database (13 MB)
    engine = data["policies"]["ai-unlimited-engine.json"]
    assert engine == [["secretsmanager:getsecretvalue", "secretsmanager:GetSecretValue", "Allow",
                       "arn:{partition}:secretsmanager:{region}:{account}:secret:compute-engine/*", ""]]
    assert data["options"]["engine-b"]["roles"]["engine"]["policies"] == ["ai-unlimited-engine.json"]


def test_catalog_services_of_the_mini_project(mini):
    assert catalog_services(mini) == ["ec2", "s3", "secretsmanager"]


def test_the_hand_written_combinations_are_the_catalogs(project):
    """A combination the catalog adds (or loses) must get (or lose) its hand-written paste."""
    assert [c.id for c in project.catalog.combinations()] == list(COMBINATIONS)
    assert {c.id: list(c.roles) for c in project.catalog.combinations()} == {
        k: list(v) for k, v in COMBINATIONS.items()}


@pytest.mark.parametrize("case", combination_cases(), ids=lambda c: c["name"])
def test_a_role_made_for_each_combination_passes_its_check(case, project):
    result = check(project, iamdb.load(), paste_text(case, project), case["role"], case["option"], case["as"],
                   case["region"])
    assert result == case["expect"]
