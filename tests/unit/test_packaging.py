"""The canonical policies travel with the version: a wheel built from this project carries its policies/.

pre-commit and the GitHub Action install iamdocs with pip from a commit; the commands run outside
any project must then use that commit's catalog and policies; a fork's own, named with --project or found from the
current folder, override them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_carries_the_policies_and_commands_use_them_outside_a_project(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels),
                    str(ROOT)], check=True, capture_output=True, text=True, timeout=600)
    [wheel] = wheels.glob("iamdocs-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(site)
    expected = {f"iamdocs/_project/policies/{p.relative_to(ROOT / 'policies').as_posix()}"
                for p in (ROOT / "policies").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert {"iamdocs/_project/policies/catalog.yaml", "iamdocs/_project/policies/session-manager.json",
            "iamdocs/_project/policies/schema/catalog.schema.json"} <= expected
    assert expected <= names
    for name in expected:
        assert (site / name).read_bytes() == (ROOT / name.removeprefix("iamdocs/_project/")).read_bytes(), name

    # The installed package, run in a folder that is no project: the packaged catalog, not an error.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("IAMDOCS_DEBUG", None)
    code = "import iamdocs.loader as l; print(l.__file__); print(l.find_root())"
    out = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, check=True, capture_output=True,
                         text=True, timeout=120).stdout.splitlines()
    assert out == [str(site / "iamdocs" / "loader.py"), str(site / "iamdocs" / "_project")]
    proc = subprocess.run([sys.executable, "-m", "iamdocs", "validate"], cwd=elsewhere, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # drift with the packaged policies: the product's copy of the Session Manager policy is the canonical one.
    (elsewhere / "session-manager.json").write_bytes((ROOT / "policies" / "session-manager.json").read_bytes())
    drift = [sys.executable, "-m", "iamdocs", "drift", "--copies", "session-manager.json"]
    proc = subprocess.run(drift, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "no drift: 1 policy document checked in session-manager.json"

    # A fork whose Session Manager policy lacks one action: --project overrides the packaged policies, and so does
    # running inside the fork (a project found from the current folder).
    fork = tmp_path / "fork"
    (fork / "policies").mkdir(parents=True)
    for p in (ROOT / "policies").rglob("*"):
        if p.is_file() and "__pycache__" not in p.parts:
            (fork / "policies" / p.relative_to(ROOT / "policies")).parent.mkdir(parents=True, exist_ok=True)
            (fork / "policies" / p.relative_to(ROOT / "policies")).write_bytes(p.read_bytes())
    ours = fork / "policies" / "session-manager.json"
    text = ours.read_text()
    assert text.count(',\n        "ssm:UpdateInstanceInformation"') == 1
    ours.write_text(text.replace(',\n        "ssm:UpdateInstanceInformation"', ""))
    added = ("session-manager.json:20:9: drift: session-manager.json (vs session-manager.json): added "
             "ssm:UpdateInstanceInformation")
    proc = subprocess.run([*drift, "--project", str(fork)], cwd=elsewhere, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert added in proc.stdout.splitlines()
    (fork / "session-manager.json").write_bytes((ROOT / "policies" / "session-manager.json").read_bytes())
    proc = subprocess.run(drift, cwd=fork, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert added in proc.stdout.splitlines()
