"""The render functions on a tiny hand-written project (tests/guide/conftest.py), against hand-written Markdown."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from iamdocs.cfn.template import capabilities
from iamdocs.render import MacroError, discover_macros
from iamdocs.render.cloudformation import (
    cfn_capabilities,
    cfn_inline_policies,
    cfn_parameter_files,
    cfn_stack_command,
    parameter_files,
    parameters_text,
)
from iamdocs.render.history import history_since, history_versions, permissions_changelog, upgrade_commands
from iamdocs.render.policies import (
    download_link,
    former_names,
    permissions_table,
    policy_history,
    policy_json,
    policy_size,
    policy_usage,
)
from iamdocs.render.product import product_templates
from iamdocs.render.roles import cli_addition, cli_commands, cli_removal, decision_table, trust_policy
from iamdocs.render.security import accepted_findings


def test_policy_json_is_the_file_text_in_a_titled_block(mini):
    assert policy_json(mini, "app.json") == (
        '```json title="app.json"\n'
        "{\n"
        '  "Version": "2012-10-17",\n'
        '  "Statement": [\n'
        "    {\n"
        '      "Sid": "ReadSecrets",\n'
        '      "Effect": "Allow",\n'
        '      "Action": ["secretsmanager:GetSecretValue"],\n'
        '      "Resource": "arn:aws:secretsmanager:<REGION>:<ACCOUNT_ID>:secret:app/*"\n'
        "    }\n"
        "  ]\n"
        "}\n"
        "```\n"
    )


def test_unknown_policy_names_the_known_ones(mini):
    with pytest.raises(KeyError, match=re.escape("no policy 'nope.json' in policies/; known: app.json, ops.json")):
        policy_json(mini, "nope.json")


def test_permissions_table_groups_by_service_with_access_level_and_purpose(mini):
    assert permissions_table(mini, "ops.json") == (
        "### Amazon EC2 (`ec2`, 2 actions)\n"
        "\n"
        "| Action | Access level | Resource | Purpose |\n"
        "|---|---|---|---|\n"
        "| `ec2:DescribeInstances` | List | `*` | See what is there. |\n"
        "| `ec2:RunInstances` | Write | `*` | Start the work. |\n"
        "\n"
        "### Amazon S3 (`s3`, 1 action)\n"
        "\n"
        "| Action | Access level | Resource | Purpose |\n"
        "|---|---|---|---|\n"
        "| `s3:GetObject` | Read | `*` | See what is there. |\n"
    )


def test_permissions_table_heading_level_is_a_parameter(mini):
    assert permissions_table(mini, "app.json", heading="####").startswith(
        "#### AWS Secrets Manager (`secretsmanager`, 1 action)\n"
    )


def test_download_link_points_at_the_published_copy(mini):
    assert download_link(mini, "app.json") == (
        '[`app.json`](/policies/app.json){ download="app.json" .iamdocs-download }'
    )


LABEL = '<span class="iamdocs-stacked__label" aria-hidden="true">{}</span>'
OPS = '[`ops.json`](/policies/ops.json){ download="ops.json" .iamdocs-download }'
APP = '[`app.json`](/policies/app.json){ download="app.json" .iamdocs-download }'


def test_decision_table_one_row_per_option_one_column_per_role(mini):
    """An HTML table whose cells carry their column's name, for the stacked layout on a phone."""
    assert decision_table(mini) == (
        '<div class="iamdocs-stacked-wrap" markdown="1">\n'
        '<table class="iamdocs-stacked iamdocs-decision" markdown="1">\n'
        "<thead><tr><th>Choose</th><th>Worker role</th><th>Combines with</th><th>On the setup page</th></tr></thead>\n"
        '<tbody markdown="1">\n'
        '<tr markdown="1">\n'
        f'<td markdown="span">{LABEL.format("Choose")}**Plain worker**<br>if you want the worker.</td>\n'
        f'<td markdown="span">{LABEL.format("Worker role")}{OPS}<br>{APP} (inline)</td>\n'
        f'<td markdown="span">{LABEL.format("Combines with")}add Bounded worker</td>\n'
        # catalog text is shown as typed, never formatted
        f'<td markdown="span">{LABEL.format("On the setup page")}Enter the role in &#42;&#42;Role&#42;&#42;.</td>\n'
        "</tr>\n"
        '<tr markdown="1">\n'
        f'<td markdown="span">{LABEL.format("Choose")}**Bounded worker**<br>if you need a boundary.</td>\n'
        f'<td markdown="span">{LABEL.format("Worker role")}adds a permissions boundary</td>\n'
        f'<td markdown="span">{LABEL.format("Combines with")}on top of Plain worker</td>\n'
        f'<td markdown="span">{LABEL.format("On the setup page")}—</td>\n'
        "</tr>\n"
        "</tbody>\n"
        "</table>\n"
        "</div>\n"
    )


