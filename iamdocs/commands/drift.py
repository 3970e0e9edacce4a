"""`iamdocs drift`: does a copy of the permissions grant exactly what policies/ grants?"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from iamdocs import iamdb
from iamdocs.commands._options import add_project_argument, add_target_arguments, project_root, target_spec
from iamdocs.drift import compare
from iamdocs.drift.report import FORMATS
from iamdocs.errors import UserError
from iamdocs.iamdb import IAMDatabase
from iamdocs.loader import load_sound_project
from iamdocs.model import CombinationError, SoundProject
from iamdocs.output import printable

NAME = "drift"
HELP = "compare copies of the permissions (built site, CloudFormation template, deployed role, git ref) with policies/"
DESCRIPTION = (
    "Compare one source of copies with the canonical policies in policies/, grant by grant: statement layout, "
    "case, wildcards and placeholder spellings do not matter. A template is checked under every branch: every "
    "combination of the parameter values that the conditions above its IAM resources depend on (--param and "
    "--parameters fix some), and the roles it creates are compared with the catalog's (trust policy, which "
    "policies go together). Exit 0 only when every branch of every matched role was compared and is identical; "
    "1 when there is drift, or when no drift is not proven (the branch search was cut by its bound, or a role "
    "gets a managed policy from outside the template): the report's last line then starts with \"not proven:\" "
    "and gives the reason; 2 for a usage error or unreadable input; 4 when a readable template or site holds "
    "nothing to compare (no identity policy, or none that covers a policy in policies/)."
)
NOTHING_TO_COMPARE = 4  # exit code: readable input, but no document to compare


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_argument_group("what to check (exactly one)").add_mutually_exclusive_group(required=True)
    src.add_argument("--site", metavar="DIR", type=Path,
                     help="a built site: every policy code block, JSON download and template in it")
    src.add_argument("--cloudformation", metavar="FILE", type=Path,
                     help="a CloudFormation template (YAML or JSON): every IAM policy document it creates")
    src.add_argument("--role", metavar="NAME",
                     help="a deployed IAM role (read-only): does it have everything --option needs?")
    src.add_argument("--ref", metavar="GIT_REF", help="policies/ at an earlier commit or tag: what changed since")
    cfn = p.add_argument_group("--cloudformation")
    cfn.add_argument("--map", metavar="ID=FILE", action="append", default=[],
                     help="compare this document (LogicalId, or LogicalId/PolicyName for a role's inline policy) "
                          "with this policy file (several: comma-separated) instead of the one it covers")
    cfn.add_argument("--param", metavar="NAME=VALUE", action="append", default=[],
                     help="fix a parameter's value (default: every value the IAM conditions can see, each "
                          "combination checked)")
    cfn.add_argument("--parameters", metavar="FILE", type=Path,
                     help="fix parameter values from a CloudFormation parameter file (the AWS CLI's list of "
                          "ParameterKey/ParameterValue, or {\"Name\": \"value\"}); --param wins over it")
    role = add_target_arguments(p, "--role (read-only IAM calls; no embedded server: the role must exist)",
                                "the Region the role's resources name (default: the profile's, or us-east-1)")
    role.add_argument("--option", metavar="OPTION", action="append",
                      help="a role option the role should satisfy, e.g. engine-b; repeat it for the additions on "
                           "top (--option engine-b --option session-manager), as the catalog combines them")
    role.add_argument("--as", dest="as_role", metavar="ROLE", default="manager",
                      help="which of the option's roles this is (default: manager)")
    p.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    add_project_argument(p)


def _params(entries: list[str]) -> dict[str, str]:
    out = {}
    for e in entries:
        name, sep, value = e.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--param {e}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


def _check_options(args: argparse.Namespace) -> None:
    """Options that belong to one source are a usage error with another."""
    if (args.map or args.param or args.parameters) and not args.cloudformation:
        raise UserError("--map, --param and --parameters apply only to --cloudformation")
    role_only = [o for o, v in (("--option", args.option), ("--endpoint-url", args.endpoint_url),
                                ("--aws", args.aws), ("--profile", args.profile), ("--region", args.region)) if v]
    if role_only and not args.role:
        raise UserError(f"{', '.join(role_only)} apply only to --role")


def run(args: argparse.Namespace) -> int:
    _check_options(args)
    root = project_root(args)
    project = load_sound_project(root)
    db = iamdb.load()
    if args.cloudformation:
        # lazy: only the source asked for
        from iamdocs.drift.sources.cloudformation import check_template, read_parameters

        params = read_parameters(args.parameters) if args.parameters else {}
        params.update(_params(args.param))
        report = check_template(project, db, args.cloudformation, params, args.map)
    elif args.site:
        from iamdocs.drift.sources.site import site_copies  # lazy: only the source asked for

        copies, notes = site_copies(args.site, project)
        report = compare.compare_copies(project, copies, db, "site", str(args.site))
        report.differences.extend(notes)
    elif args.role:
        report = _role(args, project, db)
    else:
        from iamdocs.drift.sources.gitref import current_copies, ref_copies, renames  # lazy: only the source asked for

        report = compare.compare_versions(ref_copies(root, args.ref), current_copies(project), renames(project), db,
                                          args.ref)
    if report.mode == "site" and not report.documents and not report.drift:
        skipped = "; ".join(f"{d.document}: {d.message}" for d in report.differences if d.kind == "unmatched")
        report.nothing = f"{report.source} holds no policy document to compare ({skipped or 'none found'})"
    sys.stdout.write(FORMATS[args.format](report))
    if report.drift:
        return 1
    return NOTHING_TO_COMPARE if report.nothing else 0


# IAM's own rule for a role name; anything else cannot name a role, and is refused before any call.
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
_ROLE_ARN = re.compile(r"arn:[^:]*:iam::[^:]*:role/(?:[^\n]*/)?([^/\n]*)")


def _check_role_name(name: str) -> None:
    """A role's ARN gets a hint to give its name; a name IAM would refuse is one escaped line."""
    arn = _ROLE_ARN.fullmatch(name)
    if arn:
        raise UserError(f"--role {printable(name)}: an ARN; --role takes the role's name",
                        hint=f"--role {printable(arn.group(1))}")
    if not _ROLE_NAME.fullmatch(name):
        raise UserError(f"--role {printable(name)}: not an IAM role name (1 to 64 letters, digits and +=,.@_-)")


