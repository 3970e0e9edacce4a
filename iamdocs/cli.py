"""The `iamdocs` command line: `main(argv) -> int`, importable and tested as a function.

Subcommands are discovered: every module in `iamdocs/commands/` that defines
NAME, HELP, add_arguments(parser) and run(args) -> int becomes one.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from iamdocs import __version__
from iamdocs.errors import UserError


def commands() -> dict[str, object]:
    from iamdocs import commands as pkg

    found = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            found[module.NAME] = module
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iamdocs",
        description="Validate, publish, test-deploy and drift-check the AI Unlimited IAM policies in policies/.",
    )
    parser.add_argument("--version", action="version", version=f"iamdocs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in commands().items():
        p = sub.add_parser(name, help=module.HELP, description=getattr(module, "DESCRIPTION", module.HELP))
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for usage errors
        return int(exc.code or 0)
    try:
        return int(args._module.run(args))
    except UserError as exc:
        print(f"iamdocs {args.command}: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"iamdocs {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug in iamdocs, not the user's input: say so in one line
        if os.environ.get("IAMDOCS_DEBUG"):
            raise
        print(f"iamdocs {args.command}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("hint: set IAMDOCS_DEBUG=1 to see the traceback, and report it", file=sys.stderr)
        return 3


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