def test_decision_table_says_what_each_addition_adds_and_combines_with(project):
    rows = {r.split("**")[1]: r for r in decision_table(project).split('<tr markdown="1">')[1:]}
    for title in ("Session Manager access to the manager instance", "A permissions boundary on the manager role"):
        assert "on top of Engine option A, Engine option B or The template&#x27;s role" in rows[title] or \
            "on top of Engine option A, Engine option B or The template's role" in rows[title], rows[title]
        assert "ai-unlimited-workspaces.json" not in rows[title]  # an addition adds only its own part
    assert "adds [`session-manager.json`]" in rows["Session Manager access to the manager instance"]
    template_row = rows["The CloudFormation template creates the manager role"]
    assert "without-iam-role-permissions" not in template_row  # the template's role always gets option A's policy
    assert "add Session Manager and/or Permissions boundary" in template_row


def test_catalog_text_in_the_decision_table_is_escaped(mini):
    hostile = dataclasses.replace(mini.catalog.options["plain"], title="<img src=x onerror=alert(1)>",
                                  when="{{ config }}")
    catalog = dataclasses.replace(mini.catalog, options={**mini.catalog.options, "plain": hostile})
    table = decision_table(dataclasses.replace(mini, catalog=catalog))
    assert "<img" not in table and "&#60;img src=x onerror=alert(1)&#62;" in table
    assert "{{" not in table and "&#123;&#123; config &#125;&#125;" in table


def test_trust_policy_block_and_download(mini):
    assert trust_policy(mini, "worker") == (
        "The worker role trusts `ec2.amazonaws.com` to assume it "
        "([download `worker-role-trust-policy.json`](/policies/trust/worker-role-trust-policy.json)"
        '{ download="worker-role-trust-policy.json" .iamdocs-download }):\n'
        "\n"
        '```json title="worker-role-trust-policy.json"\n'
        "{\n"
        '  "Version": "2012-10-17",\n'
        '  "Statement": [\n'
        "    {\n"
        '      "Effect": "Allow",\n'
        '      "Principal": {\n'
        '        "Service": "ec2.amazonaws.com"\n'
        "      },\n"
        '      "Action": "sts:AssumeRole"\n'
        "    }\n"
        "  ]\n"
        "}\n"
        "```\n"
    )


ACCOUNT_LINES = (
    "# Your account ID (the form above fills it in)\n"
    "ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)\n"
    "# Your account's partition: aws, aws-us-gov or aws-cn (the form above fills it in)\n"
    "PARTITION=$(aws sts get-caller-identity --query Arn --output text | cut -d: -f2)\n"
)


def test_cli_commands_managed_inline_and_instance_profile(mini):
    assert cli_commands(mini, "plain") == (
        "```bash\n"
        + ACCOUNT_LINES +
        "# The Region where AI Unlimited runs (the form above fills it in)\n"
        "REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region)}}\n"
        "\n"
        "# Worker role: choose its name\n"
        "WORKER_ROLE=ai-unlimited-worker\n"
        'aws iam create-role --role-name "$WORKER_ROLE" \\\n'
        "  --assume-role-policy-document file://worker-role-trust-policy.json\n"
        "aws iam create-policy --policy-name ops --policy-document file://ops.json\n"
        'aws iam attach-role-policy --role-name "$WORKER_ROLE" \\\n'
        '  --policy-arn "arn:${PARTITION}:iam::${ACCOUNT_ID}:policy/ops"\n'
        "# Fill your values into app.json (a download filled in by the form stays the same)\n"
        'sed -e "s/[<]REGION[>]/$REGION/g" -e "s/[<]ACCOUNT_ID[>]/$ACCOUNT_ID/g" app.json > app.filled.json\n'
        'aws iam put-role-policy --role-name "$WORKER_ROLE" --policy-name app \\\n'
        "  --policy-document file://app.filled.json\n"
        'aws iam create-instance-profile --instance-profile-name "$WORKER_ROLE"\n'
        'aws iam add-role-to-instance-profile --instance-profile-name "$WORKER_ROLE" --role-name "$WORKER_ROLE"\n'
        "```\n"
    )


