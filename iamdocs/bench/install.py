"""The core install, as pre-commit and the GitHub Action make it: `pip install .` into a fresh venv.

It must bring validate, drift, sync and template, and neither cfn-lint, moto nor mkdocs. The size is
that of the whole venv (pip and setuptools included) and of what the install added to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from iamdocs.bench import Row, user_env

TITLE = "Install: the core (pip install .) into a fresh venv"
EXTRAS_ONLY = ("cfn-lint", "moto", "mkdocs", "properdocs", "parliament", "sympy", "networkx")


def _size(folder: Path) -> int:
    total = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


def run(quick: bool) -> list[Row]:
    root = Path(__file__).resolve().parents[2]
    env = user_env()
    with tempfile.TemporaryDirectory(prefix="iamdocs-bench-venv-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
        empty = _size(venv)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, str(root)], check=True, env=env, cwd=tmp)
        full = _size(venv)
        listed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
                                check=True, env=env, capture_output=True, text=True).stdout
        names = sorted(line.split("==")[0].lower() for line in listed.split())
        unwanted = [n for n in names if n in EXTRAS_ONLY]
        works = subprocess.run([str(venv / "bin" / "iamdocs"), "validate"], env=env, cwd=tmp,
                               capture_output=True, text=True).returncode == 0
    mb = 1000 * 1000
    return [
        Row("packages installed", f"{len(names)}: {', '.join(names)}"),
        Row("cfn-lint, moto, mkdocs, sympy, networkx among them", ", ".join(unwanted) or "none", "none"),
        Row("iamdocs validate (packaged policies) in it", "passes" if works else "FAILS", "passes"),
        Row("venv size after pip install . (pip and setuptools included)", f"{full / mb:.0f} MB", "<= 80 MB"),
        Row("added by pip install . to the fresh venv", f"{(full - empty) / mb:.0f} MB"),
    ]
