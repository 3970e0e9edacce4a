"""Markdown for the drift pages: the customer's role check and the writers' explanation.

Everything shown comes from the code that does the work (the role reader's
calls, the catalog's combinations of options, the template reader's intrinsics, the Makefile's
drift lines), so the pages cannot promise what the check does not do.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from iamdocs import iamdb
from iamdocs.drift.compare import MISSING_SHARE, Copy, compare_role
from iamdocs.drift.report import text as report_text
from iamdocs.drift.sources.cloudformation import NOT_EVALUATED, SHORT_FORMS
from iamdocs.drift.sources.paste import READ_COMMAND
from iamdocs.drift.sources.role import READ_PERMISSIONS, role_location
from iamdocs.model import CombinationError, SoundProject
from iamdocs.render._markdown import code, fence, inert, policy_page, table

READ_POLICY_FILE = "drift-check-read-only.json"

# Why the check makes each call, in the reader's words.
_WHY = {
    "GetRole": "find the role and its account",
    "ListAttachedRolePolicies": "list the managed policies attached to the role",
    "GetPolicy": "find each managed policy's default version",
    "GetPolicyVersion": "read that version's document",
    "ListRolePolicies": "list the role's inline policies",
    "GetRolePolicy": "read each inline policy's document",
}


def drift_read_permissions(project: SoundProject) -> str:
    """Table of the read-only IAM actions `iamdocs drift --role` needs, and why."""
    rows = [[code(action), _WHY.get(op, "")] for op, action in READ_PERMISSIONS.items()]
    return table(["Action", "Used to"], rows)


def drift_read_policy(project: SoundProject) -> str:
    """A policy that grants exactly the read-only actions the role check needs, as a JSON code block."""
    doc = {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ReadRolesForDriftCheck",
            "Effect": "Allow",
            "Action": sorted(set(READ_PERMISSIONS.values())),
            "Resource": "*",
        }],
    }
    return fence(json.dumps(doc, indent=2), "json", READ_POLICY_FILE)


def _option_args(options: tuple[str, ...] | list[str]) -> str:
    return " ".join(f"--option {o}" for o in options)


def drift_role_options(project: SoundProject) -> str:
    """Table: for each valid combination of options and each of its roles, the `--option`/`--as` values and the
    policies checked (from the catalog's combinations)."""
    rows = []
    for combo in project.catalog.combinations():
        for rid, setup in combo.roles.items():
            role = inert(project.catalog.roles[rid].title)
            policies = ", ".join(f"[{code(p)}]({policy_page(p)})" for p in setup.policies)
            rows.append([inert(combo.title), role, f"{code(_option_args(combo.options))} {code('--as ' + rid)}",
                         policies])
    return table(["Option", "Role", "Check with", "Must grant everything in"], rows)


def drift_command(project: SoundProject, option: str = "engine-a", as_role: str = "manager",
                  role_name: str = "<ROLE_NAME>") -> str:
    """The command that checks one role against one combination ("engine-b+session-manager"), as a shell block."""
    unknown = [o for o in option.split("+") if o not in project.catalog.options]
    if unknown:
        raise ValueError(f"drift_command: no role option {unknown[0]!r}")
    try:
        combo = project.catalog.combination([option])
    except CombinationError as exc:
        raise ValueError(f"drift_command: {exc}") from None
    if as_role not in combo.roles:
        raise ValueError(f"drift_command: option {option!r} has no {as_role!r} role")
    as_part = "" if as_role == "manager" else f" --as {as_role}"
    return fence(f"iamdocs drift --role {role_name} {_option_args(combo.options)}{as_part} --profile <PROFILE>", "sh")


def drift_role_example(project: SoundProject, option: str = "engine-a", role_name: str = "my-manager-role",
                       left_out: str = "ec2:DeleteTags") -> str:
    """What `drift --role` prints for a manager role whose policy lacks one action, as a text code block.

    Produced by the check itself, on a role made up here, so the example cannot fall behind the output.
    """

    needed = project.catalog.combination([option]).roles["manager"].policies
    doc = json.loads(json.dumps(project.policy(needed[0]).document))
    for st in doc["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        st["Action"] = [a for a in actions if a.lower() != left_out.lower()]
    loc = role_location(role_name)
    copies = [Copy(f"managed policy {needed[0].removesuffix('.json')} (v1)", doc, loc)]
    report = compare_role(project, role_name, copies, needed, option, iamdb.load(), loc)
    return fence(report_text(report), "text")


def drift_intrinsics(project: SoundProject) -> str:
    """The CloudFormation intrinsic functions the template reader evaluates, short and long form."""
    rows = []
    for short, long in sorted(SHORT_FORMS.items(), key=lambda kv: kv[1]):
        note = "accepted, but an error inside a policy document" if long in NOT_EVALUATED else "evaluated"
        rows.append([code(short), code(long), note])
    return table(["Short form", "Long form", "In a policy"], rows)


def drift_resemblance(project: SoundProject) -> str:
    """The coverage rule that decides which canonical policy a document is compared with, in words."""
    return (f"a document is compared with the policy whose grants (action and resource) it covers, however much more "
            f"it grants; it must grant more than {1 - MISSING_SHARE:.0%} of them (all of a one- or two-grant policy)")


def drift_make_lines(project: SoundProject) -> str:
    """The drift commands `make site` runs (and the template they check), read from the Makefile."""
    makefile = Path(project.root) / "Makefile"
    try:
        text = makefile.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"drift_make_lines: cannot read {makefile}: {exc}") from None
    m = re.search(r"^site:.*\n((?:\t.*\n)+)", text, re.M)
    lines = [line.strip().replace("$(BIN)/", "") for line in (m.group(1) if m else "").splitlines()
             if "iamdocs drift" in line or "iamdocs template" in line]
    if not lines:
        raise ValueError("drift_make_lines: the Makefile's site target runs no `iamdocs drift`")
    return fence("\n".join(lines), "sh")


def role_check_command(project: SoundProject) -> str:
    """The one read-only AWS CLI command whose output the browser role check reads."""
    return fence(READ_COMMAND.replace(" --filter", " \\\n  --filter") + " \\\n  --output json > roles.json\n", "bash")


def role_check_form(project: SoundProject) -> str:
    """Where docs/javascripts/role-check.js puts its form; without JavaScript, a note instead."""
    return ('<div class="iamdocs-role-check" data-iamdocs-role-check></div>\n\n'
            "<noscript>The check runs in your browser and needs JavaScript.</noscript>\n")


MACROS = [role_check_command, role_check_form,
          drift_read_permissions, drift_read_policy, drift_role_options, drift_command, drift_role_example,
          drift_intrinsics,
          drift_resemblance, drift_make_lines]
