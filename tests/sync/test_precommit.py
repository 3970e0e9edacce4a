"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit on a throwaway repository.

pre-commit installs iamdocs from this project's files into an environment of its own
(pip, from PyPI and pip's cache: about a minute the first time), exactly as it does for
a product repository that adds the hooks to its .pre-commit-config.yaml.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from iamdocs.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True, capture_output=True,
                          text=True).stdout.strip()


def hooks_repository(target: Path) -> str:
    """This project's files as they are now (committed or not) in a git repository of their own; its HEAD."""
    files = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "hooks")
    return git(target, "rev-parse", "HEAD")


def pre_commit(repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home)}
    env.pop("IAMDOCS_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=900)


def test_manifest_is_valid_and_its_entries_are_commands():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["iamdocs-validate", "iamdocs-drift-policies", "iamdocs-sync-check",
                                        "iamdocs-sync"]
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for h in hooks:
        # pre-commit runs: entry, then args, then the file names (unless pass_filenames is false)
        argv = h["entry"].split()[1:] + h.get("args", []) + (["a.yaml", "b.json"] if h.get("pass_filenames", True)
                                                             else [])
        args = build_parser(argv[0]).parse_args(argv)
        if argv[0] == "sync":
            assert args.cloudformation == [Path("a.yaml"), Path("b.json")]
            assert args.check == (h["id"] == "iamdocs-sync-check")
    by_id = {h["id"]: h for h in hooks}
    # validate fires on a canonical policies/ at the top only, not on a product's deployments/aws/policies/ copies
    assert re.search(by_id["iamdocs-validate"]["files"], "policies/catalog.yaml")
    assert not re.search(by_id["iamdocs-validate"]["files"], "deployments/aws/policies/session-manager.json")
    assert re.search(by_id["iamdocs-drift-policies"]["files"], "deployments/aws/policies/session-manager.json")
    assert not re.search(by_id["iamdocs-drift-policies"]["files"], "policies/session-manager.json")
    # As the writers' page says: arguments added before --cloudformation, the file names after it.
    args = build_parser("sync").parse_args(["sync", "--check", "--project", "p", "--cloudformation", "a.yaml"])
    assert (args.project, args.cloudformation) == (Path("p"), [Path("a.yaml")])


def test_pre_commit_fails_on_a_drifted_template_and_passes_after_sync(tmp_path, capsys):
    hooks = tmp_path / "iamdocs"
    hooks.mkdir()
    rev = hooks_repository(hooks)
    product = tmp_path / "product"
    template = product / "deployments" / "aws" / "templates" / "ai-unlimited.yaml"
    template.parent.mkdir(parents=True)
    shutil.copytree(ROOT / "policies", product / "policies")
    shutil.copy(FIXTURES / "product-shape.yaml", template)  # the Session Manager policy lacks three actions
    (product / "README.md").write_text("not a template: the hooks do not look at it\n")
    config = product / ".pre-commit-config.yaml"

    def use_hooks(*ids: str) -> None:
        config.write_text("repos:\n"
                          f"  - repo: {hooks}\n"
                          f"    rev: {rev}\n"
                          "    hooks:\n" + "".join(f"      - id: {i}\n" for i in ids))

    use_hooks("iamdocs-validate", "iamdocs-sync-check")
    git(product, "init", "-q")
    git(product, "add", "-A")
    git(product, "commit", "-q", "-m", "templates")

    home = tmp_path / "pre-commit-home"
    first = pre_commit(product, home)
    assert first.returncode == 1, first.stdout + first.stderr
    lines = first.stdout.splitlines()
    assert any(ln.startswith("iamdocs validate.") and ln.endswith("Passed") for ln in lines), first.stdout
    assert any(ln.startswith("iamdocs sync --check.") and ln.endswith("Failed") for ln in lines), first.stdout
    assert "+              - ssmmessages:CreateDataChannel" in lines
    assert "deployments/aws/templates/ai-unlimited.yaml: would rewrite SessionManagerPolicies = session-manager.json" \
        in lines
    assert template.read_bytes() == (FIXTURES / "product-shape.yaml").read_bytes()  # --check changed nothing

    # The hook that writes: it rewrites the template, and pre-commit stops the commit so that the change is added.
    use_hooks("iamdocs-validate", "iamdocs-sync")
    git(product, "add", "-A")
    fixing = pre_commit(product, home)
    assert fixing.returncode == 1, fixing.stdout + fixing.stderr
    assert "- files were modified by this hook" in fixing.stdout.splitlines()
    assert template.read_bytes() == (FIXTURES / "product-shape.synced.yaml").read_bytes()

    use_hooks("iamdocs-validate", "iamdocs-sync-check")
    git(product, "add", "-A")
    second = pre_commit(product, home)
    assert second.returncode == 0, second.stdout + second.stderr
    lines = second.stdout.splitlines()
    assert any(ln.startswith("iamdocs sync --check.") and ln.endswith("Passed") for ln in lines), second.stdout


def test_sync_in_the_product_repository_passes_the_check(tmp_path, capsys):
    """What the hook's users do by hand: iamdocs sync with --project, then the check passes (in process)."""
    product = tmp_path / "product"
    shutil.copytree(ROOT / "policies", product / "policies")
    template = product / "templates" / "t.yaml"
    template.parent.mkdir()
    shutil.copy(FIXTURES / "product-shape.yaml", template)
    assert main(["sync", "--check", "--project", str(product), "--cloudformation", str(template)]) == 1
    assert main(["sync", "--project", str(product), "--cloudformation", str(template)]) == 0
    assert main(["sync", "--check", "--project", str(product), "--cloudformation", str(template)]) == 0
    capsys.readouterr()
