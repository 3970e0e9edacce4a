"""`iamdocs sync`: templates in the product's shape become the hand-written expected text, and nothing else changes.

Every expected file in fixtures/ (`*.synced.*`) was written by hand from the policy
files, in the style of its template.
"""

from __future__ import annotations

import difflib
import os
import shutil
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from iamdocs.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"

CASES = [
    ("product-shape.yaml", "product-shape.synced.yaml"),  # three actions missing: three lines added
    ("resource-changed.yaml", "product-shape.rewritten.yaml"),  # a resource differs too: the document rewritten
    ("long-form.yaml", "long-form.synced.yaml"),
    ("engine.json", "engine.synced.json"),
]

# product-shape.yaml with the Session Manager policy's last statement on other resources: more than actions differ.
LAST_STATEMENT = "              - ec2messages:SendReply\n            Resource: '*'\n"
RESOURCE_CHANGED = "              - ec2messages:SendReply\n            Resource: arn:aws:ec2:*:*:instance/*\n"


def copy(tmp_path: Path, name: str, crlf: bool = False) -> Path:
    if name == "resource-changed.yaml":
        text = (FIXTURES / "product-shape.yaml").read_text()
        assert text.count(LAST_STATEMENT) == 1
        data = text.replace(LAST_STATEMENT, RESOURCE_CHANGED).encode()
    else:
        data = (FIXTURES / name).read_bytes()
    target = tmp_path / name
    target.write_bytes(data.replace(b"\n", b"\r\n") if crlf else data)
    return target


def changed_lines(before: str, after: str) -> set[int]:
    """1-based numbers of the lines of `before` that a change replaces or deletes (or inserts after)."""
    out: set[int] = set()
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    for op, i1, i2, _, _ in matcher.get_opcodes():
        if op != "equal":
            out.update(range(i1 + 1, max(i2, i1 + 1) + 1))
    return out


@pytest.mark.parametrize(("name", "expected"), CASES)
def test_sync_writes_exactly_the_expected_text(tmp_path, project, capsys, name, expected):
    path = copy(tmp_path, name)
    assert main(["sync", "--cloudformation", str(path)]) == 0
    assert path.read_bytes() == (FIXTURES / expected).read_bytes()
    assert "rewrote" in capsys.readouterr().err


def test_missing_three_actions_under_a_condition(tmp_path, project, capsys):
    """The Session Manager policy exists only when Session is true; it lost three actions, and is synced too."""
    path = copy(tmp_path, "product-shape.yaml")
    assert main(["drift", "--cloudformation", str(path)]) == 1  # drift checks every branch
    out = capsys.readouterr().out
    for action in ("ssmmessages:CreateDataChannel", "ssmmessages:OpenDataChannel", "ec2messages:GetMessages"):
        assert f"removed {action}" in out
    assert main(["sync", "--cloudformation", str(path)]) == 0
    capsys.readouterr()
    assert main(["drift", "--cloudformation", str(path)]) == 0
    assert "no drift: 2 policy documents" in capsys.readouterr().out.splitlines()[-1]


@pytest.mark.parametrize("name", ["product-shape.yaml", "resource-changed.yaml"])
def test_diff_touches_only_the_documents_lines(tmp_path, project, name):
    path = copy(tmp_path, name)
    before = path.read_text()
    assert main(["sync", "--cloudformation", str(path)]) == 0
    # SessionManagerPolicies' PolicyDocument value: line 67 (Version) to line 97 (its last Resource).
    lines = changed_lines(before, path.read_text())
    assert lines and min(lines) >= 67 and max(lines) <= 97


