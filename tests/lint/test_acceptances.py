"""Accepted findings are keyed to what was accepted: a new escalation path or a new action is a new finding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from iamdocs.cli import main

MANAGER = "ai-unlimited-workspaces.json"


@pytest.fixture
def copy(root: Path, tmp_path: Path) -> Path:
    """A copy of the project's policies/ that a test may change."""
    shutil.copytree(root / "policies", tmp_path / "policies")
    return tmp_path


def add_actions(project: Path, sid: str, actions: list[str], policy: str = MANAGER) -> None:
    path = project / "policies" / policy
    doc = json.loads(path.read_text())
    for st in doc["Statement"]:
        if st.get("Sid") == sid:
            st["Action"] = [*st["Action"], *actions]
    path.write_text(json.dumps(doc, indent=2) + "\n")


def strict(project: Path, capsys, *extra: str) -> tuple[int, list[dict]]:
    code = main(["validate", "--strict", "--format", "json", "--project", str(project), *extra])
    report = json.loads(capsys.readouterr().out)
    return code, [f for f in report["findings"] if not f["accepted"]]


def test_the_real_policies_are_clean_under_strict(copy: Path, capsys) -> None:
    assert strict(copy, capsys) == (0, [])


def test_new_escalation_paths_fail_strict(copy: Path, capsys) -> None:
    add_actions(copy, "EngineRoles", ["iam:AttachRolePolicy", "iam:CreatePolicyVersion", "sts:AssumeRole"])
    code, new = strict(copy, capsys, "--select", "W301,W302,W303,W304")
    assert code == 1
    paths = sorted(f["message"].split(":")[0] for f in new if f["rule"] == "W302")
    assert paths == ["privilege escalation attachrolepolicy-assumerole", "privilege escalation createpolicyversion",
                     "privilege escalation putrolepolicy-assumerole"]
    # The changed statement's action sets are new findings too; the passrole-* paths stay accepted.
    assert sorted((f["rule"], f["line"]) for f in new) == [
        ("W302", 101), ("W302", 103), ("W302", 104), ("W303", 107), ("W304", 107)]


def test_an_added_action_in_an_accepted_statement_is_a_new_finding(copy: Path, capsys) -> None:
    add_actions(copy, "EngineStacks", ["cloudformation:UpdateStack"])
    code, new = strict(copy, capsys, "--select", "W304")
    assert code == 1
    assert [(f["rule"], f["message"]) for f in new] == [
        ("W304", '3 write actions on Resource "*" could be limited to resource ARNs: cloudformation:CreateStack, '
                 "cloudformation:DeleteStack, cloudformation:UpdateStack")]


def test_the_changed_acceptance_is_reported_stale(copy: Path, capsys) -> None:
    # Stale only when no policy of the entry has the accepted statement any more: change both manager policies.
    add_actions(copy, "EngineStacks", ["cloudformation:UpdateStack"])
    add_actions(copy, "EngineStacks", ["cloudformation:UpdateStack"], "ai-unlimited-without-iam-role-permissions.json")
    code, new = strict(copy, capsys, "--select", "W091")
    assert code == 1
    assert [f["message"] for f in new] == [
        "statement EngineStacks with 2 actions matches no W304 finding of this entry's policies (the statement or "
        "its actions changed): update or remove it"]
