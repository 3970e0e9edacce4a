"""Hostile and odd templates, parameter files and sites: each ends in one line and exit 1 or 2, never a hang.

Every case was a hang, a MemoryError or a traceback before (issue 9); the expected
line is written out by hand.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"

ENGINE_DOC = """\
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: secretsmanager:GetSecretValue
            Resource: !Sub "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:\
compute-engine/*"
"""


def _bomb() -> str:
    """A 563-byte billion-laughs template: nine levels of nine aliases each."""
    lines = ["# billion laughs: a few hundred bytes of YAML that stand for 9^9 values".ljust(102, "."),
             'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    lines.append("Resources: {R: {Type: AWS::S3::Bucket, Metadata: *i}}")
    return "\n".join(lines) + "\n"


def _chain(n: int) -> str:
    """A template whose engine policy sits under the last of `n` conditions, each naming the one before."""
    conds = ["  C0: !Equals [!Ref P, x]"]
    conds += [f"  C{i}: !And [!Condition C{i - 1}, !Condition C0]" for i in range(1, n)]
    return ("Parameters:\n  P: {Type: String, AllowedValues: [x, y], Default: x}\nConditions:\n" + "\n".join(conds)
            + f"\nResources:\n  E:\n    Type: AWS::IAM::ManagedPolicy\n    Condition: C{n - 1}\n    Properties:\n"
            + ENGINE_DOC)


def _engine(resource: str, head: str = "") -> str:
    doc = ENGINE_DOC[:ENGINE_DOC.index("            Resource:")] + f"            Resource: {resource}\n"
    return head + "Resources:\n  E:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n" + doc


def test_alias_bomb_is_refused_in_one_line(drift_main, tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb())
    assert len(path.read_bytes()) == 563
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == (
        f"iamdocs drift: error: {path}:2:1: the template expands to over 100,000 values through YAML aliases, far "
        "more than any real one; use fewer or smaller anchors")


def test_1500_long_condition_chain_is_evaluated_without_recursion(drift_main, tmp_path):
    path = tmp_path / "chain.yaml"
    path.write_text(_chain(1500))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == f"no drift: 1 policy document checked in {path}"
    assert f"{path}: info: checked every branch: 2 distinct outcome(s) of 2 combination(s) of P" in \
        proc.stdout.splitlines()


def test_condition_cycle_is_drift_at_its_place(drift_main, tmp_path):
    path = tmp_path / "cycle.yaml"
    path.write_text("Conditions:\n  A: !Not [!Condition B]\n  B: !Not [!Condition A]\nResources:\n  E:\n"
                    "    Type: AWS::IAM::ManagedPolicy\n    Condition: A\n    Properties:\n" + ENGINE_DOC)
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1
    assert [x for x in proc.stdout.splitlines() if ": drift: " in x] == [
        f"{path}:3:12: drift: E: cannot be evaluated, so it is not compared: condition A depends on itself"]


def test_comma_delimited_list_with_a_number_default(drift_main, tmp_path):
    head = "Parameters:\n  Ids: {Type: CommaDelimitedList, Default: 5}\nConditions:\n" \
           "  Five: !Equals [!Select [0, !Ref Ids], '5']\n"
    path = tmp_path / "list.yaml"
    path.write_text(_engine("!If [Five, 'arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
                            "compute-engine/*', '*']", head).replace("Properties:\n", "Properties:\n", 1))
    proc = drift_main("--cloudformation", str(path))
    # Ids has no AllowedValues and no condition compares it directly: its Default, the text "5", is used
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == f"no drift: 1 policy document checked in {path}"


@pytest.mark.parametrize(("resource", "col", "message"), [
    ("!Select [0, !Split ['', abc]]", 35, "Fn::Split: the delimiter must not be empty"),  # at the !Split
    ("!Select [-1, [a, b]]", 23, "Fn::Select: index '-1' is not a whole number of 0 or more"),
    ("!Select [2, [a, b]]", 23, "Fn::Select: index 2 is outside the list"),
    ("!Transform {Name: AWS::Include}", 23, "Fn::Transform cannot be evaluated here: its result is known only to "
                                            "CloudFormation"),
    ("!ValueOf [P, Tags]", 23, "Fn::ValueOf is a rule function: valid only in the Rules section"),
    ("!GetAtt Nope.Arn", 23, "Fn::GetAtt: no resource named Nope in this template"),
])
def test_functions_cloudformation_refuses_are_drift_at_their_place(drift_main, tmp_path, resource, col, message):
    path = tmp_path / "t.yaml"
    path.write_text(_engine(resource))
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert [x for x in proc.stdout.splitlines() if ": drift: " in x] == [
        f"{path}:10:{col}: drift: E: cannot be evaluated, so it is not compared: {message}"]


@pytest.mark.parametrize(("args", "message"), [
    (["--param", "Session=maybe"], "--param Session=maybe: not one of the values Session allows"),
    (["--param", "Session=True"], "--param Session=True: not one of the values Session allows"),
    (["--param", "Nope=1"], "--param Nope: no such parameter in"),
])
def test_parameter_values_outside_allowed_values_are_usage_errors(drift_main, args, message):
    proc = drift_main("--cloudformation", str(FIXTURES / "product-shape.yaml"), *args)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0].startswith(f"iamdocs drift: error: {message}"), proc.stderr
    assert proc.stdout == ""


def test_template_that_is_a_fifo_is_refused(drift_main, tmp_path):
    path = tmp_path / "t.yaml"
    os.mkfifo(path)
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == (
        f"iamdocs drift: error: {path}: is not a regular file (a FIFO, device or socket); iamdocs reads only "
        "regular files")


def test_parameter_file_that_is_a_device_is_refused(drift_main):
    proc = drift_main("--cloudformation", str(FIXTURES / "product-shape.yaml"), "--parameters", "/dev/zero")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == (
        "iamdocs drift: error: /dev/zero: is not a regular file (a FIFO, device or socket); iamdocs reads only "
        "regular files")


def test_deeply_nested_template_is_refused(drift_main, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("Resources: " + "[" * 2000 + "]" * 2000 + "\n")
    proc = drift_main("--cloudformation", str(path))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0].startswith(f"iamdocs drift: error: {path}:1:")
    assert len(proc.stderr.splitlines()) == 1


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>nothing</p>")
    return site


def test_site_with_a_fifo_is_refused(drift_main, tmp_path):
    site = _site(tmp_path)
    os.mkfifo(site / "pipe.json")
    proc = drift_main("--site", str(site))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == (
        f"iamdocs drift: error: {site / 'pipe.json'}: not a regular file (a FIFO, socket or device); refusing to "
        "read it")


def test_site_symlink_to_dev_zero_is_refused(drift_main, tmp_path):
    site = _site(tmp_path)
    (site / "zero.json").symlink_to("/dev/zero")
    proc = drift_main("--site", str(site))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == (
        f"iamdocs drift: error: {site / 'zero.json'}: a symlink that leads out of the site (/dev/zero); refusing to "
        "follow it")


def test_site_symlink_out_of_the_site_is_refused_even_to_a_regular_file(drift_main, tmp_path):
    site = _site(tmp_path)
    outside = tmp_path / "secret.json"
    outside.write_text("{}")
    (site / "policy.json").symlink_to(outside)
    proc = drift_main("--site", str(site))
    assert proc.returncode == 2
    assert "a symlink that leads out of the site" in proc.stderr.splitlines()[0]


def test_site_symlink_within_the_site_is_followed(drift_main, tmp_path, project):
    site = _site(tmp_path)
    engine = next(f for f in project.files if f.name == "ai-unlimited-engine.json")
    (site / "policies").mkdir()
    (site / "policies" / "ai-unlimited-engine.json").write_text(json.dumps(engine.document))
    (site / "copy.json").symlink_to(site / "policies" / "ai-unlimited-engine.json")
    proc = drift_main("--site", str(site))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == f"no drift: 2 policy documents checked in {site}"
