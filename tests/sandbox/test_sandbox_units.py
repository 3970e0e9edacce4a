"""Units of the sandbox: the server, the template and its lint, naming, reading documents, the page's macros."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import pytest
from sandbox_helpers import MOTO_ACCOUNT

from iamdocs.aws import isolated_connection
from iamdocs.cfn import capabilities, manager_template
from iamdocs.cfn.lint import lint_template, lint_text
from iamdocs.errors import UserError
from iamdocs.render import deploy as page
from iamdocs.sandbox import target as target_mod
from iamdocs.sandbox.deploy import deploy
from iamdocs.sandbox.naming import Naming, is_ours
from iamdocs.sandbox.server import EmbeddedServer
from iamdocs.sandbox.target import Target, check_allowed
from iamdocs.sandbox.verify import EMULATOR_REPR_NOTE, DocumentError, decode_document

pytestmark = pytest.mark.sandbox


def test_servers_get_their_own_free_ports_and_stop_for_good():
    with EmbeddedServer() as a, EmbeddedServer() as b:
        assert a.port != b.port and a.port != 5000
        assert a.url.startswith("http://127.0.0.1:")
        pid = a.pid
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{a.url}/moto-api/", timeout=2)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_embedded_session_ignores_the_environment(monkeypatch):
    """The session for the embedded server never picks up the user's profile, keys or endpoint.
    (test_cli_embedded_full_run_writes_a_report runs the whole command with the same environment.)"""
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKING00000")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    conn = isolated_connection("http://127.0.0.1:1")
    assert conn.session.get_credentials().access_key == "iamdocs-sandbox"
    assert conn.client("iam").meta.endpoint_url == "http://127.0.0.1:1"
    assert conn.region == "us-east-1"


def test_only_the_embedded_server_needs_no_allow_list():
    check_allowed(MOTO_ACCOUNT, "embedded", (), "embedded")
    check_allowed("111122223333", "aws", ("111122223333",), "AWS")
    with pytest.raises(UserError, match="refusing to change account 111122223333"):
        check_allowed("111122223333", "aws", (), "AWS")
    with pytest.raises(UserError, match="refusing"):
        check_allowed("111122223333", "endpoint", ("999999999999",), "http://x")


def test_project_allow_list_is_read_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.iamdocs]\nsandbox-allow-accounts = ["111122223333"]\n')
    assert target_mod.project_allowed_accounts(tmp_path) == ("111122223333",)
    (tmp_path / "pyproject.toml").write_text("[tool.iamdocs]\nsandbox-allow-accounts = [111122223333]\n")
    with pytest.raises(UserError, match="12-digit account IDs"):
        target_mod.project_allowed_accounts(tmp_path)


def test_names_stay_within_iam_limits_and_carry_the_run():
    n = Naming("0123abcd", owner="build-host/4242/99", lease_until="2026-12-01T06:00:00Z")
    assert n.name("engine-a", "manager") == "iamdocs-sbx-0123abcd-engine-a-manager"
    long = n.name("x" * 80, "manager")
    assert len(long) == 64 and long.startswith("iamdocs-sbx-0123abcd-xxx")
    assert n.tags == [{"Key": "iamdocs:managed-by", "Value": "iamdocs"}, {"Key": "iamdocs:run", "Value": "0123abcd"},
                      {"Key": "iamdocs:owner", "Value": "build-host/4242/99"},
                      {"Key": "iamdocs:lease-until", "Value": "2026-12-01T06:00:00Z"}]


def test_only_prefix_and_tags_together_make_a_resource_ours():
    tags = [{"Key": "iamdocs:managed-by", "Value": "iamdocs"}, {"Key": "iamdocs:run", "Value": "0123abcd"}]
    assert is_ours("iamdocs-sbx-0123abcd-role", tags)
    assert is_ours("iamdocs-sbx-0123abcd-role", tags, "0123abcd")
    assert not is_ours("iamdocs-sbx-0123abcd-role", tags, "ffffffff")
    assert not is_ours("iamdocs-sbx-0123abcd-role", [])
    assert not is_ours("my-role", tags)
    assert not is_ours("iamdocs-sbx-0123abcd-role", [{"Key": "iamdocs:run", "Value": "0123abcd"}])


def test_capabilities_follow_the_facts_file():
    assert capabilities({"IamRole": "New"}) == ["CAPABILITY_IAM"]
    assert capabilities({"IamRole": "New", "IamRoleName": "r"}) == ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
    assert capabilities({"IamRole": "Existing", "IamRoleName": "r"}) == ["CAPABILITY_IAM"]
    assert capabilities({}) == ["CAPABILITY_IAM"]


def test_generated_template_has_no_cfn_lint_findings(project):
    assert lint_template(project) == []


def test_cfn_lint_check_reports_errors_with_their_rule():
    bad = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: {}\n"
    findings = lint_text(bad)
    assert [(f.rule, f.level, f.line) for f in findings] == [("E3003", "error", 4)]


def test_template_requires_a_name_for_an_existing_role(project):
    t = manager_template(project)
    rule = t["Rules"]["ExistingRoleNeedsName"]
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "IamRoleName"}, ""]}]}
    policies = {k: (r["Condition"], r["Properties"]["PolicyName"]) for k, r in t["Resources"].items()
                if r["Type"] == "AWS::IAM::Policy"}
    assert policies == {"AiUnlimitedRolePolicies": ("NEEDSROLE", "ai-unlimited-workspaces"),
                        "SessionManagerPolicies": ("NEEDSROLEANDSESSIONMANAGER", "session-manager")}


def test_documents_are_read_in_every_form_iam_returns():
    doc = {"Version": "2012-10-17", "Statement": []}
    assert decode_document(doc) == (doc, "")
    assert decode_document('{"Version": "2012-10-17", "Statement": []}') == (doc, "")
    assert decode_document("%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%5D%7D") == (doc, "")
    assert decode_document(str(doc), emulator=True) == (doc, EMULATOR_REPR_NOTE)
    with pytest.raises(DocumentError):
        decode_document(str(doc), emulator=False)  # a real account must return JSON


# Calls that IAM authorizes with a second permission too, from the IAM API reference:
# "The caller of this operation must be granted the PassRole permission on the IAM role" (AddRoleToInstanceProfile).
ALSO_NEEDED = {"iam:AddRoleToInstanceProfile": {"iam:PassRole"}}


def test_every_call_a_run_makes_is_in_the_deployer_permissions(endpoint, project, monkeypatch):
    calls: set[str] = set()
    original = Target.client

    def recording(self, service):
        c = original(self, service)
        prefix = {"iam": "iam", "cloudformation": "cloudformation", "sts": "sts"}[service]
        c.meta.events.register("before-call", lambda model, **_: calls.add(f"{prefix}:{model.name}"),
                               unique_id="iamdocs-test-record")
        return c

    monkeypatch.setattr(Target, "client", recording)
    report = deploy(endpoint, project, progress=lambda _: None, faults=None)
    assert report.exit_code == 0
    listed = {a for s in page.deployer_permissions_data()["statements"] for a in s["actions"]}
    assert "iam:CreateRole" in calls and "cloudformation:CreateStack" in calls
    assert calls - listed == set()
    assert "iam:AddRoleToInstanceProfile" in calls
    needed = set().union(*(ALSO_NEEDED.get(c, set()) for c in calls))
    assert needed - listed == set()


def test_deployer_policy_is_valid_json_with_one_statement_per_group():
    policy = json.loads(page.deploy_permissions_policy(None).split("\n", 1)[1].rsplit("```", 1)[0])
    assert [s["Sid"] for s in policy["Statement"]] == ["SandboxPolicies", "SandboxRoles", "SandboxInstanceProfiles",
                                                       "SandboxStacks", "FindLeftovers"]
    assert policy["Statement"][1]["Resource"] == "arn:aws:iam::<ACCOUNT_ID>:role/iamdocs-sbx-*"


def test_page_macros_render_options_and_stacks(project):
    options = page.deploy_options(project)
    for flag in ["`--endpoint-url URL`", "`--profile NAME`", "`--allow-account ID`", "`--cleanup`", "`--report FILE`"]:
        assert flag in options
    stacks = page.deploy_stacks(project)
    assert "| `new-named` | `IamRole` = `New`, `IamRoleName` = `<new role name>` |" in stacks
    assert "`CAPABILITY_IAM`, `CAPABILITY_NAMED_IAM` |" in stacks
    assert "| `engine-b` | Engine option B: you provide the engine role | `manager`, `engine` |" in \
        page.deploy_role_options(project)


def test_release_page_uses_only_existing_macros(root):
    text = (root / "docs" / "release" / "deploy-to-a-sandbox.md").read_text()
    assert text.startswith("---\ntitle: ") and "render_macros: true" in text.split("---")[1]
    used = {m.split("(")[0].strip() for m in text.split("{{ ")[1:]}
    assert used == {f.__name__ for f in page.MACROS}


def test_template_output_that_cannot_be_written_leaves_nothing(cli, tmp_path):
    folder = tmp_path / "manager-role.yaml"
    folder.mkdir()  # a folder where the file should go: refused before anything is written
    proc = cli("template", "--output", str(folder))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"iamdocs template: error: {folder}: is a folder; iamdocs writes only regular files")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manager-role.yaml"]
    assert list(folder.iterdir()) == []
