"""Verdicts that fit CI: each file its own, the worst real one the exit code, nothing masked, nothing unrelated failed.

drift and sync take several files (pre-commit hands over every file its pattern matches).
Exit codes: 0 fine, 1 drift (sync --check: a change is needed), 2 a file could not be read or
compared, 4 (drift) nothing to compare anywhere. --skip-unrelated passes a file that is not a
template, or has nothing to compare, with a note. The expected lines are written by hand.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from iamdocs.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MISSING = ("ec2messages:GetMessages", "ssmmessages:CreateDataChannel", "ssmmessages:OpenDataChannel")

# Another vendor's template: its one policy covers no canonical policy, so there is nothing to compare or sync.
VENDOR = """\
Resources:
  Buckets:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [s3:ListBucket, s3:ListAllMyBuckets]
            Resource: "*"
"""
# A CloudFormation parameters file, as the product keeps them (deployments/aws/parameters/), here beside a template.
PARAMETERS = '[\n  {\n    "ParameterKey": "IamRole",\n    "ParameterValue": "New"\n  }\n]\n'


@pytest.fixture
def files(tmp_path, monkeypatch):
    """drifted.yaml (three actions missing), synced.yaml, vendor.yaml, parameters.json, broken.yaml; cwd is there."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURES / "product-shape.yaml", "drifted.yaml")
    shutil.copy(FIXTURES / "product-shape.synced.yaml", "synced.yaml")
    Path("vendor.yaml").write_text(VENDOR)
    Path("parameters.json").write_text(PARAMETERS)
    Path("broken.yaml").write_text("Resources:\n  X: [unclosed\n")
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


# --- sync --check --------------------------------------------------------------------------------------------


def test_sync_check_passes_a_template_with_nothing_to_sync(files, capsys):
    assert run(capsys, "sync", "--check", "--cloudformation", "vendor.yaml") == (
        0, [], ["vendor.yaml:6:9: Buckets resembles no policy in policies/; nothing to sync it with"])


def test_sync_check_gives_each_template_its_verdict_and_an_unreadable_one_masks_nothing(files, capsys):
    code, out, err = run(capsys, "sync", "--check", "--cloudformation", "drifted.yaml", "broken.yaml", "synced.yaml",
                         "vendor.yaml")
    assert code == 2
    assert err[0].startswith("iamdocs sync: error: broken.yaml:3:1: malformed YAML: ")
    assert err[1:] == ["drifted.yaml: would rewrite SessionManagerPolicies = session-manager.json",
                       "synced.yaml: in sync",
                       "vendor.yaml:6:9: Buckets resembles no policy in policies/; nothing to sync it with"]
    assert out[:2] == ["--- a/drifted.yaml", "+++ b/drifted.yaml"]
    assert {f"+              - {a}" for a in MISSING} <= set(out)  # the drifted template's diff is still shown


def test_sync_check_without_the_unreadable_one_is_1(files, capsys):
    code, _, err = run(capsys, "sync", "--check", "--cloudformation", "synced.yaml", "drifted.yaml", "vendor.yaml")
    assert code == 1
    assert err[:2] == ["synced.yaml: in sync",
                       "drifted.yaml: would rewrite SessionManagerPolicies = session-manager.json"]


def test_a_parameters_file_is_an_error_unless_skip_unrelated(files, capsys):
    code, _, err = run(capsys, "sync", "--check", "--cloudformation", "parameters.json", "synced.yaml")
    assert (code, err) == (2, ["iamdocs sync: error: parameters.json: not a CloudFormation template "
                               "(no Resources section)", "synced.yaml: in sync"])
    code, _, err = run(capsys, "sync", "--check", "--skip-unrelated", "--cloudformation", "parameters.json",
                       "synced.yaml")
    assert (code, err) == (0, ["parameters.json: not a CloudFormation template (no Resources section); skipped",
                               "synced.yaml: in sync"])


