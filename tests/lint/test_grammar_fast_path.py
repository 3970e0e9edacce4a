"""E010's fast path may only accept what the JSON Schema accepts: checked on every fixture and CLI case."""

from __future__ import annotations

import json

import pytest
from lint_harness import FIXTURES, ROOT
from test_validate_cli import MALFORMED, WELL_FORMED

from iamdocs.lint.rules.e010_policy_grammar import _plainly_valid
from iamdocs.lint.schema import schema_validator

VALIDATOR = schema_validator(ROOT / "policies" / "schema" / "identity-policy.schema.json")

TRICKY = [
    {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, "Version": True},
    {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", 1], "Resource": "*"}]},
    {"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]},
    {"Statement": [{"Effect": "Allow", "Action": "", "Resource": "*"}]},
    {"Statement": [{"Effect": ["Allow"], "Action": "s3:GetObject", "Resource": "*"}]},
    {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"Bool": {}}}]},
    {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": [True, None]}}}]},
    {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Sid": None}]},
    {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}], "Id": 3},
    {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"}]},
]


def _documents() -> list:
    docs = list(TRICKY)
    for path in sorted(FIXTURES.rglob("*.json")):
        try:
            docs.append(json.loads(path.read_bytes()))
        except ValueError:
            pass
    for _, content, _, _ in MALFORMED:
        try:
            docs.append(json.loads(content))
        except (ValueError, RecursionError):
            pass
    docs.extend(json.loads(text) for text in WELL_FORMED.values())
    return docs


@pytest.mark.parametrize("doc", _documents())
def test_fast_path_never_accepts_what_the_schema_rejects(doc) -> None:
    if _plainly_valid(doc):
        assert list(VALIDATOR.iter_errors(doc)) == []


def test_fast_path_accepts_the_real_policies(project) -> None:
    assert all(_plainly_valid(f.document) for f in project.files)
