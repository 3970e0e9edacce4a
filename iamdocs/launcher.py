"""The console script. `iamdocs --version` is answered here, before the command line's modules are imported."""

from __future__ import annotations

import sys

from iamdocs import __version__
from iamdocs.datafiles import describe, iam_data_versions


def version_text() -> str:
    """What --version prints: the IAM data too, since which actions are known depends on its version."""
    return f"iamdocs {__version__}\nIAM data: {describe(iam_data_versions())}\n"


def entry() -> None:
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(version_text())
        sys.exit(0)
    from iamdocs.cli import entry as run  # lazy: the parser and its modules are for every other command line

    run()
