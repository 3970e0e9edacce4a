"""iamdocs/conditions.py: every operator of the IAM condition grammar, with expectations written from AWS's
documentation of the operators (not computed by the code under test)."""

from __future__ import annotations

import pytest

from iamdocs.conditions import (
    ConditionError,
    compile_condition,
    context,
    evaluate,
    substitute,
    t_and,
    t_or,
)

CTX = context({
    "aws:RequestedRegion": "eu-west-1",
    "aws:PrincipalTag/team": "data",
    "aws:username": "alice",
    "aws:MultiFactorAuthAge": "300",
    "aws:CurrentTime": "2026-03-01T10:00:00Z",
    "aws:EpochTime": "1772359200",
    "aws:SecureTransport": True,
    "aws:SourceIp": "203.0.113.7",
    "aws:PrincipalArn": "arn:aws:iam::111122223333:role/admin/Admin",
    "aws:TagKeys": ["owner", "cost"],
    "aws:CalledVia": [],
    "s3:x-amz-server-side-encryption-customer-key-md5": "ZGF0YQ==",
})


def holds(block: dict) -> object:
    return evaluate(compile_condition(block), CTX)


@pytest.mark.parametrize(("block", "expected"), [
    # strings: case-sensitive, Like with * and ?, IgnoreCase
    ({"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}, True),
    ({"StringEquals": {"aws:RequestedRegion": "EU-WEST-1"}}, False),
    ({"StringEqualsIgnoreCase": {"aws:RequestedRegion": "EU-WEST-1"}}, True),
    ({"StringNotEqualsIgnoreCase": {"aws:RequestedRegion": "EU-WEST-1"}}, False),
    ({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}, True),
    ({"StringLike": {"aws:RequestedRegion": "eu-*"}}, True),
    ({"StringLike": {"aws:RequestedRegion": "eu-west-?"}}, True),
    ({"StringLike": {"aws:RequestedRegion": "eu-[w]est-1"}}, False),  # no character classes in IAM
    ({"StringNotLike": {"aws:RequestedRegion": "us-*"}}, True),
    # a key names case-insensitively
    ({"StringEquals": {"AWS:REQUESTEDREGION": "eu-west-1"}}, True),
    # numbers
    ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, True),
    ({"NumericLessThanEquals": {"aws:MultiFactorAuthAge": 300}}, True),
    ({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "300"}}, False),
    ({"NumericGreaterThanEquals": {"aws:MultiFactorAuthAge": "300.0"}}, True),
    ({"NumericEquals": {"aws:MultiFactorAuthAge": "300"}}, True),
    ({"NumericNotEquals": {"aws:MultiFactorAuthAge": "300"}}, False),
    ({"NumericEquals": {"aws:MultiFactorAuthAge": "three hundred"}}, False),
    # dates: ISO 8601 and epoch seconds compare as instants
    ({"DateLessThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"}}, True),
    ({"DateGreaterThan": {"aws:CurrentTime": "2026-06-01"}}, False),
    ({"DateEquals": {"aws:CurrentTime": "1772359200"}}, True),
    ({"DateNotEquals": {"aws:EpochTime": "2026-03-01T10:00:00Z"}}, False),
    ({"DateLessThanEquals": {"aws:EpochTime": "2026-03-01T12:00:00+02:00"}}, True),
    ({"DateGreaterThanEquals": {"aws:CurrentTime": "2026-03-01T10:00:01Z"}}, False),
    # booleans (a JSON true is the string "true")
    ({"Bool": {"aws:SecureTransport": "true"}}, True),
    ({"Bool": {"aws:SecureTransport": False}}, False),
    # binary: base64 on both sides
    ({"BinaryEquals": {"s3:x-amz-server-side-encryption-customer-key-md5": "ZGF0YQ=="}}, True),
    ({"BinaryEquals": {"s3:x-amz-server-side-encryption-customer-key-md5": "d2Vi"}}, False),
    # IP addresses: CIDR ranges, a bare address is its /32
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, True),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.7"}}, True),
    ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, False),
    ({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}, True),
    # ARNs: part by part, a * does not cross a colon
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin/*"}}, True),
    ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}, True),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:*"}}, False),
    ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin"}}, True),
    ({"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/admin/Admin"}}, False),
    # absent keys: positive operators fail, negated ones hold, ...IfExists holds
    ({"StringEquals": {"aws:SourceVpc": "vpc-1"}}, False),
    ({"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}, True),
    ({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}, True),
    ({"StringEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}}, False),
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, True),
    # Null: "true" asks for an absent key; an empty list counts as absent
    ({"Null": {"aws:SourceVpc": "true"}}, True),
    ({"Null": {"aws:RequestedRegion": "true"}}, False),
    ({"Null": {"aws:RequestedRegion": "false"}}, True),
    ({"Null": {"aws:CalledVia": "true"}}, True),
    # multivalued keys need a set operator
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["owner", "cost", "team"]}}, True),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["owner"]}}, False),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}}, True),
    ({"ForAnyValue:StringLike": {"aws:TagKeys": ["x*"]}}, False),
    ({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["team"]}}, True),
    ({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["owner"]}}, True),
    ({"StringEquals": {"aws:TagKeys": "owner"}}, False),
    ({"StringNotEquals": {"aws:TagKeys": "team"}}, False),
    # ...and on an absent or empty key ForAllValues holds, ForAnyValue fails, with or without IfExists
    ({"ForAllValues:StringEquals": {"aws:CalledVia": "athena.amazonaws.com"}}, True),
    ({"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": "o-1/*"}}, True),
    ({"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": "o-1/*"}}, False),
    ({"ForAnyValue:StringEqualsIfExists": {"aws:PrincipalOrgPaths": "o-1/*"}}, False),
    # every test of a block must hold (AND), any value of one test may (OR)
    ({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}, "Bool": {"aws:SecureTransport": "false"}}, False),
    ({"StringEquals": {"aws:RequestedRegion": "eu-west-1", "aws:PrincipalTag/team": "data"}}, True),
    # policy variables
    ({"StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}"}}, True),
    ({"StringLike": {"aws:PrincipalArn": "*/${aws:username}"}}, False),
    ({"StringEquals": {"aws:RequestedRegion": "${aws:SourceVpc, 'eu-west-1'}"}}, True),
    ({"StringNotEquals": {"aws:RequestedRegion": "${aws:SourceVpc}"}}, False),  # unresolved: the test fails
    ({"StringEquals": {"aws:username": "${aws:username}${*}"}}, False),  # ${*} is a literal *
    ({"StringLike": {"aws:username": "alic${?}"}}, False),
])
def test_operator(block: dict, expected: bool) -> None:
    assert holds(block) is expected


