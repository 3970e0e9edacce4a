"""`drift --ref`: what changed in policies/ since an earlier commit, in a git repository made for the test."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

OLD_ENGINE = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "secretsmanager:GetSecretValue",
        "secretsmanager:ListSecrets"
      ],
      "Resource": "arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:*"
    }
  ]
}
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, root: Path) -> Path:
    """Two commits: an older release (file under its former name, engine policy different, no Session
    Manager policy), then today's policies/."""
    r = tmp_path / "repo"
    shutil.copytree(root / "policies", r / "policies")
    git(r, "init", "-q", "-b", "main")
    pol = r / "policies"
    now_workspaces = (pol / "ai-unlimited-workspaces.json").read_text()
    now_engine = (pol / "ai-unlimited-engine.json").read_text()
    now_session = (pol / "session-manager.json").read_text()
    (pol / "ai-unlimited-workspaces.json").unlink()
    (pol / "session-manager.json").unlink()
    (pol / "workspaces.json").write_text(now_workspaces.replace('        "route53:GetHostedZone"\n', "")
                                         .replace('"route53:GetChange",', '"route53:GetChange"'))
    (pol / "ai-unlimited-engine.json").write_text(OLD_ENGINE)
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "older release")
    git(r, "tag", "v1")
    (pol / "workspaces.json").unlink()
    (pol / "ai-unlimited-workspaces.json").write_text(now_workspaces)
    (pol / "ai-unlimited-engine.json").write_text(now_engine)
    (pol / "session-manager.json").write_text(now_session)
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "today")
    return r


def test_changes_since_a_tag(cli, repo):
    proc = cli("drift", "--ref", "v1", "--project", str(repo), "--format", "json", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    got = sorted((d["document"], d["kind"], d["action"]) for d in data["differences"] if d["severity"] == "drift")
    assert got == [
        ("ai-unlimited-engine.json", "changed", "secretsmanager:GetSecretValue"),
        ("ai-unlimited-engine.json", "removed", "secretsmanager:ListSecrets"),
        ("ai-unlimited-workspaces.json", "added", "route53:GetHostedZone"),
        ("ai-unlimited-workspaces.json", "renamed", ""),
        ("session-manager.json", "new-file", ""),
    ]
    by_kind = {d["kind"]: d for d in data["differences"]}
    assert by_kind["renamed"]["message"] == "renamed from workspaces.json"
    # Removed actions point into the old blob, added ones into today's file.
    assert (by_kind["removed"]["path"], by_kind["removed"]["line"]) == ("v1:policies/ai-unlimited-engine.json", 8)
    lines = (repo / "policies" / "ai-unlimited-workspaces.json").read_text().splitlines()
    expected_line = next(i for i, text in enumerate(lines, 1) if "route53:GetHostedZone" in text)
    assert (by_kind["added"]["path"], by_kind["added"]["line"]) == ("policies/ai-unlimited-workspaces.json",
                                                                    expected_line)


def test_text_output(cli, repo):
    proc = cli("drift", "--ref", "v1", cwd=repo)
    assert proc.returncode == 1
    assert "v1:policies/ai-unlimited-engine.json:8:9: drift: ai-unlimited-engine.json (vs ai-unlimited-engine.json): " \
           "removed secretsmanager:ListSecrets (on arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:*)" \
           in proc.stdout.splitlines()
    assert proc.stdout.splitlines()[-1] == ("drift: 5 differences (1 added, 1 changed, 1 new-file, 1 removed, "
                                            "1 renamed) in 3 of 4 policy documents checked in policies/ since v1")


def test_no_change_since_head(cli, repo):
    proc = cli("drift", "--ref", "HEAD", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "no drift: 4 policy documents checked in policies/ since HEAD"


@pytest.mark.parametrize(("ref", "message"), [
    ("no-such-tag", "--ref no-such-tag: no such commit, branch or tag in"),
    ("--help", "--ref --help: not a git ref"),
])
def test_unknown_ref_exits_2(cli, repo, ref, message):
    proc = cli("drift", f"--ref={ref}", cwd=repo)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_not_a_repository(cli, tmp_path, root):
    shutil.copytree(root / "policies", tmp_path / "p" / "policies")
    proc = cli("drift", "--ref", "HEAD", cwd=tmp_path / "p")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_project_in_a_subfolder_of_its_repository(cli, tmp_path, root):
    """A repository that keeps the guide in a subfolder: --ref reads policies/ of that folder at the ref."""
    repo = tmp_path / "mono"
    guide = repo / "guide"
    shutil.copytree(root / "policies", guide / "policies")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    engine = guide / "policies" / "ai-unlimited-engine.json"
    engine.write_text(engine.read_text().replace('"secretsmanager:GetSecretValue"',
                                                 '"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"'))
    proc = cli("drift", "--ref", "HEAD", "--project", str(guide), "--format", "json", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert [(d["document"], d["kind"], d["action"]) for d in data["differences"] if d["severity"] == "drift"] == [
        ("ai-unlimited-engine.json", "added", "secretsmanager:DescribeSecret")]
