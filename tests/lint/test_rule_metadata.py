"""Rules are discovered, not listed: check that every one is complete and well named."""

from __future__ import annotations

import re

from lint_harness import FIXTURES

from iamdocs.lint import discover_rules
from iamdocs.lint.base import SEVERITIES

RULES = discover_rules()


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[EWI][0-9]{3}", i) for i in ids), ids
    assert all(r.severity() == SEVERITIES[r.id[0]] for r in RULES)


def test_the_rules_issue_2_asks_for_exist() -> None:
    ids = {r.id for r in RULES}
    wanted = {"E001", "E002", "E003", "E010", "E012", "E013", "E014", "E020", "E021", "W022", "E023", "E030",
              "W031", "E032", "E033", "E040", "E041", "E042", "E050", "E051", "W052", "E053", "E054", "E060",
              "W070", "W301", "W302", "W303", "W304"}
    assert wanted <= ids


def test_each_rule_has_a_module_named_after_it() -> None:
    for r in RULES:
        assert r.__module__.rsplit(".", 1)[-1].startswith(r.id.lower() + "_"), r


def test_each_rule_has_metadata() -> None:
    for r in RULES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name), r.id
        assert r.description and "\n" not in r.description and len(r.description) <= 120, r.id
        assert len(r.explanation) > 40, r.id


def test_each_rule_has_good_and_bad_fixtures() -> None:
    for r in RULES:
        for kind in ("good", "bad"):
            folder = FIXTURES / r.id / kind
            assert folder.is_dir() and any(folder.iterdir()), f"{r.id}: no {kind} fixture"


def test_no_fixture_folder_for_a_rule_that_does_not_exist() -> None:
    ids = {r.id for r in RULES}
    assert {p.name for p in FIXTURES.iterdir() if not p.name.startswith("_")} == ids
