"""Hostile and careless inputs to drift, sync and the build (round 3): each ends in its one line and exit code.

Each case prepares a private folder in one way, runs one command, and states, written by hand,
the exit code and a whole line the user must see. The commands run in this process through
`iamdocs.cli.main`; the build's cases run the real `mkdocs build`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from guide_copy import build, site_copy

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "sync" / "fixtures"

pytestmark = pytest.mark.timeout(120)


def tabs(text: str) -> str:
    """A fixture indented with four spaces a level, indented with one tab a level instead."""
    return re.sub(r"(?m)^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), text)


def write(name: str, text: str) -> Callable[[Path], None]:
    return lambda d: (d / name).write_text(text)


_POLICY = ("Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
           "        Statement:\n          - Effect: Allow\n            Action: ['secretsmanager:GetSecretValue']\n")


def _items(n: int) -> str:
    return "[" + ", ".join(f"a{i}" for i in range(n)) + "]"


def tab_template(d: Path) -> None:
    (d / "engine.json").write_text(tabs((FIXTURES / "engine.json").read_text()))


def hard_linked(name: str, fixture: str) -> Callable[[Path], None]:
    """`name`, a copy of a fixture, with a second name (`name`.bak) for the same file."""
    def setup(d: Path) -> None:
        shutil.copy(FIXTURES / fixture, d / name)
        os.link(d / name, d / f"{name}.bak")
    return setup


def read_only(d: Path) -> None:
    shutil.copy(FIXTURES / "engine.json", d / "engine.json")
    (d / "engine.json").chmod(0o444)


def ssm_parameter() -> str:
    """The product's template in sync, with one action taken from an SSM parameter: its Default is the parameter's
    name in Systems Manager, not the action, so sync cannot know what the document grants and must not guess."""
    text = (FIXTURES / "product-shape.synced.yaml").read_text()
    text = text.replace("Parameters:\n", "Parameters:\n  Extra:\n    Type: AWS::SSM::Parameter::Value<String>\n"
                        "    Default: ssm:SendCommand\n", 1)
    text = text.replace("              - ssmmessages:CreateControlChannel\n",
                        "              - ssmmessages:CreateControlChannel\n              - !Ref Extra\n", 1)
    return text


_HARD_LINKS = "has 2 hard links; replacing it would leave the other names with the old text, so iamdocs refuses"
_ROLE = "Resources:\n  R:\n    Type: AWS::IAM::Role\n"


@dataclass
class Case:
    id: str
    setup: Callable[[Path], object]  # prepares the folder (the current folder while the command runs)
    argv: tuple[str, ...]
    code: int
    lines: tuple[str, ...]  # whole lines of the output, each of which must be there
    files: dict[str, Callable[[], str]] = field(default_factory=dict)  # file -> its expected text afterwards


CASES = [
    # --- role names are escaped in every message; an ARN gets a hint
    Case("role-name-with-newline", lambda d: None,
         ("drift", "--role", "evil\nname", "--option", "engine-a", "--endpoint-url", "http://127.0.0.1:9"), 2,
         ("iamdocs drift: error: --role evil\\nname: not an IAM role name (1 to 64 letters, digits and +=,.@_-)",)),
    Case("role-name-with-escape", lambda d: None,
         ("drift", "--role", "\x1b[2Jx", "--option", "engine-a", "--endpoint-url", "http://127.0.0.1:9"), 2,
         ("iamdocs drift: error: --role \\x1b[2Jx: not an IAM role name (1 to 64 letters, digits and +=,.@_-)",)),
    Case("role-arn", lambda d: None,
         ("drift", "--role", "arn:aws:iam::123456789012:role/teams/ai-unlimited-manager", "--option", "engine-a",
          "--endpoint-url", "http://127.0.0.1:9"), 2,
         ("iamdocs drift: error: --role arn:aws:iam::123456789012:role/teams/ai-unlimited-manager: an ARN; --role "
          "takes the role's name", "hint: --role ai-unlimited-manager")),
    # --- bounds on evaluation: one line naming the place and the bound, exit 2, before the memory is spent
    Case("sub-of-a-1-mb-default", write("t.yaml", "Parameters:\n  Big: {Type: String, Default: " + "x" * 1_000_000
                                        + "}\n" + _POLICY + "            Resource: !Sub 'arn:aws:s3:::${Big}'\n"),
         ("drift", "--cloudformation", "t.yaml"), 2,
         ("iamdocs drift: error: t.yaml:11:23: Fn::Sub evaluates to over 1,000,000 characters (the bound on one "
          "text); refusing to evaluate the template further",)),
    Case("sub-repeated-past-the-work-bound",
         write("t.yaml", "Parameters:\n  Big: {Type: String, Default: " + "x" * 900_000 + "}\n" + _POLICY
               + "            Resource:\n" + "              - !Sub 'arn:aws:s3:::${Big}'\n" * 30),
         ("drift", "--cloudformation", "t.yaml"), 2,
         ("iamdocs drift: error: t.yaml:34:17: evaluating this template takes over 20,000,000 characters and list "
          "items (the bound on all its branches together); refusing to evaluate the template further",)),
    Case("join-through-aliases", write("t.yaml", "Metadata:\n  T: &t " + "a" * 300 + "\n" + _POLICY
                                       + "            Resource: !Join ['', [" + ", ".join(["*t"] * 4000) + "]]\n"),
         ("drift", "--cloudformation", "t.yaml"), 2,
         ("iamdocs drift: error: t.yaml:11:23: Fn::Join evaluates to over 1,000,000 characters (the bound on one "
          "text); refusing to evaluate the template further",)),
    Case("alias-characters", write("t.yaml", "Metadata:\n  T: &t " + "a" * 5000 + "\n" + _POLICY
                                   + "            Resource: !Join ['', [" + ", ".join(["*t"] * 2001) + "]]\n"),
         ("drift", "--cloudformation", "t.yaml"), 2,
         ("iamdocs drift: error: t.yaml:1:1: the template expands to over 10,000,000 characters through YAML "
          "aliases, far more than any real one; use fewer or smaller anchors",)),
    Case("split-into-too-many-items", write("t.yaml", "Parameters:\n  L: {Type: String, Default: '" + "," * 100_000
                                            + "'}\n" + _POLICY + "            Resource: !Split [',', !Ref L]\n"),
         ("drift", "--cloudformation", "t.yaml"), 2,
         ("iamdocs drift: error: t.yaml:11:23: Fn::Split evaluates to over 100,000 items (the bound on one list); "
          "refusing to evaluate the template further",)),
    Case("select-index-of-5000-digits", write("t.yaml", _POLICY + "            Resource: !Select ['" + "9" * 5000
                                              + "', ['arn:aws:s3:::b']]\n"),
         ("drift", "--cloudformation", "t.yaml"), 1,  # one document that cannot be evaluated: not compared, drift
         ("t.yaml:9:23: drift: P: cannot be evaluated, so it is not compared: Fn::Select: index "
          "99999999999999999999... (5,000 digits) is outside the list",)),
    Case("loops-past-the-resource-bound", write("t.yaml", "Transform: AWS::LanguageExtensions\nResources:\n"
                                                "  Fn::ForEach::A:\n    - X\n    - " + _items(101) + "\n"
                                                "    - Fn::ForEach::B:\n        - Y\n        - " + _items(100) + "\n"
                                                "        - R${X}${Y}:\n            Type: AWS::IAM::ManagedPolicy\n"
                                                "            Properties:\n              PolicyDocument:\n"
                                                "                Statement:\n                  - Effect: Allow\n"
                                                "                    Action: s3:GetObject\n"
                                                "                    Resource: '*'\n"),
         ("drift", "--cloudformation", "t.yaml"), 2,  # 101 x 100 resources
         ("iamdocs drift: error: t.yaml:6:7: Fn::ForEach::B: more than 10,000 resources made by loops",)),
    Case("intrinsics-nested-past-the-depth-bound", write("t.yaml", _POLICY + "            Resource: "
                                                         + "!Join ['', [" * 130 + "'x'" + "]]" * 130 + "\n"),
         ("drift", "--cloudformation", "t.yaml"), 2,
         # The Resource sits 7 levels below the top, each !Join adds three (the Fn::Join mapping, its list, the inner
         # list): the first value past 128 is the 41st !Join's delimiter '', at column 23 + 40 * 12 + 7.
         ("iamdocs drift: error: t.yaml:9:510: nested more than 128 levels deep",)),
    # --- sync keeps the file's own indentation
    Case("sync-tab-indented-json", tab_template, ("sync", "--cloudformation", "engine.json"), 0,
         ("engine.json: rewrote EngineRole/engine = ai-unlimited-engine.json",),
         {"engine.json": lambda: tabs((FIXTURES / "engine.synced.json").read_text())}),
    # --- what used to be an internal error (exit 3) is one located line, exit 2
    Case("number-of-5000-digits-in-metadata", write("t.yaml", "Metadata:\n  X: " + "9" * 5000 + "\n" + _ROLE),
         ("drift", "--cloudformation", "t.yaml"), 2,
         ("iamdocs drift: error: t.yaml:2:6: the number has too many digits (5,000 characters)",)),
    Case("action-as-a-yaml-set", write("t.yaml", _POLICY.replace("['secretsmanager:GetSecretValue']",
                                                                 "!!set {a: null}")),
         ("sync", "--check", "--cloudformation", "t.yaml"), 2,
         ("iamdocs sync: error: t.yaml:8:21: unsupported YAML tag tag:yaml.org,2002:set; CloudFormation reads only "
          "mappings, lists and scalars",)),
    # --- writes: a hard link is refused, never broken silently (every command that writes says so in --help); a
    # read-only file is refused even as root; nothing is written, the other name keeps the same text
    Case("sync-hard-link", hard_linked("engine.json", "engine.json"), ("sync", "--cloudformation", "engine.json"), 2,
         (f"iamdocs sync: error: engine.json: {_HARD_LINKS}",),
         {"engine.json": (FIXTURES / "engine.json").read_text,
          "engine.json.bak": (FIXTURES / "engine.json").read_text}),
    Case("template-output-hard-link", hard_linked("out.json", "engine.json"), ("template", "--output", "out.json"), 2,
         (f"iamdocs template: error: out.json: {_HARD_LINKS}",),
         {"out.json": (FIXTURES / "engine.json").read_text, "out.json.bak": (FIXTURES / "engine.json").read_text}),
    Case("deploy-report-hard-link", hard_linked("report.json", "engine.json"), ("deploy", "--report", "report.json"),
         2, (f"iamdocs deploy: error: report.json: {_HARD_LINKS}",),
         {"report.json": (FIXTURES / "engine.json").read_text}),
    Case("sync-read-only", read_only, ("sync", "--cloudformation", "engine.json"), 2,
         ("iamdocs sync: error: engine.json: is read-only (mode 0444); iamdocs does not write over it, even as root",),
         {"engine.json": (FIXTURES / "engine.json").read_text}),
    # --- sync never takes an SSM parameter's name for its value
    Case("sync-ssm-parameter", lambda d: (d / "t.yaml").write_text(ssm_parameter()),
         ("sync", "--cloudformation", "t.yaml"), 2,
         ("iamdocs sync: error: t.yaml:70:9: SessionManagerPolicies: not compared under any parameter values (it "
          "cannot be evaluated, or nothing creates it); sync cannot tell what it should grant",
          "hint: iamdocs drift --cloudformation t.yaml says why"),
         {"t.yaml": ssm_parameter}),
]


def test_the_table_has_each_case_once() -> None:
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_case_ends_in_its_line(case: Case, tmp_path: Path, cli) -> None:
    case.setup(tmp_path)
    result = cli(*case.argv, "--project", str(ROOT), cwd=tmp_path)
    lines = (result.stdout + result.stderr).splitlines()
    assert result.returncode == case.code, result.stdout + result.stderr
    for line in case.lines:
        assert line in lines, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for name, expected in case.files.items():
        assert (tmp_path / name).read_text() == expected()


@dataclass
class BuildCase:
    id: str
    setup: Callable[[Path], object]  # breaks the copy of the project
    line: str  # the line mkdocs prints


def _page(root: Path, text: str) -> None:
    page = root / "docs" / "guide" / "check-an-existing-role.md"
    source = page.read_text()
    front = source.index("\n---\n") + len("\n---\n")  # after the front matter (render_macros: true)
    page.write_text(source[:front] + text + "\n" + source[front:])


BUILD_CASES = [
    BuildCase("include-etc-passwd", lambda r: _page(r, '{% include "../../etc/passwd" %}'),
              "ERROR   -  docs/guide/check-an-existing-role.md:5: {% include %} reads another file into the page, "
              "which pages may not do; show policies and catalog text with the macros"),
    BuildCase("import-a-file", lambda r: _page(r, '{% from "../mkdocs.yml" import x %}'),
              "ERROR   -  docs/guide/check-an-existing-role.md:5: {% from %} reads another file into the page, "
              "which pages may not do; show policies and catalog text with the macros"),
    BuildCase("division-by-zero", lambda r: _page(r, "{{ 1 // 0 }}"),
              "ERROR   -  docs/guide/check-an-existing-role.md:5: ZeroDivisionError: integer division or modulo "
              "by zero"),
    BuildCase("undefined-attribute", lambda r: _page(r, "x\n{{ {}.x.y }}"),
              "ERROR   -  docs/guide/check-an-existing-role.md:6: UndefinedError: 'dict object' has no attribute 'x'"),
    # mkdocs-macros' own report of these was many lines, at "Line 1", with exit 100
    BuildCase("unknown-filter", lambda r: _page(r, 'x\n{{ "a" | uppper }}'),
              "ERROR   -  docs/guide/check-an-existing-role.md:6: unknown filter uppper; did you mean upper?"),
    BuildCase("unknown-test", lambda r: _page(r, "{% if 1 is od %}y{% endif %}"),
              "ERROR   -  docs/guide/check-an-existing-role.md:5: unknown test od; did you mean odd?"),
]


def _file(name: str, text: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        (root / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / name).write_text(text)
    return setup


def _session_actions() -> list[str]:
    doc = json.loads((ROOT / "policies" / "session-manager.json").read_text())
    return [a for st in doc["Statement"] for a in st["Action"]]


def _zero_width(root: Path) -> None:
    p = root / "policies" / "session-manager.json"
    p.write_text(p.read_text().replace('"ssm:UpdateInstanceInformation"', '"ssm:Update\u200bInstanceInformation"'))


def _lone_surrogate(root: Path) -> None:
    p = root / "policies" / "session-manager.json"
    p.write_text(p.read_text().replace('"ssm:UpdateInstanceInformation"', '"ssm:Update\\ud800InstanceInformation"'))


# A copy of session-manager.json's grants, on one line
_DOC = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ' + json.dumps(_session_actions())
        + ', "Resource": "*"}]}')
_PASTED = "show it with {{ policy_json(\"session-manager.json\") }} instead, so it cannot drift from policies/"
_PAGE = "ERROR   -  docs/guide/check-an-existing-role.md"

BUILD_CASES += [
    # --- the build refuses what validate rejects (mkdocs build alone, as make serve runs it)
    BuildCase("zero-width-character-in-an-action", _zero_width,
              "ERROR   -  policies/session-manager.json:20:20: E003 error: character U+200B is not allowed in an IAM "
              "policy (only tab, line feed, carriage return and U+0020 to U+00FF) (run: iamdocs validate)"),
    BuildCase("lone-surrogate-in-an-action", _lone_surrogate,
              'ERROR   -  policies/session-manager.json:20:9: E021 error: unknown action "ssm:Update\\ud800Instance'
              'Information" (did you mean "ssm:UpdateInstanceInformation"?) (run: iamdocs validate)'),
    # --- the paste guard recognises a policy by what it grants, in any shape
    BuildCase("pasted-as-yaml", lambda r: _page(r, "```yaml\nVersion: '2012-10-17'\nStatement:\n  - Effect: Allow\n"
                                                 "    Action: " + json.dumps(_session_actions())
                                                 + "\n    Resource: '*'\n```"),
              f"{_PAGE}:6: a policy document (YAML) is pasted here; {_PASTED}"),
    BuildCase("pasted-with-escaped-keys", lambda r: _page(r, _DOC.replace('"Action"', '"\\u0041ction"')),
              f"{_PAGE}:5: a policy document (JSON) is pasted here; {_PASTED}"),
    BuildCase("pasted-in-html-entities", lambda r: _page(r, _DOC.replace('"', "&quot;")),
              f"{_PAGE}:5: a policy document (JSON) is pasted here; {_PASTED}"),
    BuildCase("pasted-as-a-python-dict", lambda r: _page(r, "```python\n" + _DOC.replace('"', "'") + "\n```"),
              f"{_PAGE}:6: a policy document (Python) is pasted here; {_PASTED}"),
    BuildCase("pasted-as-a-markdown-table", lambda r: _page(r, "| Action | Why |\n|---|---|\n" + "".join(
                  f"| `{a}` | needed |\n" for a in _session_actions())),
              f"{_PAGE}:7: the actions of session-manager.json are listed here; show them with "
              '{{ permissions_table("session-manager.json") }} instead, so they cannot drift from policies/'),
    BuildCase("pasted-as-cli-shorthand", lambda r: _page(r, "```\nStatement=[{Effect=Allow,Action=["
                                                           + ",".join(_session_actions()) + "],Resource=*}]\n```"),
              f"{_PAGE}:6: a policy document (CLI shorthand) is pasted here; {_PASTED}"),
    BuildCase("pasted-as-upper-case-json-suffix", _file("guide/policy.JSON", _DOC + "\n"),
              f"ERROR   -  docs/guide/policy.JSON:1: a policy document (JSON) is pasted here; {_PASTED}"),
    BuildCase("pasted-as-htm", _file("guide/policy.htm",
                                     "<pre><code>" + _DOC.replace('"', "&quot;") + "</code></pre>\n"),
              f"ERROR   -  docs/guide/policy.htm:1: a policy document (JSON) is pasted here; {_PASTED}"),
    BuildCase("pasted-under-vendor", _file("javascripts/vendor/policy.js", "var p = " + _DOC + ";\n"),
              f"ERROR   -  docs/javascripts/vendor/policy.js:1: a policy document (JSON) is pasted here; {_PASTED}"),
]


@pytest.mark.parametrize("case", BUILD_CASES, ids=[c.id for c in BUILD_CASES])
def test_the_build_stops_with_one_line(case: BuildCase, project_copy: Path) -> None:
    site_copy(project_copy)
    case.setup(project_copy)
    result = build(project_copy)
    assert result.returncode == 1, result.stderr[-2000:]
    assert case.line in result.stderr.splitlines(), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert not (project_copy / "site" / "index.html").exists()


def test_a_tab_indented_template_stays_tabs_when_synced(tmp_path: Path, cli) -> None:
    """The rewritten document is indented as the file is: tabs, one a level, no spaces."""
    tab_template(tmp_path)
    assert cli("sync", "--cloudformation", "engine.json", "--project", str(ROOT), cwd=tmp_path).returncode == 0
    text = (tmp_path / "engine.json").read_text()
    assert "\t\t\t\t\t\t\t\t\t\"Sid\": \"ReadEngineSecrets\",\n" in text
    assert not re.search(r"(?m)^\t* ", text)
    shutil.rmtree(tmp_path)


@pytest.mark.parametrize("command", ["sync", "template", "validate", "deploy"])
def test_every_command_that_writes_says_in_its_help_that_hard_links_are_refused(command: str, cli) -> None:
    """Hard links are refused, not written through; the user reads which in --help (argparse wraps the lines)."""
    result = cli(command, "--help")
    assert result.returncode == 0
    text = re.sub(r"-\s+", "-", " ".join(result.stdout.split()))  # argparse may break "read-only" after the hyphen
    for said in ("has other hard links", "read-only (even for root)", "refused, not written"):
        assert said in text, text


def test_a_page_may_use_jinja_as_jinja_is_written(project_copy: Path) -> None:
    """`loop` in a for loop and a macro of the page's own are no unknown names (the check used to stop the build)."""
    site_copy(project_copy)
    _page(project_copy, '{% macro item(name) %}- {{ name }} ({{ caller() }}){% endmacro %}'
                        '{% for p in ["one", "two"] %}{% call item(p) %}number {{ loop.index }}{% endcall %}\n'
                        '{% endfor %}')
    result = build(project_copy)
    assert result.returncode == 0, result.stderr[-2000:]
    page = (project_copy / "site/guide/check-an-existing-role/index.html").read_text()
    assert "<li>one (number 1)</li>" in page and "<li>two (number 2)</li>" in page


def test_validate_fix_keeps_an_edit_saved_while_it_runs(project_copy: Path, cli, monkeypatch) -> None:
    """--fix read the file, a writer saved it, --fix wrote its canonical form of the old text: the edit was lost."""
    from iamdocs.lint import fix

    policy = project_copy / "policies" / "session-manager.json"
    policy.write_text(policy.read_text().replace("  ", "    "))  # 4-space indent: not canonical, so --fix rewrites
    saved = policy.read_text().replace('"ssm:GetManifest",', '"ssm:GetManifest", "ssm:GetParameter",')
    real = fix.canonical_json

    def and_then_a_writer_saves(document: object) -> str:
        policy.write_text(saved)  # after validate read the file, before --fix writes
        return real(document)

    monkeypatch.setattr(fix, "canonical_json", and_then_a_writer_saves)
    result = cli("validate", "--fix", "--select", "W070", cwd=project_copy)
    assert "policies/session-manager.json: not rewritten: changed since iamdocs read it; nothing written" in \
        result.stderr.splitlines(), result.stdout + result.stderr
    assert policy.read_text() == saved
