"""`iamdocs drift`: does a copy of the permissions grant exactly what policies/ grants?"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from iamdocs import iamdb
from iamdocs.cfn.reader import NotATemplate
from iamdocs.commands._options import add_project_argument, add_target_arguments, project_root, target_spec
from iamdocs.drift import compare
from iamdocs.drift.report import FORMATS
from iamdocs.errors import UserError
from iamdocs.iamdb import IAMDatabase
from iamdocs.loader import load_sound_project
from iamdocs.model import CombinationError, SoundProject
from iamdocs.output import annotation, github_log, printable, workflow_command

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
    "nothing to compare (no identity policy, or none that covers a policy in policies/). Several templates (or "
    "copies) get a verdict each, and the worst of 0, 1 and 2 is the exit code (4 only when no file had anything "
    "to compare): a file that cannot be read never hides drift in another."
)
SKIP_UNRELATED = (
    "pass, with a note, a file that has nothing to do with policies/: one that is not a CloudFormation template (a "
    "parameters file beside the templates), or holds nothing to compare; without it that is exit 2 or 4. For "
    "pre-commit and CI, which hand over every file a pattern matches"
)
NOTHING_TO_COMPARE = 4  # exit code: readable input, but no document to compare


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_argument_group("what to check (exactly one)").add_mutually_exclusive_group(required=True)
    src.add_argument("--site", metavar="DIR", type=Path,
                     help="a built site: every policy code block, JSON download and template in it")
    src.add_argument("--cloudformation", metavar="FILE", type=Path, nargs="*", action="extend",
                     help="CloudFormation templates (YAML or JSON): every IAM policy document each creates")
    src.add_argument("--copies", metavar="FILE", type=Path, nargs="*", action="extend",
                     help="policy JSON files that copy the canonical policies (a product's deployments/aws/policies/"
                          "*.json): each compared with the policy of its file name or a former name, else with the "
                          "one it covers")
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
    p.add_argument("--skip-unrelated", action="store_true", help=f"with --cloudformation or --copies: {SKIP_UNRELATED}")
    p.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    add_project_argument(p)
    p.add_argument("files", metavar="FILE", type=Path, nargs="*",
                   help="more files for --cloudformation or --copies; after --, a file name may start with -")


def _params(entries: list[str]) -> dict[str, str]:
    out = {}
    for e in entries:
        name, sep, value = e.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--param {e}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


def _files(args: argparse.Namespace) -> list[Path] | None:
    """The files of --cloudformation or --copies, those after the option and the FILE arguments, each once."""
    listed = args.cloudformation if args.cloudformation is not None else args.copies
    if listed is None:
        if args.files:
            raise UserError(f"{args.files[0]}: file arguments go with --cloudformation or --copies")
        if args.skip_unrelated:
            raise UserError("--skip-unrelated applies only to --cloudformation and --copies")
        return None
    files = list(dict.fromkeys([*listed, *args.files]))
    if not files:
        option = "--cloudformation" if args.cloudformation is not None else "--copies"
        raise UserError(f"{option}: name at least one file")
    return files


def _check_options(args: argparse.Namespace) -> None:
    """Options that belong to one source are a usage error with another."""
    if (args.map or args.param or args.parameters) and args.cloudformation is None:
        raise UserError("--map, --param and --parameters apply only to --cloudformation")
    role_only = [o for o, v in (("--option", args.option), ("--endpoint-url", args.endpoint_url),
                                ("--aws", args.aws), ("--profile", args.profile), ("--region", args.region)) if v]
    if role_only and not args.role:
        raise UserError(f"{', '.join(role_only)} apply only to --role")


def run(args: argparse.Namespace) -> int:
    _check_options(args)
    files = _files(args)
    root = project_root(args)
    project = load_sound_project(root)
    db = iamdb.load()
    if args.cloudformation is not None:
        # lazy: only the source asked for
        from iamdocs.drift.sources.cloudformation import check_template, read_parameters

        params = read_parameters(args.parameters) if args.parameters else {}
        params.update(_params(args.param))
        return _each(files or [], lambda path: check_template(project, db, path, params, args.map), args)
    if args.copies is not None:
        from iamdocs.drift.sources.copies import copy_report  # lazy: only the source asked for

        return _each(files or [], lambda path: copy_report(path, project, db), args)
    if args.site:
        from iamdocs.drift.sources.site import site_copies  # lazy: only the source asked for

        copies, notes = site_copies(args.site, project, db)
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


@dataclass
class Verdict:
    """One file's outcome: its report, or the error that stopped it, or why it was skipped."""

    path: Path
    report: compare.Report | None = None
    error: UserError | None = None
    skipped: str = ""

    @property
    def code(self) -> int:
        if self.error is not None:
            return 2
        if self.report is None or self.report.nothing:
            return NOTHING_TO_COMPARE
        return 1 if self.report.drift else 0

    @property
    def word(self) -> str:
        if self.skipped:
            return "skipped"
        return {0: "no drift", 1: "drift", 2: "unreadable", NOTHING_TO_COMPARE: "nothing to compare"}[self.code]


