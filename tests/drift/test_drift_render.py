"""The drift pages' render functions, against hand-written Markdown, and the pages that call them."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from iamdocs.render import discover_macros
from iamdocs.render import drift as r

PAGES = ["docs/guide/check-an-existing-role.md", "docs/writers/drift-check.md"]


def test_read_permissions_table(project):
    assert r.drift_read_permissions(project) == (
        "| Action | Used to |\n"
        "|---|---|\n"
        "| `iam:GetRole` | find the role and its account |\n"
        "| `iam:ListAttachedRolePolicies` | list the managed policies attached to the role |\n"
        "| `iam:GetPolicy` | find each managed policy's default version |\n"
        "| `iam:GetPolicyVersion` | read that version's document |\n"
        "| `iam:ListRolePolicies` | list the role's inline policies |\n"
        "| `iam:GetRolePolicy` | read each inline policy's document |\n"
    )


def test_read_policy_block(project):
    assert r.drift_read_policy(project) == '''```json title="drift-check-read-only.json"
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadRolesForDriftCheck",
      "Effect": "Allow",
      "Action": [
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies"
      ],
      "Resource": "*"
    }
  ]
}
```
'''


def test_commands(project):
    assert r.drift_command(project) == (
        "```sh\niamdocs drift --role <ROLE_NAME> --option engine-a --profile <PROFILE>\n```\n")
    assert r.drift_command(project, "engine-b", "engine", "my-engine-role") == (
        "```sh\niamdocs drift --role my-engine-role --option engine-b --as engine --profile <PROFILE>\n```\n")
    assert r.drift_command(project, "engine-b+session-manager") == (
        "```sh\niamdocs drift --role <ROLE_NAME> --option engine-b --option session-manager --profile <PROFILE>\n"
        "```\n")
    with pytest.raises(ValueError, match="no role option 'nope'"):
        r.drift_command(project, "nope")
    with pytest.raises(ValueError, match="engine-a and engine-b exclude each other"):
        r.drift_command(project, "engine-a+engine-b")
    with pytest.raises(ValueError, match="option 'engine-a' has no 'engine' role"):
        r.drift_command(project, "engine-a", "engine")


def test_role_options_table(project):
    rows = r.drift_role_options(project).splitlines()
    assert rows[0] == "| Option | Role | Check with | Must grant everything in |"
    assert ("| Engine option B: you provide the engine role | Engine role | `--option engine-b` `--as engine` | "
            "[`ai-unlimited-engine.json`](/reference/policies/ai-unlimited-engine.md) |") in rows
    assert ("| Engine option B + Session Manager | Manager role | `--option engine-b --option session-manager` "
            "`--as manager` | [`ai-unlimited-without-iam-role-permissions.json`](/reference/policies/"
            "ai-unlimited-without-iam-role-permissions.md), [`session-manager.json`](/reference/policies/"
            "session-manager.md) |") in rows
    # header, rule, and one row per (combination, role): 12 combinations, the 4 of option B with two roles
    assert len(rows) == 2 + 16


def test_role_example_is_the_checks_own_output(project):
    assert r.drift_role_example(project) == (
        "```text\n"
        "role/my-manager-role: info: managed policy ai-unlimited-workspaces (v1): read\n"
        "role/my-manager-role: drift: my-manager-role: missing ec2:DeleteTags "
        "(needed by ai-unlimited-workspaces.json)\n"
        "drift: role my-manager-role (option engine-a) lacks 1 permission (1 missing); 1 policy document read\n"
        "```\n"
    )


def test_intrinsics_table(project):
    rows = r.drift_intrinsics(project).splitlines()
    assert "| `!Sub` | `Fn::Sub` | evaluated |" in rows
    assert "| `!Ref` | `Ref` | evaluated |" in rows
    assert "| `!Cidr` | `Fn::Cidr` | accepted, but an error inside a policy document |" in rows
    assert "| `!EachMemberEquals` | `Fn::EachMemberEquals` | accepted, but an error inside a policy document |" in rows
    assert len(rows) == 2 + 16 + 5 + 6  # intrinsics, condition functions, rule functions


def test_resemblance(project):
    assert r.drift_resemblance(project) == (
        "a document is compared with the policy whose grants (action and resource) it covers, however much more "
        "it grants; it must grant more than 50% of them (all of a one- or two-grant policy)")


def test_make_lines_come_from_the_makefile(project, tmp_path):
    assert r.drift_make_lines(project) == (
        "```sh\n"
        "iamdocs drift --site site\n"
        "iamdocs template --output build/manager-role.yaml\n"
        "iamdocs drift --cloudformation build/manager-role.yaml\n"  # every branch, Session=true included
        "```\n"
    )
    (tmp_path / "Makefile").write_text("site:\n\tmkdocs build\n")
    with pytest.raises(ValueError, match="runs no `iamdocs drift`"):
        r.drift_make_lines(dataclasses.replace(project, root=tmp_path))


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_macros_and_call_only_known_ones(root: Path, page: str):
    text = (root / page).read_text(encoding="utf-8")
    front = text.split("---\n")[1]
    assert "render_macros: true" in front
    assert re.search(r"^# \S", text, re.M), "a page needs a title"
    called = set(re.findall(r"\{\{\s*(\w+)\(", text))
    assert called and called <= set(discover_macros())


def test_every_drift_macro_is_used_on_a_page(root: Path):
    text = "".join((root / p).read_text(encoding="utf-8") for p in PAGES)
    assert {fn.__name__ for fn in r.MACROS} <= set(re.findall(r"\{\{\s*(\w+)\(", text))
