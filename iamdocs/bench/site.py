"""The guide: strict build time and memory, the share spent in render functions, and a 200-policy site."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

from iamdocs.bench import Row, measure

TITLE = "Guide (mkdocs build --strict): the customers' site and the writers' site"
ROOT = Path(__file__).resolve().parents[2]
MKDOCS = str(Path(sys.executable).parent / "mkdocs")
ENV = {"NO_MKDOCS_2_WARNING": "1"}


WRITERS_CONFIG = "mkdocs.writers.yml"


def _build_cmd(site_dir: Path, config: str = "mkdocs.yml") -> list[str]:
    return [MKDOCS, "build", "--strict", "--quiet", "--config-file", config, "--site-dir", str(site_dir)]


def _copy_project(dest: Path) -> None:
    """What a build reads: config, pages, policies, the hooks file, files pages quote (Makefile).

    The macros module is imported by name from the installed package, as in any build.
    """
    for name in ("mkdocs.yml", WRITERS_CONFIG, "Makefile", "README.md", "pyproject.toml"):
        shutil.copy(ROOT / name, dest / name)
    for name in ("docs", "policies"):
        shutil.copytree(ROOT / name, dest / name)
    (dest / "iamdocs" / "guide").mkdir(parents=True)
    shutil.copy(ROOT / "iamdocs" / "guide" / "hooks.py", dest / "iamdocs" / "guide" / "hooks.py")


def _add_policies(root: Path, n: int) -> None:
    """n more policies, each a copy of the largest real one with its catalog entry, so pages are realistic."""
    model = "ai-unlimited-workspaces.json"
    text = (root / "policies" / model).read_text(encoding="utf-8")
    catalog_file = root / "policies" / "catalog.yaml"
    catalog = yaml.safe_load(catalog_file.read_text(encoding="utf-8"))
    meta = catalog["policies"][model]
    for i in range(n):
        name = f"generated-{i:03d}.json"
        (root / "policies" / name).write_text(text, encoding="utf-8")
        catalog["policies"][name] = {**meta, "title": f"Generated policy {i:03d}", "former_names": []}
    catalog_file.write_text(yaml.safe_dump(catalog, sort_keys=False), encoding="utf-8")


def _macro_share(tmp: Path) -> tuple[float, float, int, str]:
    """(render seconds, build seconds, calls, slowest macros) of one build with the macros timed."""
    times = tmp / "macro-times.json"
    start = time.perf_counter()
    measure(_build_cmd(tmp / "timed-site"), repeat=1, cwd=str(ROOT), env={**ENV, "IAMDOCS_MACRO_TIMES": str(times)})
    wall = time.perf_counter() - start
    totals = json.loads(times.read_text())
    slowest = sorted(totals.items(), key=lambda kv: -kv[1]["seconds"])[:3]
    top = ", ".join(f"{name} {t['seconds'] * 1000:.0f} ms" for name, t in slowest)
    return sum(t["seconds"] for t in totals.values()), wall, sum(t["calls"] for t in totals.values()), top


def run(quick: bool) -> list[Row]:
    rows: list[Row] = []
    repeat = 2 if quick else 5
    with tempfile.TemporaryDirectory(prefix="iamdocs-bench-site-") as d:
        tmp = Path(d)
        wall, peak = measure(_build_cmd(tmp / "site"), repeat=repeat, cwd=str(ROOT), env=ENV)
        rows.append(Row(f"guide, strict build, median of {repeat}", f"{wall:.2f} s", "< 3 s"))
        rows.append(Row("guide, strict build, peak memory", f"{peak:.0f} MB"))
        wall, peak = measure(_build_cmd(tmp / "writers-site", WRITERS_CONFIG), repeat=repeat, cwd=str(ROOT), env=ENV)
        rows.append(Row(f"writers' site, strict build, median of {repeat}", f"{wall:.2f} s", "< 3 s"))
        rows.append(Row("writers' site, strict build, peak memory", f"{peak:.0f} MB"))
        render, build, calls, top = _macro_share(tmp)
        rows.append(Row(f"render functions ({calls} macro calls)", f"{render:.3f} s of {build:.2f} s = "
                        f"{render * 100 / build:.1f}%", "< 10%"))
        rows.append(Row("slowest macros", top))
        sizes = [50, 200] if quick else [50, 100, 200]
        per_policy = []
        for n in sizes:
            proj = tmp / f"p{n}"
            proj.mkdir()
            _copy_project(proj)
            _add_policies(proj, n)
            w, p = measure(_build_cmd(proj / "site"), repeat=1 if quick else 2, cwd=str(proj), env=ENV)
            per_policy.append(w / (n + 4))
            target = "< 30 s" if n == 200 else ""
            rows.append(Row(f"generated site, {n + 4} policies", f"{w:.2f} s, {p:.0f} MB, "
                            f"{w * 1000 / (n + 4):.0f} ms per policy", target))
        rows.append(Row("growth: ms per policy, largest / smallest site",
                        f"{per_policy[-1] / per_policy[0]:.2f}x", "about 1x (linear)"))
    return rows


if __name__ == "__main__":
    os.chdir(ROOT)
    for row in run(quick="--quick" in sys.argv):
        print(row)