def _each(files: list[Path], check: Callable[[Path], compare.Report], args: argparse.Namespace) -> int:
    """Each file its own verdict, printed as it comes; the worst of 0, 1 and 2 is the exit code."""
    verdicts = []
    source = "--cloudformation" if args.cloudformation is not None else "--copies"
    for path in files:
        if args.format == "github":  # each file's annotations in a group of its own in the job's log
            sys.stdout.write(workflow_command("group", f"iamdocs drift {source} {path}") + "\n")
        try:
            v = Verdict(path, report=check(path))
        except NotATemplate as exc:
            if not args.skip_unrelated:
                v = Verdict(path, error=exc)
            else:
                v = Verdict(path, skipped=exc.message)
        except UserError as exc:
            v = Verdict(path, error=exc)
        verdicts.append(v)
        if args.format != "json" or len(files) == 1:
            _show(v, args.format)
        if args.format == "github":
            sys.stdout.write(workflow_command("endgroup") + "\n")
    if args.format == "json" and len(files) > 1:
        sys.stdout.write(json.dumps([_as_json(v) for v in verdicts], indent=2) + "\n")
    elif len(files) > 1:
        tally = Counter(v.word for v in verdicts)
        line = f"{len(files)} files: " + ", ".join(f"{n} {word}" for word, n in sorted(tally.items()))
        sys.stdout.write(github_log([line]) if args.format == "github" else line + "\n")
    real = [v.code for v in verdicts if v.code != NOTHING_TO_COMPARE]
    if real:
        return max(real)
    return 0 if args.skip_unrelated else NOTHING_TO_COMPARE


def _show(v: Verdict, fmt: str) -> None:
    if v.report is not None:
        sys.stdout.write(FORMATS[fmt](v.report))
        return
    message = v.skipped or (v.error.message if v.error is not None else "")
    if fmt == "github":
        line, col, text = _located(v.path, message)
        level = "notice" if v.skipped else "error"
        title = "iamdocs drift: skipped" if v.skipped else "iamdocs drift: cannot be compared"
        sys.stdout.write(annotation(level, text + ("; skipped" if v.skipped else ""), str(v.path), line, col, title)
                         + "\n")
    if v.skipped:
        if fmt == "text":
            print(f"{printable(message)}; skipped")
        return
    lines = [f"iamdocs drift: error: {message}"] + ([f"hint: {v.error.hint}"] if v.error and v.error.hint else [])
    sys.stderr.write(github_log(lines) if fmt == "github" else "".join(f"{printable(ln)}\n" for ln in lines))


def _located(path: Path, message: str) -> tuple[int, int, str]:
    """(line, column, rest) of a message that starts with the file's name and maybe its line and column:
    the annotation names the place in its properties, not again in its text."""
    if not message.startswith(f"{path}:"):
        return 0, 0, message
    rest = message[len(f"{path}:"):].lstrip()
    m = re.match(r"(\d+):(\d+): ", rest)
    return (int(m.group(1)), int(m.group(2)), rest[m.end():]) if m else (0, 0, rest)


def _as_json(v: Verdict) -> object:
    if v.report is not None:
        return json.loads(FORMATS["json"](v.report))
    key = "skipped" if v.skipped else "error"
    return {"source": str(v.path), key: v.skipped or (v.error.message if v.error is not None else "")}


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
