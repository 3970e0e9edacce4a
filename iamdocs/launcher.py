"""The console script. `iamdocs --version` is answered here, before the command line's modules are imported."""

from __future__ import annotations

import sys

from iamdocs import version_text


def entry() -> None:
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(version_text())
        sys.exit(0)
    from iamdocs.cli import entry as run  # lazy: the parser and its modules are for every other command line

    run()
