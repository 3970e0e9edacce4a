"""Options that several commands share, declared once, and turned here into the typed values lower layers take.

Below `commands/` nothing reads an argparse namespace: the loader takes a project
root, iamdocs.aws a `TargetSpec`. (The leading underscore keeps this module out of
the discovered subcommands.)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from iamdocs.errors import UserError
from iamdocs.loader import find_root

if TYPE_CHECKING:  # the annotation only: iamdocs.aws imports boto3, which a command pays for only when it uses it
    from iamdocs.aws import TargetSpec


def add_project_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", metavar="DIR", type=Path,
                   help="project folder (default: found from the current folder)")


def project_root(args: argparse.Namespace) -> Path:
    """The folder --project names, or the one found from the current folder; UserError when it has no policies/."""
    if args.project is None:
        return find_root()
    root = Path(os.path.realpath(args.project))  # realpath: a link loop is a usage error, not a crash
    if not (root / "policies").is_dir():
        raise UserError(f"--project {args.project}: no policies/ folder there",
                        hint="give the folder that holds policies/catalog.yaml")
    return root


def add_target_arguments(p: argparse.ArgumentParser, title: str, region_help: str) -> argparse._ArgumentGroup:
    """Where AWS calls go: --endpoint-url, --aws, --profile and --region, in a group of their own.

    The commands differ in what no target means and what the Region is for, so those are said by the caller.
    """
    group = p.add_argument_group(title)
    group.add_argument("--endpoint-url", metavar="URL",
                       help="an AWS-compatible endpoint that is already running (a moto server, LocalStack)")
    group.add_argument("--aws", action="store_true",
                       help="a real account through boto3's credential chain (environment, AWS_PROFILE, SSO, "
                            "instance role); never chosen without this option or --profile")
    group.add_argument("--profile", metavar="NAME", help="a real account through this AWS CLI profile (implies --aws)")
    group.add_argument("--region", metavar="REGION", help=region_help)
    return group


def target_spec(args: argparse.Namespace) -> TargetSpec:
    """The target the options of add_target_arguments name, checked before anything is contacted."""
    from iamdocs.aws import TargetSpec  # lazy: boto3 only for a command that contacts AWS

    spec = TargetSpec(endpoint_url=args.endpoint_url, aws=bool(args.aws), profile=args.profile, region=args.region)
    spec.checked()
    return spec
