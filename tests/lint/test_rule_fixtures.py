"""Each rule against its good and bad fixtures, comparing whole findings (place and wording).

Each rule's expected findings are kept beside its bad fixture, in `fixtures/<ID>/bad/findings.txt`
(as cfn-lint keeps results beside its templates), written by hand from the fixture files: line
and column count from 1, 0:0 means the whole file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_harness import FIXTURES, lint_fixture, rows

from iamdocs.lint import discover_rules


def expected_findings(rule_id: str) -> list[tuple[str, int, int, str, str]]:
    """The findings written beside the bad fixture, in `bad/findings.txt`: `path:line:col: message` a line."""
    out = []
    for text in (FIXTURES / rule_id / "bad" / "findings.txt").read_text(encoding="utf-8").splitlines():
        if text and not text.startswith("#"):
            path, line, col, message = text.split(":", 3)
            out.append((path, int(line), int(col), rule_id, message.removeprefix(" ")))
    return sorted(out)


RULE_IDS = [r.id for r in discover_rules()]


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_bad_fixture_gives_exactly_the_expected_findings(rule_id: str, tmp_path: Path, monkeypatch) -> None:
    findings = lint_fixture(FIXTURES / rule_id / "bad", tmp_path, monkeypatch, select={rule_id})
    assert rows(findings) == expected_findings(rule_id)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_good_fixture_has_no_finding_of_the_rule_and_no_error(rule_id: str, tmp_path: Path, monkeypatch) -> None:
    findings = lint_fixture(FIXTURES / rule_id / "good", tmp_path, monkeypatch)
    assert [f for f in findings if f.rule == rule_id and not f.accepted] == []
    assert [f for f in findings if f.severity == "error"] == []
    # Good fixtures are clean policies. Security warnings (W3xx) may remain, as "*" is sometimes the point, and
    # so may W070: most fixtures are written compactly to keep positions easy to read.
    others = [f for f in findings if f.severity == "warning" and not f.accepted]
    assert [f for f in others if not f.rule.startswith("W3") and f.rule != "W070"] == []
