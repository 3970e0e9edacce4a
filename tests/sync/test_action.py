"""The composite GitHub Action (action.yml): well formed, calling commands that exist, and its check step run here.

GitHub itself cannot run here. Its check step is a bash script that runs `python -m iamdocs.action`,
with the inputs in INPUT_* environment variables; the tests run that script with bash as the runner
does, with this project's iamdocs, and read the log as the runner reads it (github_runner.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from github_runner import commands

from iamdocs import action
from iamdocs.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEP = ACTION["runs"]["steps"][-1]
SCRIPT = STEP["run"]


def test_action_is_a_composite_action_whose_steps_say_their_shell():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"templates", "policies", "project", "python-version"}
    for step in ACTION["runs"]["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), step
        else:
            assert step["shell"] == "bash"
    env = STEP["env"]
    for value in env.values():
        (name,) = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", value).groups()
        assert name in ACTION["inputs"]
    assert "${{" not in SCRIPT  # inputs reach the script only through the environment
    assert SCRIPT.strip() == "python -m iamdocs.action"
    assert set(env) == {f"INPUT_{name.upper()}" for name in ("templates", "policies", "project")}


def test_every_iamdocs_call_names_a_command_and_options_that_exist(capsys):
    checks = action.plan(["a.yaml", "--b.yaml"], ["c.json"], "/p")
    assert [c.argv[0] for c in checks] == ["validate", "drift", "drift", "sync"]
    for check in checks:
        assert main([check.argv[0], "--help"]) == 0
        usage = capsys.readouterr().out
        options = check.argv[:check.argv.index("--")] if "--" in check.argv else check.argv
        for option in (a for a in options if a.startswith("--")):
            assert option in usage, (check.argv[0], option)
        args = build_parser(check.argv[0]).parse_args(check.argv)
        assert args.project == Path("/p")
        if check.argv[0] != "validate":  # the files come after --: "--b.yaml" is a file, not an option
            listed = args.cloudformation if args.cloudformation is not None else args.copies
            assert [*listed, *args.files] in (
                [Path("a.yaml"), Path("--b.yaml")], [Path("c.json")])


def test_patterns_are_lines_and_globs_expand_in_the_workspace(tmp_path):
    (tmp_path / "deployments" / "aws" / "templates" / "sub").mkdir(parents=True)
    for name in ("a b.yaml", "sub/c.yaml", "[x].yaml", "notes.txt"):
        (tmp_path / "deployments" / "aws" / "templates" / name).write_text("x")
    assert action.patterns("  one two.yaml \n\n\tthree/*.json\r\n") == ["one two.yaml", "three/*.json"]
    files, missing = action.expand(["deployments/**/*.yaml", "deployments/aws/templates/[x].yaml", "none/*.yaml",
                                    "deployments/aws/templates/a b.yaml"], tmp_path)
    assert files == ["deployments/aws/templates/[x].yaml", "deployments/aws/templates/a b.yaml",
                     "deployments/aws/templates/sub/c.yaml"]
    assert missing == ["none/*.yaml"]


def test_summary_fences_what_it_quotes():
    check = action.Check("iamdocs sync --check (1 file)", ["sync"], 1, "--- a/x\n+ ```` y\n", "x: would rewrite P\n")
    text = action.summary([check], [])
    assert "- iamdocs sync --check (1 file): failed (exit 1)" in text
    assert "`````diff\n--- a/x\n+ ```` y\n`````\n" in text  # a longer fence than any backtick run inside


def step_env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    """The environment GitHub gives the check step: its env: block with the inputs' values, and the runner's own."""
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | inputs
    env = {k: values[re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", v).group(1)] for k, v in STEP["env"].items()}
    base = {k: v for k, v in os.environ.items() if k != "IAMDOCS_DEBUG"}
    return base | env | {
        "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_WORKSPACE": str(tmp_path), "RUNNER_TEMP": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def run_step(tmp_path: Path, templates: str = "", policies: str = "") -> subprocess.CompletedProcess:
    """The check step as the runner runs a `shell: bash` step: the script in a file, bash -e -o pipefail."""
    script = tmp_path.parent / f"{tmp_path.name}-step.sh"
    script.write_text(SCRIPT)
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=tmp_path,
                          env=step_env(tmp_path, templates=templates, policies=policies), capture_output=True,
                          text=True, timeout=600)


def test_check_script_annotates_drift_fails_and_passes_after_sync(tmp_path, capsys):
    folder = tmp_path / "deployments" / "aws" / "templates"
    folder.mkdir(parents=True)
    template = folder / "ai-unlimited.yaml"
    shutil.copy(FIXTURES / "product-shape.yaml", template)
    shutil.copy(FIXTURES / "product-shape.synced.yaml", folder / "in-sync.yaml")

    first = run_step(tmp_path, "deployments/**/*.yaml")
    assert first.returncode == 1, first.stdout + first.stderr
    out = first.stdout.splitlines()
    errors = [ln for ln in out if ln.startswith("::error ")]
    assert len(errors) == 3 and all("file=deployments/aws/templates/ai-unlimited.yaml" in e for e in errors), out
    assert any("ssmmessages:CreateDataChannel" in e for e in errors)
    assert "::group::iamdocs drift --cloudformation deployments/aws/templates/in-sync.yaml" in out
    assert "+              - ec2messages:GetMessages" in out  # the sync --check diff, in the log
    summary = (tmp_path / "summary.md").read_text()
    assert "```diff\n--- a/deployments/aws/templates/ai-unlimited.yaml\n" in summary
    assert "- iamdocs sync --check (2 files): failed (exit 1)" in summary

    assert main(["sync", "--cloudformation", str(template)]) == 0
    capsys.readouterr()
    (tmp_path / "summary.md").unlink()
    second = run_step(tmp_path, "deployments/**/*.yaml")
    assert second.returncode == 0, second.stdout + second.stderr
    assert not [ln for ln in second.stdout.splitlines() if ln.startswith("::error ")]
    summary = (tmp_path / "summary.md").read_text()
    assert "- iamdocs sync --check (2 files): passed" in summary and "```diff" not in summary


def test_check_script_fails_on_a_pattern_that_matches_nothing(tmp_path):
    proc = run_step(tmp_path, "templates/*.yaml")
    assert proc.returncode == 1
    assert "templates/*.yaml: no such file" in proc.stderr
    [error] = [c for c in commands(proc.stderr) if c.name == "error"]
    assert error.data == "templates/*.yaml: no such file (input templates)"


def test_the_product_copies_of_the_policies_are_compared_by_canonical_or_former_name(tmp_path):
    """The `policies` input: a copy under a former name that lost an action fails, naming it, at its file."""
    folder = tmp_path / "deployments" / "aws" / "policies"
    folder.mkdir(parents=True)
    (folder / "session-manager.json").write_text(SESSION_COPY)
    # ai-unlimited-without-iam-role-permissions.json was published as ai-unlimited-workspaces-without-...
    (folder / "ai-unlimited-workspaces-without-iam-role-permissions.json").write_text(
        (ROOT / "policies" / "ai-unlimited-without-iam-role-permissions.json").read_text()
        .replace('"ec2:ImportKeyPair",', ""))
    proc = run_step(tmp_path, policies="deployments/aws/policies/*.json\n")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [c for c in commands(proc.stdout) if c.name == "error"]
    assert [(e.properties["file"], e.data) for e in errors] == [(
        "deployments/aws/policies/ai-unlimited-workspaces-without-iam-role-permissions.json",
        "ai-unlimited-workspaces-without-iam-role-permissions.json (vs ai-unlimited-without-iam-role-permissions.json)"
        ": removed ec2:ImportKeyPair")]
    assert "- iamdocs drift --copies (2 files): failed (exit 1)" in (tmp_path / "summary.md").read_text()


# The product's Session Manager copy in its own shape: no Sids, Effect last, four-space indent.
SESSION_COPY = """\
{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Action": ["ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
                "ssm:DescribeDocument", "ssm:GetManifest", "ssm:ListAssociations", "ssm:ListInstanceAssociations",
                "ssm:PutInventory", "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult",
                "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation"],
            "Resource": "*",
            "Effect": "Allow"
        },
        {
            "Action": ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
            "Resource": "*",
            "Effect": "Allow"
        },
        {
            "Action": ["ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
                "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"],
            "Resource": "*",
            "Effect": "Allow"
        }
    ]
}
"""

# File names a pull request may bring: a line break followed by a workflow command, blanks and the old `##[`
# form, a leading `--` that reads like an option, and a parameters file beside the templates.
INJECTED = "deployments/aws/templates/a\n::warning file=x.yaml::injected.yaml"
HOSTILE = {
    INJECTED: "product-shape.yaml",
    "deployments/aws/templates/with space ##[add-mask]secret.yaml": "product-shape.synced.yaml",
    "--map=SessionManagerPolicies=ai-unlimited-engine.json.yaml": "product-shape.yaml",
    "deployments/aws/templates/::error::fake%0A.yaml": "product-shape.synced.yaml",
}


def test_hostile_file_names_inject_no_workflow_command_and_every_file_is_checked(tmp_path):
    for name, fixture in HOSTILE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / fixture, tmp_path / name)
    params = "deployments/aws/templates/parameters.json"
    (tmp_path / params).write_text('[{"ParameterKey": "IamRole", "ParameterValue": "New"}]\n')

    proc = run_step(tmp_path, "deployments/aws/templates/*\n  *.yaml  \n")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = commands(proc.stdout) + commands(proc.stderr)
    # Only the commands the action and iamdocs write: groups and annotations, each on a file that exists.
    assert {c.name for c in found} == {"group", "endgroup", "error", "notice"}, [c for c in found]
    files = set(HOSTILE) | {params}
    annotated = {c.properties.get("file") for c in found if c.name in ("error", "notice")}
    assert annotated == files, annotated
    assert not any(c.name == "warning" or c.data == "injected.yaml" for c in found)

    # Every template checked by drift: the three actions missing from each drifted copy, at its own file.
    removed = {(c.properties["file"], c.data.rsplit(": ", 1)[1].split(" (when")[0]) for c in found
               if c.name == "error"}
    drifted = [n for n, f in HOSTILE.items() if f == "product-shape.yaml"]
    assert removed == {(n, f"removed {a}") for n in drifted for a in
                       ("ec2messages:GetMessages", "ssmmessages:CreateDataChannel", "ssmmessages:OpenDataChannel")}
    groups = [c.data for c in found if c.name == "group"]
    expanded = action.expand(["deployments/aws/templates/*", "*.yaml"], tmp_path)[0]
    assert sorted(expanded) == sorted(files)
    assert [g for g in groups if g.startswith("iamdocs drift")] == \
        [f"iamdocs drift --cloudformation {n}".replace("\n", "\\n") for n in expanded]  # a title is one line
    [skipped] = [c for c in found if c.name == "notice" and c.properties["file"] == params]
    assert skipped.data == "not a CloudFormation template (no Resources section); skipped"

    # ... and by sync --check: a verdict line for each, in the log (as plain text) and in the job summary.
    summary = (tmp_path / "summary.md").read_text()
    for name in files:
        shown = name.replace("\n", "\\n")
        assert shown in proc.stderr + proc.stdout
        assert shown in summary
    assert "- iamdocs sync --check (5 files): failed (exit 1)" in summary
    assert "- iamdocs drift --cloudformation (5 files): failed (exit 1)" in summary
    for name in drifted:
        assert f"{name.replace(chr(10), chr(92) + 'n')}: would rewrite SessionManagerPolicies = session-manager.json" \
            in summary
    assert all((tmp_path / n).read_bytes() == (FIXTURES / f).read_bytes() for n, f in HOSTILE.items())



def page_workflow() -> dict:
    """The workflow block of the writers' page, as written in its Markdown (its `uses:` is rendered at build)."""
    text = (ROOT / "docs" / "writers" / "pre-commit-and-ci.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"^```yaml\n(.*?)^```\n", text, re.MULTILINE | re.DOTALL) if "uses:" in b]
    assert len(blocks) == 1, blocks
    assert "      - uses: {{ action_uses() }}\n" in blocks[0]
    return yaml.safe_load(blocks[0].replace("{{ action_uses() }}", "OWNER/REPOSITORY@0"))


def test_the_pages_workflow_checks_the_product_repository(tmp_path, capsys):
    from test_precommit import product_repository

    product_repository(tmp_path)
    [step] = [s for s in page_workflow()["jobs"]["iamdocs"]["steps"] if s["uses"] == "OWNER/REPOSITORY@0"]
    assert set(step["with"]) <= set(ACTION["inputs"])
    first = run_step(tmp_path, **step["with"])
    assert first.returncode == 1, first.stdout + first.stderr
    found = commands(first.stdout)
    template = "deployments/aws/templates/ai-unlimited/ai-unlimited-without-lb.yaml"
    assert sorted(c.data.split(": ", 1)[1] for c in found if c.name == "error") == [
        f"removed {a} (when IamRole=New, Session=true)"
        for a in ("ec2messages:GetMessages", "ssmmessages:CreateDataChannel", "ssmmessages:OpenDataChannel")]
    assert {c.properties["file"] for c in found if c.name == "error"} == {template}
    copies = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "deployments/aws/policies").glob("*.json"))
    assert [c.data for c in found if c.name == "group" and "--copies" in c.data] == \
        [f"iamdocs drift --copies {c}" for c in copies]
    summary = (tmp_path / "summary.md").read_text()
    assert "- iamdocs drift --copies (4 files): passed" in summary
    assert "- iamdocs drift --cloudformation (2 files): failed (exit 1)" in summary

    assert main(["sync", "--cloudformation", str(tmp_path / template)]) == 0
    capsys.readouterr()
    second = run_step(tmp_path, **step["with"])
    assert second.returncode == 0, second.stdout + second.stderr


def test_hostile_names_of_policy_copies(tmp_path):
    """The policies input: a copy whose name holds a line break and a command, and one whose name starts with --."""
    broken = "deployments/aws/policies/a\n::warning::b ##[add-mask]c.json"
    (tmp_path / broken).parent.mkdir(parents=True)
    (tmp_path / broken).write_text(SESSION_COPY.replace('"ssmmessages:CreateDataChannel",', ""))
    (tmp_path / "--session-manager.json").write_text(SESSION_COPY)
    proc = run_step(tmp_path, policies="deployments/aws/policies/*.json\n--*.json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = commands(proc.stdout) + commands(proc.stderr)
    assert {c.name for c in found} == {"group", "endgroup", "error", "notice"}, found
    assert {c.properties["file"] for c in found if c.name == "notice"} == {broken, "--session-manager.json"}
    [error] = [c for c in found if c.name == "error"]
    assert (error.properties["file"], error.data.rsplit(": ", 1)[1]) == \
        (broken, "removed ssmmessages:CreateDataChannel")
