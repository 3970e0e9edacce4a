"""The composite GitHub Action (action.yml): well formed, calling commands that exist, and its check script run here.

GitHub itself cannot run here; its check step is a bash script that reads the inputs
from the environment, so it runs as it would on a runner, with this project's iamdocs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from iamdocs.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
SCRIPT = ACTION["runs"]["steps"][-1]["run"]


def test_action_is_a_composite_action_whose_steps_say_their_shell():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"templates", "policies", "project", "python-version"}
    for step in ACTION["runs"]["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), step
        else:
            assert step["shell"] == "bash"
    env = ACTION["runs"]["steps"][-1]["env"]
    for value in env.values():
        (name,) = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", value).groups()
        assert name in ACTION["inputs"]
    assert "${{" not in SCRIPT  # inputs reach the script only through the environment


def test_every_iamdocs_call_names_a_command_and_options_that_exist(capsys):
    calls = re.findall(r"^\s*(?:if ! )?iamdocs (\w+)([^|>\n]*)", SCRIPT, re.MULTILINE)
    assert [c for c, _ in calls] == ["validate", "drift", "sync"]
    for command, rest in calls:
        assert main([command, "--help"]) == 0
        usage = capsys.readouterr().out
        for option in re.findall(r"--[\w-]+", rest):
            assert option in usage, (command, option)


def run_check(tmp_path: Path, templates: str, policies: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "IAMDOCS_TEMPLATES": templates, "IAMDOCS_POLICIES": policies, "IAMDOCS_PROJECT": "",
           "GITHUB_ACTION_PATH": str(ROOT), "RUNNER_TEMP": str(tmp_path), "GITHUB_STEP_SUMMARY": str(tmp_path / "sum"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("IAMDOCS_DEBUG", None)
    return subprocess.run(["bash", "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_check_script_annotates_drift_fails_and_passes_after_sync(tmp_path, capsys):
    folder = tmp_path / "deployments" / "aws" / "templates"
    folder.mkdir(parents=True)
    template = folder / "ai-unlimited.yaml"
    shutil.copy(FIXTURES / "product-shape.yaml", template)
    shutil.copy(FIXTURES / "product-shape.synced.yaml", folder / "in-sync.yaml")

    first = run_check(tmp_path, "deployments/**/*.yaml")
    assert first.returncode == 1, first.stdout + first.stderr
    out = first.stdout.splitlines()
    errors = [ln for ln in out if ln.startswith("::error ")]
    assert len(errors) == 3 and all("file=deployments/aws/templates/ai-unlimited.yaml" in e for e in errors), out
    assert any("ssmmessages:CreateDataChannel" in e for e in errors)
    assert "::group::iamdocs drift --cloudformation deployments/aws/templates/in-sync.yaml" in out
    assert "+              - ec2messages:GetMessages" in out  # the sync --check diff, in the log
    summary = (tmp_path / "sum").read_text()
    assert summary.startswith("### iamdocs sync --check\n") and "```diff\n--- a/deployments/aws/templates/" in summary

    assert main(["sync", "--cloudformation", str(template)]) == 0
    capsys.readouterr()
    (tmp_path / "sum").unlink()
    second = run_check(tmp_path, "deployments/**/*.yaml")
    assert second.returncode == 0, second.stdout + second.stderr
    assert not [ln for ln in second.stdout.splitlines() if ln.startswith("::error ")]
    assert not (tmp_path / "sum").exists()


def test_check_script_fails_on_a_pattern_that_matches_nothing(tmp_path):
    proc = run_check(tmp_path, "templates/*.yaml")
    assert proc.returncode == 1
    assert "templates/*.yaml: no such file" in proc.stderr