def _role(args: argparse.Namespace, project: SoundProject, db: IAMDatabase) -> compare.Report:
    from iamdocs.drift.sources.role import read_role, role_location  # lazy: boto3 only for a deployed role
    from iamdocs.drift.target import iam_client  # lazy: boto3 only for a deployed role

    catalog = project.catalog
    choices = ", ".join(catalog.options)
    if not args.option:
        raise UserError("--role needs --option: which role option should the role satisfy?", hint=f"options: {choices}")
    unknown = [o for o in args.option if o not in catalog.options]
    if unknown:
        raise UserError(f"--option {', '.join(unknown)}: no such role option", hint=f"options: {choices}")
    try:
        combo = catalog.combination(args.option)
    except CombinationError as exc:
        valid = "; ".join(c.id for c in catalog.combinations())
        raise UserError(f"--option {' --option '.join(args.option)}: {exc}", hint=f"valid combinations: {valid}") \
            from None
    setup = combo.roles.get(args.as_role)
    if setup is None:
        raise UserError(f"--as {args.as_role}: option {combo.id} has no {args.as_role} role",
                        hint=f"its roles: {', '.join(combo.roles)}")
    _check_role_name(args.role)
    iam = iam_client(target_spec(args))
    copies, _ = read_role(iam, args.role)
    return compare.compare_role(project, args.role, copies, setup.policies, combo.id, db,
                                role_location(args.role))
