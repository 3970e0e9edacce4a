"""The test oracle itself, on requests whose answers follow from the IAM evaluation rules by hand.

Before other tests trust iam-simulate's answers, these show that the harness hands it the
policies in the right places (identity, each SCP level, boundary, resource policy, context)
and reads its answers back in order.
"""

from __future__ import annotations

import pytest
from oracle.iam_simulate import ALLOWED, DENIED, IMPLICIT, decide_batch

ACCOUNT = "111122223333"
INSTANCE = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ai-unlimited-engine"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-1"


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: object) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: object) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


FULL_ACCESS = doc(allow("*"))
REGION_GUARD = doc(allow("*"), {"Sid": "DenyOutsideEU", "Effect": "Deny",
                                "NotAction": ["iam:*", "sts:*", "organizations:*"], "Resource": "*",
                                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}})
RUN = allow(["ec2:RunInstances", "iam:CreateRole"])

CASES = [
    # (what, request, expected)
    ("an identity Allow and no organisation", {"identity": [doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))],
     "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}, ALLOWED),
    ("no Allow at all", {"identity": [], "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}, IMPLICIT),
    ("an Allow elsewhere", {"identity": [doc(allow("s3:GetObject", "arn:aws:s3:::other/*"))],
     "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}, IMPLICIT),
    ("a Deny beside the Allow", {"identity": [doc(allow("s3:*")), doc(deny("s3:GetObject", "arn:aws:s3:::b/*"))],
     "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}, DENIED),
    ("the Region guard outside its Region", {"identity": [doc(RUN)], "scps": [[REGION_GUARD]],
     "action": "ec2:RunInstances", "resource": INSTANCE, "context": {"aws:RequestedRegion": "us-east-1"}}, DENIED),
    ("the Region guard inside its Region", {"identity": [doc(RUN)], "scps": [[REGION_GUARD]],
     "action": "ec2:RunInstances", "resource": INSTANCE, "context": {"aws:RequestedRegion": "eu-west-1"}}, ALLOWED),
    ("the Region guard's NotAction spares IAM", {"identity": [doc(RUN)], "scps": [[REGION_GUARD]],
     "action": "iam:CreateRole", "resource": ROLE, "context": {"aws:RequestedRegion": "us-east-1"}}, ALLOWED),
    ("two SCP levels, the OU allows only S3", {"identity": [doc(RUN)],
     "scps": [[FULL_ACCESS], [doc(allow("s3:*"))]], "action": "ec2:RunInstances", "resource": INSTANCE}, IMPLICIT),
    ("two SCP levels that both allow", {"identity": [doc(RUN)],
     "scps": [[FULL_ACCESS], [doc(allow("ec2:*"))]], "action": "ec2:RunInstances", "resource": INSTANCE}, ALLOWED),
    ("an SCP never grants by itself", {"identity": [], "scps": [[FULL_ACCESS]],
     "action": "ec2:RunInstances", "resource": INSTANCE}, IMPLICIT),
    ("a boundary without iam:*", {"identity": [doc(RUN)], "boundary": doc(allow("ec2:*")),
     "action": "iam:CreateRole", "resource": ROLE}, IMPLICIT),
    ("a boundary that allows", {"identity": [doc(RUN)], "boundary": doc(allow(["ec2:*", "iam:*"])),
     "action": "iam:CreateRole", "resource": ROLE}, ALLOWED),
    ("a tag required on create, tag given", {"identity": [doc(allow("ec2:CreateVolume", Condition={
        "StringEquals": {"aws:RequestTag/owner": "data"}}))], "action": "ec2:CreateVolume",
     "resource": VOLUME, "context": {"aws:RequestTag/owner": "data"}}, ALLOWED),
    ("a tag required on create, tag missing", {"identity": [doc(allow("ec2:CreateVolume", Condition={
        "StringEquals": {"aws:RequestTag/owner": "data"}}))], "action": "ec2:CreateVolume",
     "resource": f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-1"}, IMPLICIT),
    ("...IfExists holds when the key is absent", {"identity": [doc(allow("s3:GetObject", Condition={
        "StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}))], "action": "s3:GetObject",
     "resource": "arn:aws:s3:::b/k"}, ALLOWED),
    ("ForAllValues holds on an absent key", {"identity": [doc(allow("ec2:CreateTags", Condition={
        "ForAllValues:StringEquals": {"aws:TagKeys": ["owner"]}}))], "action": "ec2:CreateTags",
     "resource": INSTANCE}, ALLOWED),
    ("ForAnyValue fails on an absent key", {"identity": [doc(allow("ec2:CreateTags", Condition={
        "ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}}))], "action": "ec2:CreateTags",
     "resource": INSTANCE}, IMPLICIT),
    ("ForAllValues with a key outside the list", {"identity": [doc(allow("ec2:CreateTags", Condition={
        "ForAllValues:StringEquals": {"aws:TagKeys": ["owner"]}}))], "action": "ec2:CreateTags",
     "resource": INSTANCE, "context": {"aws:TagKeys": ["owner", "cost"]}}, IMPLICIT),
    ("Null true matches an absent key", {"identity": [doc(allow("s3:GetObject", Condition={
        "Null": {"aws:SourceVpc": "true"}}))], "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}, ALLOWED),
    ("a policy variable in Resource", {"identity": [doc(allow("s3:GetObject",
                                                                "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"))],
     "action": "s3:GetObject", "resource": "arn:aws:s3:::b/data/k", "context": {"aws:PrincipalTag/team": "data"}},
     ALLOWED),
    ("a policy variable for another team", {"identity": [doc(allow("s3:GetObject",
                                                                  "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"))],
     "action": "s3:GetObject", "resource": "arn:aws:s3:::b/web/k", "context": {"aws:PrincipalTag/team": "data"}},
     IMPLICIT),
    ("an RCP Deny on the resource side", {"identity": [doc(allow("s3:GetObject"))], "rcps": [[doc(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}})]],
     "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "context": {"aws:SecureTransport": "false"}}, DENIED),
]


@pytest.fixture(scope="module")
def answers() -> list[str]:
    return decide_batch([request for _, request, _ in CASES])


@pytest.mark.parametrize("index", range(len(CASES)), ids=[what for what, _, _ in CASES])
def test_hand_written_case(answers: list[str], index: int) -> None:
    assert answers[index] == CASES[index][2]


def test_refusals_are_errors_not_answers() -> None:
    out = decide_batch([
        {"identity": [doc(allow("*"))], "action": "nosuchservice:Get", "resource": "*"},
        {"identity": [doc({"Effect": "Maybe", "Action": "*", "Resource": "*"})], "action": "s3:GetObject",
         "resource": "arn:aws:s3:::b/k"},
    ])
    assert all(a.startswith("error: ") for a in out), out


def test_a_context_key_the_action_cannot_have() -> None:
    request = {"identity": [doc(allow("s3:GetObject", Condition={"StringEquals": {"ec2:InstanceType": "t3.micro"}}))],
               "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "context": {"ec2:InstanceType": "t3.micro"}}
    assert decide_batch([request]) == ["error: context keys this action and resource cannot have: ec2:InstanceType"]
    # Dropped, as AWS never sends it: the condition's key is absent, so the Allow does not apply.
    assert decide_batch([request], strict_context=False) == [IMPLICIT]


def test_one_process_answers_a_large_batch_in_order() -> None:
    requests = [{"identity": [doc(allow("s3:GetObject", f"arn:aws:s3:::b/{i % 3}/*"))], "action": "s3:GetObject",
                 "resource": f"arn:aws:s3:::b/{i % 2}/k"} for i in range(1200)]
    expected = [ALLOWED if i % 3 == i % 2 else IMPLICIT for i in range(1200)]
    assert decide_batch(requests) == expected
    assert decide_batch([]) == []
