"""iamdocs/access.py: one request decided against a set of policies, and Allow minus Deny. Expected answers are
the IAM evaluation rules, written by hand."""

from __future__ import annotations

from iamdocs.access import ALLOWED, CONDITIONAL, DENIED, IMPLICIT, decide, effective, policies_grants

BUCKET = "arn:aws:s3:::b/key"


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_allow_wildcard_action_and_resource(db):
    p = doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"})
    assert decide("s3:GetObject", BUCKET, [p], db) == ALLOWED
    assert decide("s3:PutObject", BUCKET, [p], db) == IMPLICIT
    assert decide("s3:GetObject", "arn:aws:s3:::other/key", [p], db) == IMPLICIT


def test_explicit_deny_wins_across_policies(db):
    allow = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    deny = doc({"Effect": "Deny", "NotAction": ["ec2:*"], "Resource": "*"})
    assert decide("s3:GetObject", BUCKET, [allow, deny], db) == DENIED
    assert decide("ec2:RunInstances", "*", [allow, deny], db) == ALLOWED


def test_not_resource(db):
    p = doc({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"})
    assert decide("s3:GetObject", BUCKET, [p], db) == ALLOWED
    assert decide("s3:GetObject", "arn:aws:s3:::secret/x", [p], db) == IMPLICIT


def test_conditioned_statements_are_conditional(db):
    allow = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
    assert decide("s3:GetObject", BUCKET, [allow], db) == CONDITIONAL
    plain = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    deny = doc({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    assert decide("s3:GetObject", BUCKET, [plain, deny], db) == CONDITIONAL


def test_effective_removes_what_an_unconditioned_deny_covers(db):
    grants = policies_grants([doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}),
                              doc({"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"})], db)
    assert sorted(g.action for g in effective(grants).allowed) == ["s3:getobject"]


def _strings(alphabet: str, longest: int) -> list[str]:
    import itertools

    return [""] + ["".join(x) for n in range(1, longest + 1) for x in itertools.product(alphabet, repeat=n)]


def test_pattern_relations_against_brute_force():
    """pattern_covers and disjoint against every text of up to six characters (the regex module decides)."""
    import itertools
    import re

    from iamdocs.access import disjoint, pattern_covers

    def match(text: str, pattern: str) -> bool:
        rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        return re.fullmatch(rx, text, re.S) is not None

    texts = _strings("abc", 6)
    patterns = ["".join(x) for n in range(4) for x in itertools.product("ab*?", repeat=n)]
    for p in patterns:
        for q in patterns:
            shared = any(match(t, p) and match(t, q) for t in texts)
            assert disjoint(p, q) is not shared, (p, q)
            if pattern_covers(p, q):  # sound: never claims to cover what it does not
                assert all(match(t, p) for t in texts if match(t, q)), (p, q)
    # and complete where it matters: a pattern covers itself, * covers all, a prefix glob covers longer ones
    assert pattern_covers("a*", "ab*") and pattern_covers("a*", "a?b") and not pattern_covers("a?", "a*")