def test_writing_sync_refuses_a_template_with_nothing_to_sync_unless_skip_unrelated(files, capsys):
    code, _, err = run(capsys, "sync", "--cloudformation", "vendor.yaml", "drifted.yaml")
    assert code == 2
    assert err == ["iamdocs sync: error: vendor.yaml:6:9: Buckets resembles no policy in policies/; nothing to sync "
                   "it with", "hint: name its policy with --map Buckets=policy-file.json",
                   "nothing written: 1 of 2 templates could not be synced"]
    assert Path("drifted.yaml").read_bytes() == (FIXTURES / "product-shape.yaml").read_bytes()
    code, _, err = run(capsys, "sync", "--skip-unrelated", "--cloudformation", "vendor.yaml", "drifted.yaml",
                       "parameters.json")
    assert code == 0
    assert err == ["vendor.yaml:6:9: Buckets resembles no policy in policies/; nothing to sync it with",
                   "drifted.yaml: rewrote SessionManagerPolicies = session-manager.json",
                   "parameters.json: not a CloudFormation template (no Resources section); skipped"]
    assert Path("drifted.yaml").read_bytes() == (FIXTURES / "product-shape.synced.yaml").read_bytes()
    assert Path("vendor.yaml").read_text() == VENDOR


def test_files_after_double_dash_may_start_with_a_dash(files, capsys):
    shutil.copy("drifted.yaml", "--map=Buckets=x.json.yaml")
    code, _, err = run(capsys, "sync", "--check", "--cloudformation", "--", "--map=Buckets=x.json.yaml")
    assert (code, err) == (1, ["--map=Buckets=x.json.yaml: would rewrite SessionManagerPolicies = "
                               "session-manager.json"])
    code, _, err = run(capsys, "drift", "--cloudformation", "--", "--map=Buckets=x.json.yaml")
    assert code == 1


def test_a_line_break_in_a_file_name_stays_on_its_line(files, capsys):
    name = "a\n::warning::b.yaml"
    shutil.copy("drifted.yaml", name)
    code, out, err = run(capsys, "sync", "--check", "--cloudformation", name)
    assert code == 1
    assert err == ["a\\n::warning::b.yaml: would rewrite SessionManagerPolicies = session-manager.json"]
    assert out[:2] == ["--- a/a\\n::warning::b.yaml", "+++ b/a\\n::warning::b.yaml"]
    code, out, _ = run(capsys, "drift", "--cloudformation", name)
    assert out[-1] == "drift: 3 differences (3 removed) in 1 of 2 policy documents checked in a\\n::warning::b.yaml"


# --- drift --cloudformation ----------------------------------------------------------------------------------


def test_drift_gives_each_template_its_verdict_and_an_unreadable_one_masks_nothing(files, capsys):
    code, out, err = run(capsys, "drift", "--cloudformation", "drifted.yaml", "broken.yaml", "synced.yaml")
    assert code == 2
    assert [ln for ln in out if ": drift: " in ln] == [
        f"drifted.yaml:67:9: drift: SessionManagerPolicies (vs session-manager.json): removed {a} (when IamRole=New, "
        "Session=true)" for a in sorted(MISSING)]
    assert "drift: 3 differences (3 removed) in 1 of 2 policy documents checked in drifted.yaml" in out
    assert "no drift: 2 policy documents checked in synced.yaml" in out
    assert out[-1] == "3 files: 1 drift, 1 no drift, 1 unreadable"
    assert err[0].startswith("iamdocs drift: error: broken.yaml:3:1: malformed YAML: ")


@pytest.mark.parametrize(("argv", "code", "last"), [
    (["vendor.yaml"], 4, "nothing to compare: no document in vendor.yaml resembles a policy in policies/ (Buckets: "
                         "not compared: covers no policy in policies/ (it grants less than 50% of every policy's "
                         "action-resource pairs))"),
    (["vendor.yaml", "synced.yaml"], 0, "2 files: 1 no drift, 1 nothing to compare"),
    (["vendor.yaml", "drifted.yaml"], 1, "2 files: 1 drift, 1 nothing to compare"),
    (["--skip-unrelated", "vendor.yaml"], 0, None),
    (["--skip-unrelated", "parameters.json", "vendor.yaml"], 0, "2 files: 1 nothing to compare, 1 skipped"),
    (["parameters.json"], 2, None),
])
def test_drift_exit_codes_over_several_templates(files, capsys, argv, code, last):
    got, out, _ = run(capsys, "drift", "--cloudformation", *argv)
    assert got == code
    if last is not None:
        assert out[-1] == last


def test_drift_json_over_several_templates_is_a_list(files, capsys):
    code, out, _ = run(capsys, "drift", "--format", "json", "--skip-unrelated", "--cloudformation", "drifted.yaml",
                       "parameters.json")
    assert code == 1
    data = json.loads("\n".join(out))
    assert [d.get("source") for d in data] == ["drifted.yaml", "parameters.json"]
    assert data[0]["drift"] is True
    assert data[1] == {"source": "parameters.json",
                       "skipped": "parameters.json: not a CloudFormation template (no Resources section)"}


