"""iamdocs' IAM evaluator (iamdocs/access.py) against an independent one, @cloud-copilot/iam-simulate, on
10,000 generated requests over identity policies, SCP levels, boundaries and RCPs that use every condition
operator (tests/oracle/generate.py).

Every disagreement must be explained by one of the known causes in tests/oracle/explain.py: a rewrite that
AWS reads the same way leaves iamdocs' answer unchanged and brings the oracle to it. The causes are where
iam-simulate departs from AWS's documentation (epoch seconds read beside ISO dates in milliseconds, ARN
conditions with policy variables, bare IP addresses and /0 networks, RCPs on services they do not apply to,
an empty list counted as a value). An unexplained disagreement fails the test with the request.
"""

from __future__ import annotations

import collections
import json

import pytest
from oracle.explain import CAUSES, condition_tests
from oracle.generate import ALL_OPERATORS, operator_requests, python_side, requests
from oracle.iam_simulate import decide_batch

from iamdocs.access import evaluate_request

SEED = 20261204
COUNT = 10_000


def python_verdict(req: dict) -> str:
    request, policies = python_side(req)
    return evaluate_request(request, policies).verdict


@pytest.fixture(scope="module")
def decided() -> tuple[list[dict], list[str], list[str]]:
    reqs = requests(COUNT, SEED) + operator_requests(SEED, 40)
    return reqs, decide_batch(reqs), [python_verdict(r) for r in reqs]


def explain(reqs: list[dict], oracle: list[str], mine: list[str]) -> tuple[collections.Counter, list[dict]]:
    """How many disagreements each cause explains, and the requests none explains."""
    batch, owners = [], []
    for i, (o, m) in enumerate(zip(oracle, mine, strict=True)):
        if o == m:
            continue
        rewrites = [(c.name, c.rewrite(reqs[i])) for c in CAUSES]
        rewrites = [(n, r) for n, r in rewrites if r is not None]
        combined = reqs[i]
        for c in CAUSES:
            combined = c.rewrite(combined) or combined
        for name, rewritten in [*rewrites, ("several of these", combined)]:
            batch.append(rewritten)
            owners.append((i, name))
    answers = decide_batch(batch)
    found: dict[int, str] = {}
    for (i, name), rewritten, answer in zip(owners, batch, answers, strict=True):
        if i not in found and answer == mine[i] == python_verdict(rewritten):
            found[i] = name
    unexplained = [dict(reqs[i], oracle=o, iamdocs=m) for i, (o, m) in enumerate(zip(oracle, mine, strict=True))
                   if o != m and i not in found]
    return collections.Counter(found.values()), unexplained


def test_the_oracle_decides_every_generated_request(decided):
    reqs, oracle, _ = decided
    refused = [(r, o) for r, o in zip(reqs, oracle, strict=True) if o.startswith("error")]
    assert refused == []
    # answers of every kind, not one verdict for all
    assert min(collections.Counter(oracle).values()) > COUNT // 20


def test_every_condition_operator_is_exercised(decided):
    reqs, _, _ = decided
    seen: collections.Counter = collections.Counter()
    for r in reqs:
        for _, op, _ in condition_tests(r):
            base = op.split(":")[-1].removesuffix("IfExists")
            seen[base] += 1
            seen["IfExists"] += op.endswith("IfExists")
            seen[op.split(":")[0]] += ":" in op
    for name in [*ALL_OPERATORS, "IfExists", "ForAllValues", "ForAnyValue"]:
        assert seen[name] >= 40, name


def test_python_evaluator_agrees_with_iam_simulate(decided):
    reqs, oracle, mine = decided
    explained, unexplained = explain(reqs, oracle, mine)
    agreed = sum(o == m for o, m in zip(oracle, mine, strict=True))
    print(f"\n{len(reqs)} requests: {agreed} agree; explained: {dict(explained)}")
    assert unexplained == [], json.dumps(unexplained[:3], indent=1)
    assert agreed >= 0.97 * len(reqs)
