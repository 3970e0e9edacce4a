"""The groups of parameters that decide together, against the definition walked out in full.

The definition: two varied parameters are in one group when some IAM condition reads both, itself or through
the conditions it names (and those they name ...). `_groups` finds the groups in one pass over the conditions;
here, on random condition graphs (shared sub-conditions, conditions that read no parameter, cycles, names that
are both a parameter and a condition), every IAM condition's dependencies are walked again for it, as the
definition says, and the groups must be the same, in the same order.
"""

from __future__ import annotations

import random
from pathlib import Path

from iamdocs.cfn import parameters
from iamdocs.cfn.parameters import _groups
from iamdocs.cfn.reader import Template
from iamdocs.positions import PDict


def _by_definition(section: dict, conditions: list[str], choices: dict[str, list[str]]) -> list[list[str]]:
    def reads(expr) -> set[str]:
        if isinstance(expr, dict):
            if set(expr) == {"Ref"}:
                return {expr["Ref"]}
            return set().union(*(reads(v) for v in expr.values()))
        if isinstance(expr, list):
            return set().union(*(reads(v) for v in expr))
        return set()

    def named(expr) -> list[str]:
        if isinstance(expr, dict):
            if set(expr) == {"Condition"}:
                return [expr["Condition"]]
            return [n for v in expr.values() for n in named(v)]
        if isinstance(expr, list):
            return [n for v in expr for n in named(v)]
        return []

    group = {p: {p} for p in choices}
    for name in conditions:
        seen, todo, params = {name}, [name], set()
        while todo:
            expr = section.get(todo.pop())
            params |= reads(expr)
            for ref in named(expr):
                if ref in section and ref not in seen:
                    seen.add(ref)
                    todo.append(ref)
        joined = set().union(*(group[p] for p in params if p in group))
        for p in joined:
            group[p] = joined
    out: list[list[str]] = []
    for p in choices:
        if not any(p in g for g in out):
            out.append([q for q in choices if q in group[p]])
    return out


def _random_case(rng: random.Random) -> tuple[dict, list[str], dict[str, list[str]]]:
    params = [f"P{i}" for i in range(rng.randint(1, 7))]
    conditions = [f"C{i}" for i in range(rng.randint(1, 12))] + (["P0"] if rng.random() < 0.3 else [])
    section = {}
    for name in conditions:
        parts = [{"Ref": p} for p in rng.sample(params, rng.randint(0, min(2, len(params))))]
        named = rng.sample(conditions, rng.randint(0, min(3, len(conditions))))  # itself and cycles too
        parts += [{"Condition": c} for c in named]
        parts += [{"Ref": "NotVaried"}] * rng.randint(0, 1)
        section[name] = {"Fn::And": [{"Fn::Equals": [p, "x"]} if "Ref" in p else p for p in parts] or ["a"]}
    iam = rng.sample(conditions, rng.randint(1, len(conditions))) + (["Missing"] if rng.random() < 0.2 else [])
    choices = {p: ["x", "y"] for p in rng.sample(params, rng.randint(1, len(params)))}
    return section, iam, choices


def test_groups_are_those_of_the_definition_on_random_condition_graphs() -> None:
    rng = random.Random(20)
    merged = 0
    for _ in range(800):
        section, iam, choices = _random_case(rng)
        template = Template(Path("t.yaml"), "", PDict({"Conditions": section}), "yaml")
        expected = _by_definition(section, iam, choices)
        assert _groups(template, iam, choices) == expected, (section, iam, choices)
        merged += any(len(g) > 1 for g in expected)
    assert 80 < merged < 720  # both kinds of answer are common among the cases


def test_a_long_chain_is_one_pass(monkeypatch) -> None:
    """1,500 conditions each naming the one before: the walk per condition made this 1.1 million walks."""
    section = {"C0": {"Fn::Equals": [{"Ref": "P"}, "x"]}}
    section |= {f"C{i}": {"Fn::And": [{"Condition": f"C{i - 1}"}, {"Condition": "C0"}]} for i in range(1, 1500)}
    template = Template(Path("t.yaml"), "", PDict({"Conditions": section}), "yaml")
    calls = []
    real = parameters._parameter_refs
    monkeypatch.setattr(parameters, "_parameter_refs", lambda expr: calls.append(expr) or real(expr))
    assert _groups(template, list(section), {"P": ["x", "y"], "Q": ["a", "b"]}) == [["P"], ["Q"]]
    assert len(calls) == 1500
