"""`iamdocs deploy`: prove that the policy files deploy as documented, in a sandbox, leaving nothing behind."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from iamdocs.commands._options import add_project_argument, add_target_arguments, project_root, target_spec
from iamdocs.errors import UserError
from iamdocs.fsutil import REFUSED_TARGETS, check_target
from iamdocs.loader import load_sound_project
from iamdocs.sandbox.deploy import cleanup, deploy, stack_names
from iamdocs.sandbox.faults import Faults
from iamdocs.sandbox.report import Report
from iamdocs.sandbox.target import EMBEDDED_REGION, PROJECT_SETTING, TargetOptions

NAME = "deploy"
HELP = "deploy every combination of role options and the CloudFormation stacks into a sandbox, verify, and remove them"
DESCRIPTION = (
    "Create every valid combination of the role options of policies/catalog.yaml (an option with the additions "
    "that go on top of it) and the generated CloudFormation template in a sandbox "
    "(by default an embedded moto server that this command starts and stops), read everything back and compare "
    "it with the policy files, then delete it all. Exit 0 when every check passed and nothing is left behind, "
    "1 when a check failed or something is left behind, 2 for a usage error or a refused account, "
    "130 when interrupted (after cleaning up)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = add_target_arguments(p, "target (default: an embedded moto server that the command starts and stops)",
                             f"the Region to deploy in (default: the profile's, or {EMBEDDED_REGION})")
    g.add_argument("--allow-account", metavar="ID", action="append", default=[],
                   help=f"an account ID this command may change (repeatable; also [tool.iamdocs] {PROJECT_SETTING} "
                        "in pyproject.toml); required for anything but the embedded server")
    g = p.add_argument_group("what to deploy (default: every valid combination of role options and every stack)")
    g.add_argument("--option", metavar="ID", action="append",
                   help="deploy only the combination of these role options (repeat it: --option engine-b "
                        "--option session-manager)")
    g.add_argument("--stack", metavar="NAME", action="append", choices=stack_names(),
                   help=f"deploy only this stack combination (repeatable): {', '.join(stack_names())}")
    p.add_argument("--cleanup", action="store_true",
                   help="deploy nothing: remove the leftovers of earlier runs, found by their iamdocs tags")
    p.add_argument("--report", metavar="FILE", type=Path, help=f"write the JSON report to FILE ({REFUSED_TARGETS})")
    add_project_argument(p)


def _finish(report: Report, path: Path | None) -> int:
    if path is not None:
        report.write(path)  # checked before the run; a late failure (disk full) is still one UserError line
    print(report.summary())
    assert report.exit_code is not None
    return report.exit_code


def _options(args: argparse.Namespace) -> TargetOptions:
    """Deploy's target options, checked before anything is started or contacted."""
    spec = target_spec(args)
    opts = TargetOptions(endpoint_url=spec.endpoint_url, aws=spec.aws, profile=spec.profile, region=spec.region,
                         allow_accounts=tuple(args.allow_account))
    opts.checked()
    return opts


def run(args: argparse.Namespace) -> int:
    opts = _options(args)
    if args.report is not None:
        check_target(args.report)  # a bad --report is said before the deploy runs, not after
    root = project_root(args)
    opts = replace(opts, project_root=root)
    if args.cleanup:
        if args.option or args.stack:
            raise UserError("--cleanup deploys nothing; it cannot be combined with --option or --stack")
        if opts.kind == "embedded":  # every embedded run starts an empty server: there is never a leftover to find
            raise UserError("--cleanup needs the sandbox that earlier runs used: the embedded server starts empty "
                            "every time and stops with its run, so it never holds leftovers",
                            hint="add --endpoint-url URL, --profile NAME or --aws, with --allow-account ID")
        return _finish(cleanup(opts), args.report)
    project = load_sound_project(root)
    if args.option is not None or args.stack is not None:
        # the --option values together name one combination ("engine-b" and "session-manager")
        options, stacks = (["+".join(args.option)] if args.option else []), list(args.stack or [])
    else:
        options, stacks = None, None
    report = deploy(opts, project, options=options, stacks=stacks, faults=Faults.from_env())
    code = _finish(report, args.report)
    sys.stdout.flush()
    return code