def test_cli_commands_of_a_combination_put_the_addition_on_the_role(mini):
    text = cli_commands(mini, "plain+bounded")
    assert text.startswith(
        "```bash\n"
        + ACCOUNT_LINES +
        "# The Region where AI Unlimited runs (the form above fills it in)\n"
        "REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region)}}\n"
        "# The name of the permissions boundary policy your organization requires\n"
        "BOUNDARY_POLICY_NAME=YOUR-BOUNDARY-POLICY\n"
        'BOUNDARY_POLICY_ARN="arn:${PARTITION}:iam::${ACCOUNT_ID}:policy/${BOUNDARY_POLICY_NAME}"\n'
        "\n"
    )
    assert (
        'aws iam create-role --role-name "$WORKER_ROLE" \\\n'
        "  --assume-role-policy-document file://worker-role-trust-policy.json \\\n"
        '  --permissions-boundary "$BOUNDARY_POLICY_ARN"\n'
    ) in text
    assert text.count("create-policy ") == 1 and text.count("put-role-policy") == 1


def test_cli_addition_adds_only_its_own_part(mini):
    assert cli_addition(mini, "bounded") == (
        "```bash\n"
        + ACCOUNT_LINES +
        "# The name of the permissions boundary policy your organization requires\n"
        "BOUNDARY_POLICY_NAME=YOUR-BOUNDARY-POLICY\n"
        'BOUNDARY_POLICY_ARN="arn:${PARTITION}:iam::${ACCOUNT_ID}:policy/${BOUNDARY_POLICY_NAME}"\n'
        "# The worker role you created (Plain worker)\n"
        "WORKER_ROLE=ai-unlimited-worker\n"
        'aws iam put-role-permissions-boundary --role-name "$WORKER_ROLE" \\\n'
        '  --permissions-boundary "$BOUNDARY_POLICY_ARN"\n'
        "```\n"
    )


def test_cli_addition_names_the_options_whose_role_the_reader_creates(project):
    text = cli_addition(project, "session-manager")
    assert "# The manager role you created (Engine option A or Engine option B)\n" in text  # not the template's
    assert ("aws iam create-policy --policy-name session-manager --policy-document file://session-manager.json\n"
            'aws iam attach-role-policy --role-name "$MANAGER_ROLE" \\\n'
            '  --policy-arn "arn:${PARTITION}:iam::${ACCOUNT_ID}:policy/session-manager"\n') in text


def test_cli_removal_detaches_everything_then_deletes(mini):
    text = cli_removal(mini, "plain")
    order = ["remove-role-from-instance-profile", "delete-instance-profile", "detach-role-policy",
             "delete-role-policy", "delete-role --role-name", "delete-policy-version", "delete-policy --policy-arn"]
    positions = [text.index(word) for word in order]
    assert positions == sorted(positions)
    assert "for name in ops; do" in text  # only the managed policy the option created


def test_cli_removal_deletes_what_every_addition_created(project):
    """Removal after engine option B with Session Manager leaves nothing: its policy is in the list too."""
    text = cli_removal(project, "engine-b")
    assert "for name in ai-unlimited-without-iam-role-permissions ai-unlimited-engine session-manager; do" in text
    assert '  aws iam get-policy --policy-arn "$arn" >/dev/null 2>&1 || continue\n' in text
    assert text.count("delete-role --role-name") == 2
    assert "for name in ai-unlimited-workspaces session-manager; do" in cli_removal(project, "engine-a")