def test_missing_actions_join_their_statements_and_nothing_else_changes(tmp_path, project, capsys):
    path = copy(tmp_path, "product-shape.yaml")
    assert main(["sync", "--check", "--cloudformation", str(path)]) == 1
    changed = [ln for ln in capsys.readouterr().out.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
    assert changed == ["+              - ssmmessages:CreateDataChannel", "+              - ssmmessages:OpenDataChannel",
                       "+              - ec2messages:GetMessages"]


def test_an_extra_action_line_is_removed(tmp_path, project):
    path = tmp_path / "t.yaml"
    synced = (FIXTURES / "product-shape.synced.yaml").read_text()
    extra = synced.replace("              - ssm:GetManifest\n", "              - ssm:GetManifest\n"
                                                              "              - ssm:SendCommand   # not needed\n")
    assert extra != synced
    path.write_text(extra)
    assert main(["sync", "--cloudformation", str(path)]) == 0
    assert path.read_text() == synced


def test_second_sync_changes_nothing(tmp_path, project, capsys):
    for name, _ in CASES:
        path = copy(tmp_path, name)
        assert main(["sync", "--cloudformation", str(path)]) == 0
        once = path.read_bytes()
        assert main(["sync", "--cloudformation", str(path)]) == 0
        assert path.read_bytes() == once
        assert capsys.readouterr().err.endswith(f"{path}: in sync\n")


def test_check_exits_1_before_and_0_after_and_changes_nothing(tmp_path, project, capsys):
    path = copy(tmp_path, "product-shape.yaml")
    original = path.read_bytes()
    assert main(["sync", "--check", "--cloudformation", str(path)]) == 1
    captured = capsys.readouterr()
    assert path.read_bytes() == original
    shown = path.as_posix().lstrip("/")
    assert captured.out.startswith(f"--- a/{shown}\n+++ b/{shown}\n@@ -")
    assert "+              - ssmmessages:CreateDataChannel\n" in captured.out
    assert "would rewrite SessionManagerPolicies = session-manager.json" in captured.err
    assert main(["sync", "--cloudformation", str(path)]) == 0
    capsys.readouterr()
    assert main(["sync", "--check", "--cloudformation", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"{path}: in sync\n"


def test_diff_prints_and_writes(tmp_path, project, capsys):
    path = copy(tmp_path, "long-form.yaml")
    assert main(["sync", "--diff", "--cloudformation", str(path)]) == 0
    out = capsys.readouterr().out
    assert "-                        - secretsmanager:DescribeSecret  # one too many\n" in out
    assert path.read_bytes() == (FIXTURES / "long-form.synced.yaml").read_bytes()


@pytest.mark.parametrize(("name", "expected"), CASES[:2])
def test_crlf_template_keeps_its_line_endings(tmp_path, project, name, expected):
    path = copy(tmp_path, name, crlf=True)
    assert main(["sync", "--cloudformation", str(path)]) == 0
    assert path.read_bytes() == (FIXTURES / expected).read_bytes().replace(b"\n", b"\r\n")


def test_byte_order_mark_and_mode_are_kept(tmp_path, project):
    path = tmp_path / "t.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "long-form.yaml").read_bytes())
    path.chmod(0o640)
    assert main(["sync", "--cloudformation", str(path)]) == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + (FIXTURES / "long-form.synced.yaml").read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["t.yaml"]  # no temporary file left


def test_cfn_lint_finds_nothing_new(tmp_path, project):
    from iamdocs.cfn.lint import lint_text

    for name, _ in CASES:
        path = copy(tmp_path, name)
        before = {(f.rule, f.message) for f in lint_text(path.read_text())}
        assert main(["sync", "--cloudformation", str(path)]) == 0
        after = {(f.rule, f.message) for f in lint_text(path.read_text())}
        assert after <= before, name


def test_map_chooses_the_policy(tmp_path, project, capsys):
    """--map writes the named file, even one the document resembles less."""
    path = copy(tmp_path, "long-form.yaml")
    assert main(["sync", "--check", "--map", "EngineRole/engine-secrets=session-manager.json",
                 "--cloudformation", str(path)]) == 1
    out = capsys.readouterr().out
    assert "+                    - Sid: SessionManagerAgent\n" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--map", "NoSuchRole=ai-unlimited-engine.json"], "--map NoSuchRole: no such policy document in"),
    (["--map", "EngineRole=no-such.json"], "EngineRole/engine-secrets: no policy no-such.json in policies/"),
])
def test_bad_map_is_a_usage_error(tmp_path, project, capsys, args, message):
    path = copy(tmp_path, "long-form.yaml")
    assert main(["sync", *args, "--cloudformation", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err.splitlines()[0]
    assert path.read_bytes() == (FIXTURES / "long-form.yaml").read_bytes()


UNMATCHED = """\
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


def test_unmatched_document_is_bad_input(tmp_path, project, capsys):
    path = tmp_path / "t.yaml"
    path.write_text(UNMATCHED)
    assert main(["sync", "--cloudformation", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"iamdocs sync: error: {path}:6:9: Buckets resembles no policy in policies/")
    assert err[1] == "hint: name its policy with --map Buckets=policy-file.json"
    assert path.read_text() == UNMATCHED


def test_equal_resemblance_needs_map(db):
    """Two canonical policies that the document resembles equally: sync will not pick one (the command asks --map)."""
    from iamdocs.sync import tied_policies

    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:GetDocument", "Resource": "*"}]}
    other = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    twins = SimpleNamespace(files=[SimpleNamespace(name="b.json", document=doc),
                                   SimpleNamespace(name="a.json", document=doc),
                                   SimpleNamespace(name="c.json", document=other)])
    assert tied_policies(doc, "a.json", twins, db) == ["b.json"]
    assert tied_policies(other, "c.json", twins, db) == []


def test_one_bad_template_means_nothing_is_written(tmp_path, project, capsys):
    good = copy(tmp_path, "product-shape.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources:\n  X: [unclosed\n")
    assert main(["sync", "--cloudformation", str(good), str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"iamdocs sync: error: {bad}:")
    assert good.read_bytes() == (FIXTURES / "product-shape.yaml").read_bytes()


def test_symlink_fifo_and_missing_file_are_refused(tmp_path, project, capsys):
    real = copy(tmp_path, "long-form.yaml")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    for target, message in ((link, "is a symbolic link"), (fifo, "is not a regular file"),
                            (tmp_path / "none.yaml", "no such file"), (tmp_path, "is a folder")):
        assert main(["sync", "--cloudformation", str(target)]) == 2
        err = capsys.readouterr().err.splitlines()
        assert message in err[0], err
        assert len([e for e in err if not e.startswith("hint:")]) == 1
    assert link.is_symlink() and real.read_bytes() == (FIXTURES / "long-form.yaml").read_bytes()


def test_document_in_sync_is_left_as_written(tmp_path, project, capsys):
    """The engine policy of product-shape.yaml grants what the file grants (scalar Action, quoted !Sub): untouched."""
    path = copy(tmp_path, "product-shape.synced.yaml")
    assert main(["sync", "--check", "--cloudformation", str(path)]) == 0
    assert capsys.readouterr().out == ""


def test_sync_in_a_subprocess_exit_codes(tmp_path, cli):
    """The console entry point: --check 1, then sync 0, then --check 0."""
    path = tmp_path / "engine.json"
    shutil.copy(FIXTURES / "engine.json", path)
    assert cli("sync", "--check", "--cloudformation", str(path)).returncode == 1
    assert cli("sync", "--cloudformation", str(path)).returncode == 0
    assert cli("sync", "--check", "--cloudformation", str(path)).returncode == 0


FLOW = """\
Resources:
  EnginePolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: secretsmanager:GetSecretValue, \
Resource: "*"}]}  # engine
      Description: the engine role's policy
