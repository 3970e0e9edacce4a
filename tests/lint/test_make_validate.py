"""`make validate` (which `make site` runs first) fails on a canonical policy with a literal Region."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_literal_region_in_a_canonical_policy_fails_make_validate(tmp_path: Path) -> None:
    for name in ("Makefile", "pyproject.toml", "requirements.lock"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    engine = tmp_path / "policies" / "ai-unlimited-engine.json"
    engine.write_text(engine.read_text().replace("<REGION>", "us-east-1"))
    run = subprocess.run(["make", "--no-print-directory", "validate", f"VENV={ROOT / '.venv'}"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert ('policies/ai-unlimited-engine.json:10:19: E034 error: resource '
            '"arn:<PARTITION>:secretsmanager:us-east-1:<ACCOUNT_ID>:secret:compute-engine/*" hard-codes the Region '
            '"us-east-1": write <REGION>, the placeholder the catalog declares for it, so each customer fills in '
            "their own") in run.stdout


def test_a_literal_partition_in_a_canonical_policy_fails_make_validate(tmp_path: Path) -> None:
    """The catalog declares <PARTITION>: `arn:aws:` written out would be wrong in GovCloud and China."""
    for name in ("Makefile", "pyproject.toml", "requirements.lock"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    engine = tmp_path / "policies" / "ai-unlimited-engine.json"
    engine.write_text(engine.read_text().replace("arn:<PARTITION>:", "arn:aws:"))
    run = subprocess.run(["make", "--no-print-directory", "validate", f"VENV={ROOT / '.venv'}"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert ('policies/ai-unlimited-engine.json:10:19: E034 error: resource '
            '"arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:compute-engine/*" hard-codes the partition '
            '"aws": write <PARTITION>, the placeholder the catalog declares for it, so each customer fills in '
            "their own") in run.stdout