def test_file_arguments_need_a_source_that_takes_files(files, capsys):
    code, _, err = run(capsys, "drift", "--site", "x", "drifted.yaml")
    assert (code, err[0]) == (2, "iamdocs drift: error: drifted.yaml: file arguments go with --cloudformation or "
                                 "--copies")
    code, _, err = run(capsys, "drift", "--cloudformation")
    assert (code, err[0]) == (2, "iamdocs drift: error: --cloudformation: name at least one file")


# --- drift --copies: a product's own policy JSON files -------------------------------------------------------


def canonical(name: str) -> dict:
    return json.loads((ROOT / "policies" / name).read_text())


def write(path: str, doc: object) -> str:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(doc, indent="\t"))
    return path


def test_copies_by_canonical_and_former_name_in_sync(files, capsys):
    a = write("policies/ai-unlimited-engine.json", canonical("ai-unlimited-engine.json"))
    b = write("policies/ai-unlimited-workspaces-without-iam-role-permissions.json",  # the product's (former) name
              canonical("ai-unlimited-without-iam-role-permissions.json"))
    code, out, _ = run(capsys, "drift", "--copies", a, b)
    assert code == 0
    assert f"{b}:1:1: info: ai-unlimited-workspaces-without-iam-role-permissions.json: compared with " \
           "ai-unlimited-without-iam-role-permissions.json (as mapped)" in out
    assert out[-1] == "2 files: 2 no drift"


def test_a_copy_that_lost_or_gained_an_action_fails_naming_it(files, capsys):
    doc = canonical("session-manager.json")
    lost = json.loads(json.dumps(doc))
    lost["Statement"][1]["Action"].remove("ssmmessages:OpenDataChannel")
    gained = json.loads(json.dumps(doc))
    gained["Statement"][0]["Action"].append("ssm:SendCommand")
    a = write("lost/session-manager.json", lost)
    b = write("gained/session-manager.json", gained)
    code, out, _ = run(capsys, "drift", "--copies", a, b)
    assert code == 1
    assert [ln for ln in out if ": drift: " in ln] == [
        f"{a}:1:1: drift: session-manager.json (vs session-manager.json): removed ssmmessages:OpenDataChannel",
        f"{b}:21:5: drift: session-manager.json (vs session-manager.json): added ssm:SendCommand"]  # 4 tabs in


def test_a_copy_by_another_name_is_compared_with_the_policy_it_covers(files, capsys):
    doc = canonical("session-manager.json")
    doc["Statement"][2]["Action"].remove("ec2messages:GetMessages")
    a = write("ssm.json", doc)
    code, out, _ = run(capsys, "drift", "--copies", a)
    assert code == 1
    assert f"{a}:1:1: drift: ssm.json (vs session-manager.json): removed ec2messages:GetMessages" in out


def test_copies_that_are_no_identity_policy_or_not_json(files, capsys):
    trust = write("trust.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    assert run(capsys, "drift", "--copies", trust)[0] == 4
    code, out, _ = run(capsys, "drift", "--copies", "--skip-unrelated", trust)
    assert code == 0
    assert out == ["nothing to compare: trust.json is no identity policy (no Statement, or a Principal: a trust "
                   "policy)"]
    Path("broken.json").write_text('{"Version": "2012-10-17",\n "Statement": [}\n')
    code, _, err = run(capsys, "drift", "--copies", "--skip-unrelated", "broken.json")
    assert code == 2
    assert err[0].startswith("iamdocs drift: error: broken.json:2:")


def test_github_format_annotates_an_unreadable_template_at_its_place(files, capsys):
    code, out, err = run(capsys, "drift", "--format", "github", "--cloudformation", "broken.yaml", "synced.yaml")
    assert code == 2
    assert out[:2] == ["::group::iamdocs drift --cloudformation broken.yaml",
                       "::error file=broken.yaml,line=3,col=1,title=iamdocs drift%3A cannot be compared::malformed "
                       "YAML: did not find expected ',' or ']'"]
    assert "::group::iamdocs drift --cloudformation synced.yaml" in out
    assert err[0].startswith("::stop-commands::") and err[-1] == f"::{err[0].split('::')[2]}::"
