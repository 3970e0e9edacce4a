"""Fixtures for the guide's tests: a tiny hand-written project, and the real site built once."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MKDOCS = Path(sys.executable).parent / "mkdocs"

MINI_CATALOG = """\
product: Mini
placeholders:
  REGION:
    description: The Region.
    example: us-west-2
    pattern: '^[a-z]{2}-[a-z]+-[0-9]$'
  ACCOUNT_ID:
    description: The account.
    example: '123456789012'
    pattern: '^[0-9]{12}$'
limits:
  managed_policy_chars: 200
roles:
  worker:
    title: Worker role
    description: Runs the work.
    trusted_services: [ec2.amazonaws.com]
policies:
  app.json:
    title: App policy
    purpose: Reads the app's secrets.
    role: worker
    former_names: [old-app.json]
    placeholders: [REGION, ACCOUNT_ID]
    statements:
      ReadSecrets: Read the secrets.
  ops.json:
    title: Ops policy
    purpose: Looks around and runs instances.
    role: worker
    statements:
      Look: See what is there.
      Run: Start the work.
options:
  plain:
    group: worker
    title: Plain worker
    when: You want the worker.
    setup_field: Enter the role in **Role**.
    roles:
      worker:
        managed: [ops.json]
        inline: [app.json]
  bounded:
    group: boundary
    title: Bounded worker
    when: You need a boundary.
    combines_with: [plain]
    roles:
      worker:
        permissions_boundary: true
cloudformation:
  role: worker
  inline_policies: [ops.json]
  session_policies: [app.json]
accepted_findings:
  - rule: W999
    policies: [ops.json]
    justification: The worker must run instances it cannot name in advance.
history:
  - date: 2024-01-01
    summary: First release.
    changes:
      - policies: [ops.json]
        added: [ec2:DescribeInstances, ec2:RunInstances]
      - policies: [app.json]
        added: [secretsmanager:GetSecretValue]
  - date: 2024-02-01
    summary: Renamed.
    renamed:
      old-app.json: app.json
  - date: 2024-03-01
    summary: Buckets.
    why: Work needs files.
    changes:
      - policies: [ops.json]
        added: [s3:GetObject]
"""

MINI_APP = """\
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadSecrets",
      "Effect": "Allow",
      "Action": ["secretsmanager:GetSecretValue"],
      "Resource": "arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:app/*"
    }
  ]
}
"""

MINI_OPS = """\
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Look",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "ec2:DescribeInstances"],
      "Resource": "*"
    },
    {
      "Sid": "Run",
      "Effect": "Allow",
      "Action": "ec2:RunInstances",
      "Resource": "*"
    }
  ]
}
"""


@pytest.fixture(scope="session")
def mini_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-policy project written by hand, so that expected Markdown can be written by hand too."""
    root = tmp_path_factory.mktemp("mini")
    pdir = root / "policies"
    (pdir / "schema").mkdir(parents=True)
    shutil.copy(ROOT / "policies" / "schema" / "catalog.schema.json", pdir / "schema")
    (pdir / "catalog.yaml").write_text(MINI_CATALOG)
    (pdir / "app.json").write_text(MINI_APP)
    (pdir / "ops.json").write_text(MINI_OPS)
    return root


@pytest.fixture(scope="session")
def mini(mini_root: Path):
    from iamdocs.loader import load_sound_project

    return load_sound_project(mini_root)


def _shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A folder all xdist workers of this run share (the parent of their own base temps)."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


def _built(tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str, args: list[str]) -> Path:
    """A site built once per test run with `mkdocs build --strict`, whichever worker comes first.

    The other workers wait on a file lock and reuse the folder, or the recorded failure.
    """
    shared = _shared_dir(tmp_path_factory, worker_id)
    site = shared / name
    result = shared / f"{name}.result.json"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
            env.pop("IAMDOCS_MACRO_TIMES", None)
            proc = subprocess.run([str(MKDOCS), "build", "--strict", *args, "-d", str(site)], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300)
            result.write_text(json.dumps({"code": proc.returncode, "log": proc.stderr + proc.stdout}))
    outcome = json.loads(result.read_text())
    if outcome["code"] != 0:
        pytest.fail(f"mkdocs build --strict {' '.join(args)} failed:\n{outcome['log'][-4000:]}")
    return site


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The customers' guide (mkdocs.yml), as `make site` builds it."""
    return _built(tmp_path_factory, worker_id, "built-site", [])


@pytest.fixture(scope="session")
def built_writers_site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The writers' and release site (mkdocs.writers.yml), as `make site` builds it."""
    return _built(tmp_path_factory, worker_id, "built-writers-site", ["--config-file", "mkdocs.writers.yml"])