def test_unknown_keys_make_the_answer_depend_on_them() -> None:
    partial = context({"aws:RequestedRegion": "eu-west-1"}, unknown=lambda k: k.startswith("aws:requesttag/"))
    tests = compile_condition({"StringEquals": {"aws:RequestTag/CostCenter": "42", "aws:RequestedRegion": "eu-west-1"}})
    assert evaluate(tests, partial) == frozenset({"aws:requesttag/costcenter"})
    # a test that fails anyway decides: the unknown key does not matter
    failing = compile_condition({"StringEquals": {"aws:RequestTag/CostCenter": "42", "aws:RequestedRegion": "x"}})
    assert evaluate(failing, partial) is False
    # a variable naming an unknown key is unknown too
    assert substitute("team/${aws:RequestTag/team}", partial) == frozenset({"aws:requesttag/team"})


def test_three_valued_logic() -> None:
    a, b = frozenset({"a"}), frozenset({"b"})
    assert t_and([True, a, b]) == {"a", "b"}
    assert t_and([a, False]) is False
    assert t_or([a, True]) is True
    assert t_or([a, False, b]) == {"a", "b"}
    assert t_and([]) is True and t_or([]) is False


@pytest.mark.parametrize(("block", "message"), [
    ({"StringEqualz": {"k": "v"}}, "unknown condition operator 'StringEqualz'"),
    ({"ForSomeValues:StringEquals": {"k": "v"}}, "unknown set operator 'ForSomeValues'"),
    ({"ForAnyValue:Null": {"k": "true"}}, "Null takes no set operator"),
    ({"StringEquals": "v"}, "must map condition keys to values"),
    ({"StringEquals": {"k": {"nested": 1}}}, "a condition value must be a string, number or boolean"),
    (["StringEquals"], "Condition must be an object"),
])
def test_malformed_conditions_are_refused(block: object, message: str) -> None:
    with pytest.raises(ConditionError, match=message.replace("(", r"\(")):
        compile_condition(block)


def test_a_value_known_by_its_shape():
    from iamdocs.conditions import Context, Shape
    from iamdocs.preflight.needs import shape_relation

    role = Shape("arn:aws:iam::111122223333:role/*", shape_relation)
    ctx = Context({"aws:principalarn": role})
    def check(block: dict) -> object:
        return evaluate(compile_condition(block), ctx)

    # every role of the account is one of these; none is the root user or an IAM user
    assert check({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}) is True
    assert check({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}) is False
    assert check({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}) is False
    assert check({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::999988887777:role/*"}}) is True
    # one name among many: it depends on the role's name
    assert check({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin"}}) == {"aws:principalarn"}
    assert check({"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/x"}}) == {"aws:principalarn"}
    assert check({"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/x"}}) is False
    # other comparisons of a shape cannot be decided; presence can
    assert check({"StringEqualsIgnoreCase": {"aws:PrincipalArn": "x"}}) == {"aws:principalarn"}
    assert check({"Null": {"aws:PrincipalArn": "false"}}) is True