def test_upgrade_commands_respect_the_five_version_limit(mini):
    text = upgrade_commands(mini, "ops.json")
    assert 'POLICY_ARN="arn:${PARTITION}:iam::${ACCOUNT_ID}:policy/ops"\n' in text
    assert 'if [ "$COUNT" -ge 5 ]; then\n' in text
    assert "sort_by(Versions[?!IsDefaultVersion], &CreateDate)[0].VersionId" in text
    assert text.index("delete-policy-version") < text.index("create-policy-version")
    assert text.endswith('--policy-document file://ops.json --set-as-default\n```\n')
    filled = upgrade_commands(mini, "app.json")
    assert "app.filled.json --set-as-default" in filled and "REGION=" in filled


def test_cli_commands_unknown_option(mini):
    with pytest.raises(KeyError, match=re.escape("no option 'x' in the catalog; known: plain, bounded")):
        cli_commands(mini, "x")


@pytest.mark.parametrize(
    ("iam_role", "named", "expected"),
    [
        ("New", False, ["CAPABILITY_IAM"]),
        ("New", True, ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]),
        ("Existing", True, ["CAPABILITY_IAM"]),
        ("Existing", False, ["CAPABILITY_IAM"]),
    ],
)
def test_capabilities_always_include_capability_iam(iam_role, named, expected):
    assert capabilities({"IamRole": iam_role, "IamRoleName": "manager" if named else ""}) == expected


def test_cfn_capabilities_table(mini):
    assert cfn_capabilities(mini) == (
        "| `IamRole` | `IamRoleName` | Acknowledge |\n"
        "|---|---|---|\n"
        "| `New` | blank | `CAPABILITY_IAM` |\n"
        "| `New` | set | `CAPABILITY_IAM`, `CAPABILITY_NAMED_IAM` |\n"
        "| `Existing` | the existing role's name | `CAPABILITY_IAM` |\n"
        "\n"
        "The template always creates an instance profile for the manager, so `CAPABILITY_IAM` is needed in every "
        "case, also with an existing role.\n"
    )


def test_cfn_stack_command_existing_role(project):
    assert cfn_stack_command(project, "engine-b") == (
        "The IAM parameters for this choice ([`ai-unlimited-iam-parameters.json`](/cloudformation/parameters/"
        'engine-b.json){ download="ai-unlimited-iam-parameters.json" .iamdocs-download }, filled in by the form):\n'
        "\n"
        '```json title="ai-unlimited-iam-parameters.json"\n'
        "[\n"
        '  {\n    "ParameterKey": "IamRole",\n    "ParameterValue": "Existing"\n  },\n'
        '  {\n    "ParameterKey": "IamRoleName",\n    "ParameterValue": "ai-unlimited-manager"\n  },\n'
        '  {\n    "ParameterKey": "IamPermissionsBoundary",\n    "ParameterValue": ""\n  },\n'
        '  {\n    "ParameterKey": "Session",\n    "ParameterValue": "false"\n  }\n'
        "]\n"
        "```\n"
        "\n"
        "With the template and its parameter file from the product repository in the same folder:\n"
        "\n"
        "```bash\n"
        "# The Region where AI Unlimited runs (the form above fills it in)\n"
        "REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region)}}\n"
        "# ai-unlimited-with-nlb.json (from the product repository) with the IAM values of "
        "ai-unlimited-iam-parameters.json\n"
        "# in place of its own (needs jq)\n"
        "jq -s '.[1] as $iam | [.[0][] | select(.ParameterKey as $k | ($iam | map(.ParameterKey) | index($k)) == "
        "null)] + $iam' \\\n"
        "  ai-unlimited-with-nlb.json ai-unlimited-iam-parameters.json > ai-unlimited-parameters.json\n"
        'aws cloudformation create-stack --region "$REGION" --stack-name ai-unlimited \\\n'
        "  --template-body file://ai-unlimited-with-nlb.yaml \\\n"
        "  --parameters file://ai-unlimited-parameters.json \\\n"
        "  --capabilities CAPABILITY_IAM\n"
        "```\n"
    )


