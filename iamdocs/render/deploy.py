"""The release engineers' page on `iamdocs deploy`: the deployer's permissions, options and stacks.

All three are rendered from what the deploy itself uses: the permission data
file that the sandbox tests check against every call a run makes, the command's
own argument parser, and the stack combinations of the stacks step.
"""

from __future__ import annotations

import argparse
import json
from functools import cache
from pathlib import Path
from typing import Any

from iamdocs.commands import deploy as command
from iamdocs.model import SoundProject
from iamdocs.render._markdown import code, fence, inert, table
from iamdocs.sandbox.steps.stacks import COMBINATIONS

PERMISSIONS_FILE = Path(__file__).resolve().parent.parent / "sandbox" / "deployer-permissions.json"


@cache
def deployer_permissions_data() -> dict[str, Any]:
    return json.loads(PERMISSIONS_FILE.read_text(encoding="utf-8"))


def deployer_policy() -> dict[str, Any]:
    """The deployer's permissions as an IAM policy document (placeholders for region and account)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": s["sid"], "Effect": "Allow", "Action": sorted(s["actions"]), "Resource": s["resource"]}
            for s in deployer_permissions_data()["statements"]
        ],
    }


def deploy_permissions_policy(project: SoundProject) -> str:
    """The policy to give the identity that runs `iamdocs deploy`, as a JSON code block."""
    return fence(json.dumps(deployer_policy(), indent=2) + "\n", "json", "iamdocs-deployer-policy.json")


def deploy_permissions_table(project: SoundProject) -> str:
    """Why the deployer needs each group of permissions, and on what."""
    rows = [[code(s["sid"]), s["why"], code(s["resource"]), str(len(s["actions"]))]
            for s in deployer_permissions_data()["statements"]]
    return table(["Statement", "Why", "Resource", "Actions"], rows)


def _parser() -> argparse.ArgumentParser:

    p = argparse.ArgumentParser(prog="iamdocs deploy", add_help=False)
    command.add_arguments(p)
    return p


def deploy_options(project: SoundProject) -> str:
    """Every option of `iamdocs deploy`, from its argument parser."""
    rows = []
    for action in _parser()._actions:
        if not action.option_strings:
            continue
        name = ", ".join(action.option_strings)
        if action.metavar:
            name += f" {action.metavar}"
        rows.append([code(name), action.help or ""])
    return table(["Option", "What it does"], rows)


def deploy_stacks(project: SoundProject) -> str:
    """The stacks a run deploys: one per parameter combination, with the capabilities it acknowledges."""

    rows = [[code(c.name), ", ".join(f"{code(k)} = {code(v)}" for k, v in c.parameters.items()), c.title,
             ", ".join(code(x) for x in c.capabilities)] for c in COMBINATIONS]
    return table(["Stack", "Parameters", "What it shows", "Capabilities"], rows)


def deploy_role_options(project: SoundProject) -> str:
    """The combinations of role options a run deploys (every valid one, from the catalog's combinations), with what
    each role gets."""
    rows = []
    for c in project.catalog.combinations():
        roles = "; ".join(
            f"{code(rid)}: " + ", ".join([*(code(p) for p in s.managed), *(code(p) + " (inline)" for p in s.inline),
                                          *(["a boundary"] if s.permissions_boundary else [])])
            for rid, s in c.roles.items())
        rows.append([code(c.id), inert(c.title), ", ".join(code(r) for r in c.roles), roles])
    return table(["Combination", "What it is", "Roles", "What they get"], rows)


MACROS = [deploy_permissions_policy, deploy_permissions_table, deploy_options, deploy_stacks, deploy_role_options]
