"""The build step that puts this commit's canonical policies into the package (iamdocs/_project/policies).

pre-commit and the GitHub Action install iamdocs with pip from a commit of this repository; the
installed package then carries that commit's policies/ (catalog.yaml, the policy JSON files and
schema/), and `iamdocs.loader.find_root` uses them when no project is found or named. An editable
install or a run from the source tree needs no copy: the source's own policies/ sit next to iamdocs/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithPolicies(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "iamdocs" / "_project" / "policies"
        if target.exists():
            shutil.rmtree(target)
        # Only what the loader reads: the catalog, the policy documents and the schemas.
        shutil.copytree(HERE / "policies", target, ignore=shutil.ignore_patterns("__pycache__", ".*"))


setup(cmdclass={"build_py": BuildWithPolicies})
