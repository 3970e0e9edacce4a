"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit on throwaway repositories.

pre-commit installs iamdocs from this project's files into an environment of its own
(pip, from PyPI and pip's cache: about a minute the first time), exactly as it does for
a product repository that adds the hooks to its .pre-commit-config.yaml. The product
repository gets the configuration block of the writers' page, with only `repo:` and
`rev:` pointing at a local clone of this project.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from iamdocs.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGE = ROOT / "docs" / "writers" / "pre-commit-and-ci.md"
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


@pytest.fixture(scope="session")
def hooks_clone(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> tuple[Path, str, str, Path]:
    """(clone, an older commit, HEAD, PRE_COMMIT_HOME), made once per test run whichever worker comes first.

    A local clone of this project with two commits, so that autoupdate has somewhere to move; one
    pre-commit home, so that pre-commit installs iamdocs (pip, about a minute) once per rev, not per test.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    clone, home = shared / "hooks-clone", shared / "pre-commit-home"
    with open(shared / "hooks-clone.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (clone / ".git").is_dir():
            clone.mkdir(exist_ok=True)
            hooks_repository(clone)
            (clone / "README.md").write_text((clone / "README.md").read_text() + "\nA newer commit.\n")
            git(clone, "commit", "-q", "-am", "a newer commit")
    first, head = git(clone, "rev-list", "--max-count=2", "--reverse", "HEAD").split()
    return clone, first, head, home


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home)}
    env.pop("IAMDOCS_DEBUG", None)
    argv = list(args) or ["run", "--all-files"]
    if argv[0] == "run":
        argv.extend(["--color", "never"])
    return subprocess.run([sys.executable, "-m", "pre_commit", *argv], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900)


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


@pytest.mark.timeout(900)  # the first pre-commit run installs iamdocs with pip; on a busy machine that is minutes
def test_pre_commit_fails_on_a_drifted_template_and_passes_after_sync(tmp_path, capsys, hooks_clone):
    hooks, _, rev, home = hooks_clone
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


# --- The product repository, configured from the writers' page --------------------------------------------------


def page_configuration() -> str:
    """The one .pre-commit-config.yaml block of the writers' page, as written in its Markdown."""
    blocks = re.findall(r"^```yaml\n(.*?)^```\n", PAGE.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
    configs = [b for b in blocks if b.startswith("repos:")]
    assert len(configs) == 1, configs  # one block to copy, not pieces to assemble
    return configs[0]


def pointed_at(block: str, repo: Path, rev: str) -> str:
    """The block with only `repo:` and `rev:` replaced."""
    block, n = re.subn(r"^(\s*- repo: ).*$", lambda m: f"{m.group(1)}{repo}", block, flags=re.MULTILINE)
    assert n == 1
    block, n = re.subn(r"^(\s*rev: ).*$", lambda m: f"{m.group(1)}{rev}", block, flags=re.MULTILINE)
    assert n == 1
    return block


def product_copy(document: dict) -> str:
    """A policy as the product repository writes its copies: no Sids, one statement per effect and resource,
    Action before Resource before Effect, four-space indent."""
    merged: dict[str, dict] = {}
    for st in document["Statement"]:
        key = json.dumps([st["Effect"], st["Resource"], st.get("Condition")])
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        entry = merged.setdefault(key, {"Action": [], "Resource": st["Resource"], "Effect": st["Effect"]})
        entry["Action"].extend(a for a in actions if a not in entry["Action"])
        if st.get("Condition"):
            entry["Condition"] = st["Condition"]
    return json.dumps({"Version": "2012-10-17", "Statement": list(merged.values())}, indent=4) + "\n"


# The product's layout: templates by product, the policy copies (two under their former names), a parameters file
# for each template. The policies' content is the canonical one in the product's own layout.
PRODUCT_POLICIES = {
    "ai-unlimited-engine.json": "ai-unlimited-engine.json",
    "ai-unlimited-workspaces.json": "ai-unlimited-workspaces.json",
    "ai-unlimited-workspaces-without-iam-role-permissions.json": "ai-unlimited-without-iam-role-permissions.json",
    "session-manager.json": "session-manager.json",
}
PARAMETERS = [("AiUnlimitedName", "test-unlimited"), ("IamRole", "New"), ("IamRoleName", ""), ("Session", "true")]


def product_repository(product: Path) -> None:
    aws = product / "deployments" / "aws"
    (aws / "templates" / "ai-unlimited").mkdir(parents=True)
    (aws / "templates" / "jupyter").mkdir(parents=True)
    (aws / "policies").mkdir()
    (aws / "parameters").mkdir()
    # The Session Manager policy of this one lacks three actions; the other is in sync.
    shutil.copy(FIXTURES / "product-shape.yaml", aws / "templates" / "ai-unlimited" / "ai-unlimited-without-lb.yaml")
    shutil.copy(FIXTURES / "product-shape.synced.yaml", aws / "templates" / "jupyter" / "jupyter-without-lb.yaml")
    for name, canonical in PRODUCT_POLICIES.items():
        doc = json.loads((ROOT / "policies" / canonical).read_text())
        (aws / "policies" / name).write_text(product_copy(doc))
    for name in ("ai-unlimited-without-lb.json", "jupyter-without-lb.json"):
        (aws / "parameters" / name).write_text(json.dumps(
            [{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS], indent=2) + "\n")
    (product / "README.md").write_text("# AI Unlimited deployments\n")


def hook_line(output: str, name: str) -> str:
    """pre-commit's result for one hook, from its line "name.......Passed"."""
    [result] = [m.group(1) for ln in output.splitlines() if (m := re.fullmatch(rf"{re.escape(name)}\.+(\w+)", ln))]
    return result


@pytest.mark.timeout(900)  # as above: pip installs iamdocs into pre-commit's environment
def test_the_product_repository_with_the_pages_configuration(tmp_path, hooks_clone):
    hooks, first, head, home = hooks_clone

    product = tmp_path / "product"
    product.mkdir()
    product_repository(product)
    block = page_configuration()
    assert "repo: {{ hooks_repository() }}" in block and "rev: {{ hooks_commit() }}" in block
    config = product / ".pre-commit-config.yaml"
    config.write_text(pointed_at(block, hooks, first))
    git(product, "init", "-q")
    git(product, "add", "-A")
    git(product, "commit", "-q", "-m", "the product's deployments")

    # The rev moves with `pre-commit autoupdate --freeze`, as the page says: to the newest commit; nothing else changes.
    moved = pre_commit(product, home, "autoupdate", "--freeze")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert config.read_text() == pointed_at(block, hooks, head)
    git(product, "commit", "-q", "-am", "autoupdate")

    # A template lacking three actions fails, naming them; the copies (two under former names) pass.
    template = product / "deployments/aws/templates/ai-unlimited/ai-unlimited-without-lb.yaml"
    run = pre_commit(product, home)
    assert run.returncode == 1, run.stdout + run.stderr
    assert hook_line(run.stdout, "iamdocs sync --check") == "Failed", run.stdout
    assert hook_line(run.stdout, "iamdocs drift --copies") == "Passed", run.stdout
    lines = run.stdout.splitlines()
    for action in ("ec2messages:GetMessages", "ssmmessages:CreateDataChannel", "ssmmessages:OpenDataChannel"):
        assert f"+              - {action}" in lines, run.stdout
    assert "deployments/aws/templates/ai-unlimited/ai-unlimited-without-lb.yaml: would rewrite " \
           "SessionManagerPolicies = session-manager.json" in lines
    assert "deployments/aws/templates/jupyter/jupyter-without-lb.yaml: in sync" in lines
    assert template.read_bytes() == (FIXTURES / "product-shape.yaml").read_bytes()

    # iamdocs sync, through the page's manual hook, writes the fix; then every hook passes.
    fix = pre_commit(product, home, "run", "--hook-stage", "manual", "iamdocs-sync", "--all-files")
    assert fix.returncode == 1 and "- files were modified by this hook" in fix.stdout, fix.stdout + fix.stderr
    assert template.read_bytes() == (FIXTURES / "product-shape.synced.yaml").read_bytes()
    git(product, "commit", "-q", "-am", "iamdocs sync")
    clean = pre_commit(product, home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert hook_line(clean.stdout, "iamdocs sync --check") == "Passed"
    assert hook_line(clean.stdout, "iamdocs drift --copies") == "Passed"

    # The product's copy of a policy (under its former name) loses an action: the copy hook fails, naming it.
    copy = product / "deployments/aws/policies/ai-unlimited-workspaces-without-iam-role-permissions.json"
    text = copy.read_text()
    assert text.count('"ec2:ImportKeyPair",') == 1
    copy.write_text(text.replace('"ec2:ImportKeyPair",', ""))
    lost = pre_commit(product, home)
    assert lost.returncode == 1, lost.stdout + lost.stderr
    assert hook_line(lost.stdout, "iamdocs drift --copies") == "Failed"
    assert hook_line(lost.stdout, "iamdocs sync --check") == "Passed"
    assert "deployments/aws/policies/ai-unlimited-workspaces-without-iam-role-permissions.json:1:1: drift: " \
           "ai-unlimited-workspaces-without-iam-role-permissions.json (vs ai-unlimited-without-iam-role-" \
           "permissions.json): removed ec2:ImportKeyPair" in lost.stdout.splitlines()

    # Nothing of this project is in the product repository: its files are the product's and the configuration.
    files = set(git(product, "ls-files").splitlines())
    assert files == {".pre-commit-config.yaml", "README.md"} | {
        str(p.relative_to(product)) for p in (product / "deployments").rglob("*") if p.is_file()}
    assert not any(f.startswith("policies/") or f.endswith("catalog.yaml") for f in files)
