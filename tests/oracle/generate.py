"""Random IAM requests for the differential tests: identity policies, SCP levels, boundaries and RCPs
whose statements use every condition operator (with ...IfExists, ForAllValues:, ForAnyValue:, Null),
policy variables, wildcards, NotAction and NotResource, decided against request contexts drawn from
the same small pools of values, so that conditions hold about as often as they fail.

The requests are in the oracle's shape (tests/oracle/iam_simulate.py); `python_side` turns one into
iamdocs' own Request and Policies. Only actions, resources and keys the oracle accepts are drawn:
each context key is one the action can carry (the global keys, or one the Service Authorization
Reference lists for it), multivalued keys get lists.
"""

from __future__ import annotations

import random
from typing import Any

from iamdocs.access import Layer, Origin, Policies, Request, compile_statement
from iamdocs.conditions import context

ACCOUNT = "111122223333"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/ai-unlimited-manager"

# (action, resource, keys only this action carries besides the global ones)
TARGETS: list[tuple[str, str, tuple[str, ...]]] = [
    ("s3:GetObject", "arn:aws:s3:::bucket-a/data/key1", ()),
    ("s3:GetObject", "arn:aws:s3:::bucket-b/web/key2", ()),
    ("s3:PutObject", "arn:aws:s3:::bucket-a/data/key1", ()),
    ("s3:CreateBucket", "arn:aws:s3:::bucket-a", ()),
    ("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0",
     ("aws:RequestTag/owner", "aws:TagKeys", "ec2:InstanceType")),
    ("ec2:TerminateInstances", f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0fedcba987654321f", ()),
    ("ec2:CreateVpc", f"arn:aws:ec2:eu-west-1:{ACCOUNT}:vpc/vpc-0a1b2c3d", ("aws:RequestTag/owner", "aws:TagKeys")),
    ("ec2:DescribeInstances", "*", ()),
    ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/engine-c1", ("aws:RequestTag/owner", "aws:TagKeys")),
    ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/engine-c1", ("iam:PassedToService",)),
    ("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/admin/Admin", ()),
    ("secretsmanager:GetSecretValue",
     f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:compute-engine/c1/password-AbCdEf", ()),
    ("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/ai-unlimited/c1", ()),
    ("cloudformation:CreateStack",
     f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/engine-c1/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab", ()),
    ("route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z0123456789", ()),
    ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs", ()),
]

MULTI = {"aws:tagkeys", "aws:calledvia", "aws:principalorgpaths"}

# key -> values a request may carry (lists for multivalued keys)
POOLS: dict[str, list[Any]] = {
    "aws:RequestedRegion": ["us-east-1", "eu-west-1", "ap-southeast-2"],
    "aws:PrincipalTag/team": ["data", "web", "Data"],
    "aws:PrincipalArn": [PRINCIPAL, f"arn:aws:iam::{ACCOUNT}:role/admin/Admin", "arn:aws:iam::999988887777:role/x"],
    "aws:PrincipalAccount": [ACCOUNT, "999988887777"],
    "aws:SourceIp": ["203.0.113.7", "198.51.100.20", "2001:db8::1"],
    "aws:SecureTransport": ["true", "false"],
    "aws:MultiFactorAuthPresent": ["true", "false"],
    "aws:MultiFactorAuthAge": ["30", "3600", "86400"],
    "aws:CurrentTime": ["2026-01-15T12:00:00Z", "2027-06-01T00:00:00Z"],
    "aws:EpochTime": ["1768478400", "1800000000"],
    "aws:username": ["alice", "bob"],
    "aws:PrincipalOrgID": ["o-abc123", "o-zzz999"],
    "aws:CalledVia": [["cloudformation.amazonaws.com"], ["cloudformation.amazonaws.com", "athena.amazonaws.com"], []],
    "aws:PrincipalOrgPaths": [["o-abc123/r-ab12/ou-ab12-11111111/"], ["o-abc123/r-ab12/ou-ab12-22222222/"]],
    "aws:RequestTag/owner": ["data", "web"],
    "aws:TagKeys": [["owner"], ["owner", "cost"], ["Owner"], []],
    "ec2:InstanceType": ["t3.micro", "m5.xlarge"],
    "iam:PassedToService": ["ec2.amazonaws.com", "lambda.amazonaws.com"],
}
GLOBAL_KEYS = [k for k in POOLS if k not in ("aws:RequestTag/owner", "aws:TagKeys", "ec2:InstanceType",
                                            "iam:PassedToService")]

# Values conditions compare with, per operator family (wider than what requests carry: non-matches too).
STRING_VALUES = ["data", "web", "dat*", "*a*", "w?b", "us-east-1", "eu-*", "owner", "cost", "Owner", "alice",
                 "${aws:username}", "${aws:PrincipalTag/team}", "ec2.amazonaws.com", "t3.*", "o-abc123",
                 "cloudformation.amazonaws.com", "o-abc123/r-ab12/ou-ab12-11111111/*", "ALICE", "DATA"]
ARN_VALUES = [PRINCIPAL, f"arn:aws:iam::{ACCOUNT}:role/*", "arn:aws:iam::*:role/admin/*", "arn:aws:iam::*:*",
              f"arn:aws:iam::{ACCOUNT}:role/ai-unlimited-?anager", "arn:aws:iam::999988887777:role/*",
              "arn:aws:iam::${aws:PrincipalAccount}:role/*"]
NUMBER_VALUES = ["60", "3600", "86400", "1800000000", "1768478400", "0"]
DATE_VALUES = ["2026-01-01T00:00:00Z", "2026-06-30T00:00:00Z", "2027-06-01T00:00:00Z", "2026-01-15T12:00:00Z",
               "1768478400"]
BOOL_VALUES = ["true", "false"]
IP_VALUES = ["203.0.113.0/24", "198.51.100.20", "10.0.0.0/8", "2001:db8::/32", "0.0.0.0/0"]
BINARY_VALUES = ["ZGF0YQ==", "d2Vi"]  # base64 of "data", "web"

STRING_OPS = ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
              "StringNotLike"]
NUMERIC_OPS = ["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
               "NumericGreaterThanEquals"]
DATE_OPS = ["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
            "DateGreaterThanEquals"]
ARN_OPS = ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"]
IP_OPS = ["IpAddress", "NotIpAddress"]
ALL_OPERATORS = [*STRING_OPS, *NUMERIC_OPS, *DATE_OPS, *ARN_OPS, *IP_OPS, "Bool", "BinaryEquals", "Null"]

STRING_KEYS = ["aws:RequestedRegion", "aws:PrincipalTag/team", "aws:username", "aws:PrincipalOrgID",
               "aws:RequestTag/owner", "aws:TagKeys", "aws:CalledVia", "aws:PrincipalOrgPaths", "ec2:InstanceType",
               "iam:PassedToService", "aws:PrincipalAccount"]
OPERATOR_KEYS = {
    **{op: STRING_KEYS for op in STRING_OPS},
    **{op: ["aws:MultiFactorAuthAge", "aws:EpochTime"] for op in NUMERIC_OPS},
    **{op: ["aws:CurrentTime", "aws:EpochTime"] for op in DATE_OPS},
    **{op: ["aws:PrincipalArn"] for op in ARN_OPS},
    **{op: ["aws:SourceIp"] for op in IP_OPS},
    "Bool": ["aws:SecureTransport", "aws:MultiFactorAuthPresent"],
    "BinaryEquals": ["aws:PrincipalTag/team"],
    "Null": [*STRING_KEYS, "aws:SourceIp", "aws:MultiFactorAuthPresent", "aws:PrincipalArn"],
}
OPERATOR_VALUES = {
    **{op: STRING_VALUES for op in STRING_OPS},
    **{op: NUMBER_VALUES for op in NUMERIC_OPS},
    **{op: DATE_VALUES for op in DATE_OPS},
    **{op: ARN_VALUES for op in ARN_OPS},
    **{op: IP_VALUES for op in IP_OPS},
    "Bool": BOOL_VALUES,
    "BinaryEquals": BINARY_VALUES,
    "Null": BOOL_VALUES,
}

ACTION_PATTERNS = ["*", "s3:*", "s3:Get*", "s3:GetObject", "S3:getobject", "s3:PutObject", "ec2:*",
                   "ec2:RunInstances", "ec2:Run?nstances", "ec2:Describe*", "ec2:*Instances", "iam:*", "iam:CreateRole",
                   "iam:PassRole", "iam:Get*", "secretsmanager:GetSecretValue", "secretsmanager:*", "ssm:GetParameter*",
                   "cloudformation:*", "route53:Change*", "sqs:*", "sqs:SendMessage", "ec2:CreateVpc"]
RESOURCE_PATTERNS = ["*", "arn:aws:s3:::bucket-a/*", "arn:aws:s3:::bucket-?/*", "arn:aws:s3:::*",
                     "arn:aws:s3:::bucket-a/${aws:PrincipalTag/team}/*", "arn:aws:s3:::bucket-a",
                     f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*", "arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*:*:*",
                     "arn:aws:ec2:eu-west-1:*:vpc/*", f"arn:aws:iam::{ACCOUNT}:role/engine-*", "arn:aws:iam::*:role/*",
                     "arn:aws:iam::*:role/admin/*", "arn:aws:secretsmanager:*:*:secret:compute-engine/*",
                     "arn:aws:secretsmanager:us-east-1:${aws:PrincipalAccount}:secret:*", "arn:aws:ssm:*:*:parameter/*",
                     "arn:aws:cloudformation:*:*:stack/engine-*/*", "arn:aws:route53:::hostedzone/*",
                     "arn:aws:sqs:*:*:jobs", "arn:aws:*:*:*:*"]
FULL_ACCESS = {"Version": "2012-10-17", "Statement": [{"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*",
                                                        "Resource": "*"}]}


def _one_or_list(rng: random.Random, items: list[str], most: int = 3) -> Any:
    picked = rng.sample(items, rng.randint(1, min(most, len(items))))
    return picked[0] if len(picked) == 1 and rng.random() < 0.5 else picked


def _condition(rng: random.Random, operator: str | None = None) -> dict[str, Any]:
    out: dict[str, dict[str, Any]] = {}
    for _ in range(rng.choice([1, 1, 1, 2])):
        op = operator or rng.choice(ALL_OPERATORS)
        key = rng.choice(OPERATOR_KEYS[op])
        name = op
        if op != "Null":
            if key.lower() in MULTI or rng.random() < 0.15:
                name = rng.choice(["ForAllValues:", "ForAnyValue:", "ForAllValues:", "ForAnyValue:", ""]) + name
            if rng.random() < 0.3:
                name += "IfExists"
        out.setdefault(name, {})[key] = _one_or_list(rng, OPERATOR_VALUES[op])
        operator = None
    return out


def _statement(rng: random.Random, allow: bool, sid: str, rcp: bool = False) -> dict[str, Any]:
    st: dict[str, Any] = {"Sid": sid, "Effect": "Allow" if allow else "Deny"}
    if rcp:
        st["Principal"] = "*"
    if rcp:  # RCPs name actions (no NotAction) and never "*"
        st["Action"] = _one_or_list(rng, ACTION_PATTERNS[1:])
    else:
        st["NotAction" if rng.random() < 0.15 else "Action"] = _one_or_list(rng, ACTION_PATTERNS)
    st["NotResource" if rng.random() < 0.1 else "Resource"] = (
        "*" if rng.random() < 0.45 else _one_or_list(rng, RESOURCE_PATTERNS, 2))
    if rng.random() < (0.8 if rcp else 0.55):
        st["Condition"] = _condition(rng)
    return st


def _document(rng: random.Random, allows: float, count: int, prefix: str, rcp: bool = False) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [_statement(rng, rcp is False and rng.random() < allows,
                                                             f"{prefix}{i}", rcp) for i in range(count)]}


def _context(rng: random.Random, extra: tuple[str, ...]) -> dict[str, Any]:
    ctx = {}
    for key in [*GLOBAL_KEYS, *extra]:
        if rng.random() < 0.65:
            ctx[key] = rng.choice(POOLS[key])
    return ctx


def request(rng: random.Random) -> dict[str, Any]:
    """One random request in the oracle's shape."""
    action, resource, extra = rng.choice(TARGETS)
    identity = [_document(rng, 0.8, rng.randint(1, 3), "Id") for _ in range(rng.choice([1, 1, 2]))]
    scps = []
    for level in range(rng.choice([0, 1, 1, 2, 3])):
        docs = [FULL_ACCESS] if rng.random() < 0.6 else []
        docs += [_document(rng, 0.5, rng.randint(1, 3), f"Scp{level}x") for _ in range(rng.choice([0, 1, 1, 2]))]
        scps.append(docs or [FULL_ACCESS])
    out: dict[str, Any] = {"identity": identity, "scps": scps, "action": action, "resource": resource,
                           "context": _context(rng, extra), "principal": PRINCIPAL}
    if rng.random() < 0.3:
        out["boundary"] = _document(rng, 0.85, rng.randint(1, 3), "Pb")
    if rng.random() < 0.2:
        out["rcps"] = [[_document(rng, 0.0, rng.randint(1, 2), "Rcp", rcp=True)]]
    return out


def requests(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [request(rng) for _ in range(n)]


def operator_requests(seed: int, per_operator: int) -> list[dict[str, Any]]:
    """Requests whose one identity statement is conditioned on a given operator, for every operator: each one
    decides at least `per_operator` requests, whatever the random draw elsewhere."""
    rng = random.Random(seed)
    out = []
    for op in ALL_OPERATORS:
        for _ in range(per_operator):
            action, resource, extra = rng.choice(TARGETS)
            st = {"Sid": "Only", "Effect": "Allow", "Action": "*", "Resource": "*", "Condition": _condition(rng, op)}
            out.append({"identity": [{"Version": "2012-10-17", "Statement": [st]}], "scps": [], "action": action,
                        "resource": resource, "context": _context(rng, extra), "principal": PRINCIPAL})
    return out


def python_side(req: dict[str, Any]) -> tuple[Request, Policies]:
    """The same request for iamdocs.access: every layer compiled, a complete context (absent means absent)."""

    def layer(part: str, level: int, docs: list[Any]) -> Layer:
        rules = tuple(compile_statement(st, j, Origin(part, level, f"{part}{i}", statement=f"#{j + 1}"))
                      for i, d in enumerate(docs) for j, st in enumerate(d["Statement"]))
        return Layer(part, level, tuple(f"{part}{i}" for i in range(len(docs))), rules)

    policies = Policies(
        identity=layer("identity", 0, req.get("identity", [])),
        scps=tuple(layer("scp", i + 1, docs) for i, docs in enumerate(req.get("scps") or [])),
        rcps=tuple(layer("rcp", i + 1, docs) for i, docs in enumerate(req.get("rcps") or [])),
        boundary=layer("boundary", 0, [req["boundary"]]) if req.get("boundary") else None,
    )
    return Request(req["action"], req["resource"], context(req.get("context", {}))), policies