"""
FLOW_SYNCED = """\
Resources:
  EnginePolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: {"Version": "2012-10-17", "Statement": [{"Sid": "ReadEngineSecrets", "Effect": "Allow", \
"Action": ["secretsmanager:GetSecretValue"], "Resource": {"Fn::Sub": \
"arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:compute-engine/*"}}]}  # engine
      Description: the engine role's policy
"""


def test_flow_document_stays_on_its_line(tmp_path, project):
    path = tmp_path / "t.yaml"
    path.write_text(FLOW)
    assert main(["sync", "--cloudformation", str(path)]) == 0
    assert path.read_text() == FLOW_SYNCED
    assert main(["drift", "--cloudformation", str(path)]) == 0


def test_map_to_two_files_writes_both(tmp_path, project, capsys):
    path = copy(tmp_path, "long-form.yaml")
    mapping = "EngineRole/engine-secrets=ai-unlimited-workspaces.json,session-manager.json"  # the manager's two
    assert main(["sync", "--map", mapping, "--cloudformation", str(path)]) == 0
    sids = [ln.strip() for ln in path.read_text().splitlines() if "Sid:" in ln]
    assert sids[0] == "- Sid: EngineStacks"
    assert sids[-3:] == ["- Sid: SessionManagerAgent", "- Sid: SessionManagerChannels", "- Sid: SessionManagerMessages"]
    capsys.readouterr()
    assert main(["drift", "--map", mapping, "--cloudformation", str(path)]) == 0


@pytest.mark.parametrize(("name", "expected"), CASES)
def test_sync_reads_back_only_the_rewritten_documents(tmp_path, project, capsys, monkeypatch, name, expected):
    # The check of sync's own result reads each rewritten document on its own: the template is parsed once.
    import iamdocs.sync

    def second_parse(*_args, **_kwargs):
        raise AssertionError("the whole template was parsed a second time")

    monkeypatch.setattr(iamdocs.sync, "parse_template", second_parse)
    path = copy(tmp_path, name)
    assert main(["sync", "--cloudformation", str(path)]) == 0
    assert path.read_bytes() == (FIXTURES / expected).read_bytes()