@pytest.mark.parametrize(("option", "values"), [
    ("cloudformation-new-role", ["New", "", "", "false"]),
    ("cloudformation-new-role+session-manager", ["New", "", "", "true"]),
    ("cloudformation-new-role+permissions-boundary",
     ["New", "", "arn:<PARTITION>:iam::<ACCOUNT_ID>:policy/<BOUNDARY_POLICY_NAME>", "false"]),
    ("cloudformation-new-role+session-manager+permissions-boundary",
     ["New", "", "arn:<PARTITION>:iam::<ACCOUNT_ID>:policy/<BOUNDARY_POLICY_NAME>", "true"]),
    # the template puts nothing on a role it does not create: the reader adds Session Manager and the boundary
    ("engine-a+session-manager+permissions-boundary", ["Existing", "ai-unlimited-manager", "", "false"]),
])
def test_cfn_parameters_for_each_combination(project, option, values):
    body = json.loads(parameters_text(project, option))
    assert body == [{"ParameterKey": k, "ParameterValue": v}
                    for k, v in zip(["IamRole", "IamRoleName", "IamPermissionsBoundary", "Session"], values,
                                    strict=True)]


def test_cfn_parameter_files_one_per_combination(project):
    files = parameter_files(project)
    assert len(files) == 12 + 4  # every combination, and the template's role with a name
    assert "cloudformation/parameters/engine-b-with-session-manager.json" in files
    rows = cfn_parameter_files(project).splitlines()
    assert len(rows) == 2 + 12


def test_product_templates_link_the_four_that_exist(mini):
    text = product_templates(mini)
    assert text.count("https://github.com/Teradata/ai-unlimited/blob/main/deployments/aws/templates/") == 4
    assert "/parameters/jupyter-without-lb.json)" in text
    assert "alb" not in text and "all-in-one" not in text


def test_cfn_stack_command_new_named_role_needs_named_iam(project):
    text = cfn_stack_command(project, "cloudformation-new-role", name_role=True)
    assert "  --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM\n" in text
    assert '"ParameterValue": "ai-unlimited-manager"' in text
    assert "  --capabilities CAPABILITY_IAM\n" in cfn_stack_command(project, "cloudformation-new-role")


def test_cfn_inline_policies_from_the_catalog(mini):
    assert cfn_inline_policies(mini) == (
        '- always: [`ops.json`](/policies/ops.json){ download="ops.json" .iamdocs-download }, as an inline policy;\n'
        "- with `Session` = `true`: also "
        '[`app.json`](/policies/app.json){ download="app.json" .iamdocs-download }, inline.\n'
    )


def test_accepted_findings_without_a_known_rule_show_id_and_justification(mini):
    assert accepted_findings(mini, "ops.json") == (
        '!!! warning "W999"\n\n    The worker must run instances it cannot name in advance.\n'
    )
    assert accepted_findings(mini, "app.json") == "The lint rules report no security findings for this policy.\n"


def test_accepted_findings_name_the_rule_without_a_link_to_the_writers_site(project):
    text = accepted_findings(project, "session-manager.json")
    assert text.startswith('!!! warning "W304 ')
    assert "/writers/" not in text


def test_changelog_newest_first_with_renames(mini):
    assert permissions_changelog(mini) == (
        "## 2024-03-01: Buckets\n"
        "\n"
        "Work needs files.\n"
        "\n"
        "- [`ops.json`](/reference/policies/ops.md): add `s3:GetObject`.\n"
        "\n"
        "## 2024-02-01: Renamed\n"
        "\n"
        "- `old-app.json` is now [`app.json`](/policies/app.json); the old name still works.\n"
        "\n"
        "## 2024-01-01: First release\n"
        "\n"
        "- [`ops.json`](/reference/policies/ops.md): first release, 2 actions.\n"
        "- [`app.json`](/reference/policies/app.md): first release, 1 action.\n"
    )


