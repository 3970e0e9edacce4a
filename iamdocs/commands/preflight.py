"""`iamdocs preflight`: will the documented roles work under this organisation's guardrails?"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from iamdocs import iamdb
from iamdocs.commands._options import add_project_argument, project_root
from iamdocs.errors import UserError
from iamdocs.loader import load_sound_project

NAME = "preflight"
HELP = "check the role options against your SCPs, RCPs, permissions boundary and Region before installing"
DESCRIPTION = (
    "Decide every request the chosen role options make (each action of their policies, on the resources and "
    "with the request context the product uses) against the service control policies of each level of your "
    "organisation, your resource control policies and a permissions boundary, as AWS evaluates them: an "
    "explicit Deny anywhere wins, and every SCP level and the boundary must allow. For each blocked action it "
    "names the deciding file, line and statement and what breaks; an action whose answer depends on a value "
    "not known before the install (a tag the request carries, the role's name, your source IP) is "
    "conditional, naming the key. Files may be policy documents, `aws organizations describe-policy` output, "
    "`list-policies-for-target` output (with each listed policy's describe-policy output saved beside it as "
    "<PolicyId>.json) or a JSON list of these. Exit 0 when every action is allowed, 1 when any is blocked or "
    "conditional, 2 for bad input."
)
ACCOUNT = re.compile(r"[0-9]{12}")


def add_arguments(p: argparse.ArgumentParser) -> None:
    from iamdocs.preflight.report import FORMATS  # lazy: the parser of another command need not import preflight

    p.add_argument("--option", metavar="NAME", action="append", default=[],
                   help="a role option the install uses (repeat for a combination, e.g. --option engine-b "
                        "--option session-manager)")
    p.add_argument("--scp", metavar="FILE", type=Path, action="append", default=[],
                   help="the SCPs of one level of your organisation, root first, then each OU, then the account "
                        "(repeat once per level); a file holds one policy or a list")
    p.add_argument("--rcp", metavar="FILE", type=Path, action="append", default=[],
                   help="the resource control policies of one level (repeat once per level)")
    p.add_argument("--boundary", metavar="FILE", type=Path, help="the permissions boundary your roles get")
    p.add_argument("--region", metavar="REGION",
                   help="the Region AI Unlimited runs in (default: any, so a Region rule makes actions conditional)")
    p.add_argument("--account", metavar="ID", help="the 12-digit account ID (default: any)")
    p.add_argument("--role-name", metavar="ROLE=NAME", action="append", default=[],
                   help="the name you give a role of the options, e.g. manager=ai-unlimited-manager: with --account, "
                        "a guardrail that exempts roles by aws:PrincipalArn is decided instead of conditional")
    p.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    add_project_argument(p)


def run(args: argparse.Namespace) -> int:
    from iamdocs.preflight.check import preflight  # lazy: only this command pays for the evaluator
    from iamdocs.preflight.inputs import guardrails  # lazy: as above
    from iamdocs.preflight.report import FORMATS  # lazy: as above

    project = load_sound_project(project_root(args))
    choices = ", ".join(project.catalog.options)
    if not args.option:
        raise UserError("name the role options to check with --option", hint=f"options: {choices}")
    for option in args.option:
        if option not in project.catalog.options:
            raise UserError(f"--option {option}: no such role option", hint=f"options: {choices}")
    if args.region is not None and not iamdb.is_region(args.region):
        raise UserError(f"--region {args.region}: not an AWS Region", hint="for example us-east-1")
    account = (args.account or "").replace("-", "")
    if args.account is not None and not ACCOUNT.fullmatch(account):
        raise UserError(f"--account {args.account}: an account ID has 12 digits")
    role_names = _role_names(args.role_name, project.catalog.roles)
    scps, rcps, boundary = guardrails(args.scp, args.rcp, args.boundary)
    result = preflight(project, iamdb.load(), list(dict.fromkeys(args.option)), scps, rcps, boundary,
                       args.region or "", account, role_names)
    sys.stdout.write(FORMATS[args.format](result))
    return 0 if result.allowed else 1


ROLE_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")  # the characters and length IAM allows in a role name


def _role_names(entries: list[str], roles: Mapping[str, object]) -> dict[str, str]:
    out = {}
    for entry in entries:
        role, sep, name = entry.partition("=")
        if not sep or role not in roles:
            raise UserError(f"--role-name {entry}: expected ROLE=NAME with ROLE one of {', '.join(roles)}")
        if not ROLE_NAME.fullmatch(name):
            raise UserError(f"--role-name {entry}: not a role name IAM accepts (1 to 64 of A-Z a-z 0-9 +=,.@_-)")
        out[role] = name
    return out

