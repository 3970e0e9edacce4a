"""The `iamdocs` command line: `main(argv) -> int`, importable and tested as a function.

Subcommands are discovered: every module in `iamdocs/commands/` that defines
NAME, HELP, add_arguments(parser) and run(args) -> int becomes one.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

from iamdocs import version_text
from iamdocs.errors import UserError
from iamdocs.output import printable


def command_names() -> list[str]:
    """Subcommand names, from the module file names, without importing them."""
    from iamdocs import commands as pkg  # lazy: commands are discovered when the parser is built, not at import

    return sorted(info.name for info in pkgutil.iter_modules(pkg.__path__) if not info.name.startswith("_"))


def commands(only: str | None = None) -> dict[str, object]:
    """Import the command modules (just `only`, when given: deploy's boto3 need not slow validate)."""
    found = {}
    for name in command_names():
        if only is not None and name != only:
            continue
        module = importlib.import_module(f"iamdocs.commands.{name}")
        if getattr(module, "NAME", None) != name or not hasattr(module, "run"):
            raise RuntimeError(f"iamdocs/commands/{name}.py must define NAME = {name!r} and run(args)")
        found[name] = module
    return found


def summaries() -> dict[str, str]:
    """Each subcommand's HELP, read from its source without importing it: `--help` and `--version` stay fast."""
    from iamdocs import commands as pkg  # lazy: as in command_names

    out = {}
    for name in command_names():
        tree = ast.parse(Path(pkg.__path__[0], f"{name}.py").read_text(encoding="utf-8"))
        out[name] = next((n.value.value for n in tree.body if isinstance(n, ast.Assign)
                          and any(isinstance(t, ast.Name) and t.id == "HELP" for t in n.targets)
                          and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)), "")
    return out


def _requested(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line, if it is a known one."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in command_names() else None
    return None


class _Version(argparse.Action):
    """--version names the IAM data too: which actions are known depends on those packages' versions."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        sys.stdout.write(version_text())
        parser.exit()


def build_parser(only: str | None = None, *, summary: bool = False) -> argparse.ArgumentParser:
    """The parser; with `summary`, subcommands are named with their HELP only, none imported.

    main() asks for the summary when no subcommand is on the command line: then only
    --help, --version or a usage error can follow, and none needs a subcommand's options.
    """
    parser = argparse.ArgumentParser(
        prog="iamdocs",
        description="Validate, publish, test-deploy and drift-check the AI Unlimited IAM policies in policies/.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show program's version number and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    if summary:
        for name, text in summaries().items():
            sub.add_parser(name, help=text)
        return parser
    for name, module in commands(only).items():
        p = sub.add_parser(name, help=module.HELP, description=getattr(module, "DESCRIPTION", module.HELP))
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    only = _requested(argv)
    parser = build_parser(only, summary=only is None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for usage errors
        return int(exc.code or 0)
    try:
        return int(args._module.run(args))
    except UserError as exc:
        # escaped: a message may quote a name or a file's content (a newline, an escape sequence)
        print(f"iamdocs {args.command}: error: {printable(exc.message)}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {printable(exc.hint)}", file=sys.stderr)
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