def test_policy_history_only_this_policy(mini):
    assert policy_history(mini, "app.json") == (
        "| Date | Change | Details |\n"
        "|---|---|---|\n"
        "| 2024-02-01 | Renamed. | renamed from `old-app.json` |\n"
        "| 2024-01-01 | First release. | first release with 1 action |\n"
    )
    assert policy_history(mini, "ops.json").splitlines()[2] == "| 2024-03-01 | Buckets. | added `s3:GetObject` |"


def test_policy_size_counts_without_whitespace_against_the_catalog_limit(mini):
    # ops.json without whitespace outside strings: 209 characters (counted by hand); the mini limit is 200.
    assert policy_size(mini, "ops.json") == (
        "209 characters of the 200 a managed policy may have (104%), whitespace not counted.\n"
    )
    assert policy_size(mini, "app.json").endswith(
        "Where it is an inline policy, it counts toward the 10,240 characters that all inline policies of one "
        "role may have together.\n"
    )


def test_former_names_are_listed_with_downloads(mini):
    assert former_names(mini, "app.json") == (
        "Links to these names keep working: each serves the current file, identical to `app.json`.\n"
        "\n"
        "| Former name | Download |\n"
        "|---|---|\n"
        '| `old-app.json` | [`old-app.json`](/policies/old-app.json){ download="old-app.json" .iamdocs-download } |\n'
    )
    assert former_names(mini, "ops.json") == "This file has had no other name.\n"


def test_policy_usage(mini):
    assert policy_usage(mini, "app.json") == "Plain worker (worker role, inline)."
    assert policy_usage(mini, "ops.json") == (
        "Plain worker (worker role, managed)."
    )


def test_every_macro_takes_the_project_first_and_names_are_unique():
    macros = discover_macros()
    assert {"policy_json", "permissions_table", "decision_table", "trust_policy", "cfn_parameters",
            "cfn_capabilities", "cli_commands", "accepted_findings", "permissions_changelog",
            "lint_rules_reference"} <= set(macros)
    assert all(name == fn.__name__ for name, fn in macros.items())


def test_duplicate_macro_names_are_refused(monkeypatch):
    import types

    from iamdocs import render

    def policy_json(project):  # same name as the real macro
        return ""

    fake = types.ModuleType("iamdocs.render.zz_fake")
    fake.MACROS = [policy_json]
    real_iter = render.pkgutil.iter_modules

    def iter_modules(path):
        yield from real_iter(path)
        yield types.SimpleNamespace(name="zz_fake")

    monkeypatch.setitem(__import__("sys").modules, "iamdocs.render.zz_fake", fake)
    monkeypatch.setattr(render.pkgutil, "iter_modules", iter_modules)
    with pytest.raises(MacroError, match="macro policy_json is defined twice"):
        discover_macros()


def test_history_versions_links_every_dated_file(mini):
    assert history_versions(mini) == (
        "| Date | `app.json` | `ops.json` |\n"
        "|---|---|---|\n"
        '| 2024-03-01 | [`app.json`](/policies/2024-03-01/app.json){ download="app.json" .iamdocs-download } | '
        '[`ops.json`](/policies/2024-03-01/ops.json){ download="ops.json" .iamdocs-download } |\n'
        '| 2024-02-01 | [`app.json`](/policies/2024-02-01/app.json){ download="app.json" .iamdocs-download } | '
        '[`ops.json`](/policies/2024-02-01/ops.json){ download="ops.json" .iamdocs-download } |\n'
        '| 2024-01-01 | [`app.json`](/policies/2024-01-01/app.json){ download="app.json" .iamdocs-download } | '
        '[`ops.json`](/policies/2024-01-01/ops.json){ download="ops.json" .iamdocs-download } |\n'
    )


def test_history_since_lists_what_to_add_per_date(mini):
    text = history_since(mini)
    assert '<option value="2024-01-01">from 2024-01-01 to before 2024-02-01: First release</option>' in text
    first = text[text.index('data-since="2024-01-01"'):text.index('data-since="2024-02-01"')]
    assert "| `s3:GetObject` | Read | 2024-03-01 |" in first
    assert "#### `ops.json`" in first and "#### `app.json`" not in first
    last = text[text.index('data-since="2024-03-01"'):]
    assert "Nothing to add: your policies are current." in last
