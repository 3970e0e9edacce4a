"""The real-account checks (SimulatePrincipalPolicy), against a fake IAM client: no account is reachable here."""

from __future__ import annotations

from typing import Any

import pytest

from iamdocs.aws import Connection
from iamdocs.iamdb import load as load_iamdb
from iamdocs.placeholders import fill
from iamdocs.sandbox.naming import Naming
from iamdocs.sandbox.report import Report
from iamdocs.sandbox.run import ExpectedRole, Run
from iamdocs.sandbox.target import Target
from iamdocs.sandbox.verify import simulate_role

pytestmark = pytest.mark.sandbox

SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:compute-engine/iamdocs-sim"


class FakeIAM:
    """Answers SimulatePrincipalPolicy: allows `allowed`, denies everything else; records the requests."""

    def __init__(self, allowed: set[str]) -> None:
        self.allowed = allowed
        self.requests: list[tuple[list[str], list[str]]] = []

    def simulate_principal_policy(self, PolicySourceArn: str, ActionNames: list[str],
                                  ResourceArns: list[str]) -> dict[str, Any]:
        self.requests.append((ActionNames, ResourceArns))
        return {"EvaluationResults": [
            {"EvalActionName": a, "EvalDecision": "allowed" if a in self.allowed else "implicitDeny"}
            for a in ActionNames]}


class FakeTarget(Target):
    def client(self, service: str) -> Any:
        return self.connection._clients["iam"]


def _run(project, iam: FakeIAM) -> tuple[Run, ExpectedRole]:
    target = FakeTarget(kind="aws", account="111122223333", partition="aws",
                        caller_arn="arn:aws:iam::111122223333:user/release",
                        connection=Connection(session=None, region="eu-west-1"))  # type: ignore[arg-type]
    target.connection._clients["iam"] = iam
    r = Run(target=target, project=project, naming=Naming("0123abcd"), db=load_iamdb(), report=Report("0123abcd"),
            progress=lambda _: None)
    doc = fill(project.policy("ai-unlimited-engine.json").document, target.values)
    role = ExpectedRole("iamdocs-sbx-0123abcd-engine-b-engine", "option engine-b, engine role", {},
                        inline={"ai-unlimited-engine": ("policies/ai-unlimited-engine.json", doc)})
    return r, role


def test_documented_action_allowed_and_sample_denied(project):
    iam = FakeIAM({"secretsmanager:GetSecretValue"})
    r, role = _run(project, iam)
    simulate_role(r, role, "arn:aws:iam::111122223333:role/iamdocs-sbx-0123abcd-engine-b-engine")
    assert iam.requests[0] == (["secretsmanager:GetSecretValue"], [SECRET])
    sample, resources = iam.requests[1]
    assert resources == ["*"] and 0 < len(sample) <= 20
    assert "secretsmanager:GetSecretValue" not in sample
    assert all(a.startswith("secretsmanager:") for a in sample)
    assert [(c.id, c.status) for c in r.report.checks] == [("simulate-documented-allowed", "passed"),
                                                           ("simulate-undocumented-denied", "passed")]


def test_a_documented_action_the_simulator_denies_fails_the_check(project):
    iam = FakeIAM(set())
    r, role = _run(project, iam)
    simulate_role(r, role, "arn:aws:iam::111122223333:role/x")
    first = r.report.checks[0]
    assert (first.id, first.status) == ("simulate-documented-allowed", "failed")
    assert first.removed_actions == ["secretsmanager:GetSecretValue (implicitDeny)"]
    assert first.detail == "0 of 1 documented actions allowed"
