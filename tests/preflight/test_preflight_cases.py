"""`iamdocs preflight` on guardrails written after real ones, with hand-written expectations (shared with the
browser check: tests/cases/preflight.json)."""

from __future__ import annotations

import json

import pytest
from preflight_cases import cli_args, load_cases, outcome

CASES = load_cases()


def test_the_cases_cover_what_the_issue_asks():
    names = " ".join(c["name"] for c in CASES)
    for words in ("region deny with NotAction", "deny of role creation blocks engine option A",
                  "does not block engine option B", "allow-list SCP without FullAWSAccess", "tag required on create",
                  "boundary without iam:*", "two SCP levels, one without an allow"):
        assert words in names, words


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_case_in_the_cli(case, cli, tmp_path):
    proc = cli(*cli_args(case, tmp_path))
    assert proc.stderr == ""
    result = json.loads(proc.stdout)
    assert proc.returncode == (0 if case["expect"]["allowed"] else 1)
    assert outcome(result, case["expect"]) == case["expect"]
