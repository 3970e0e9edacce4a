"""`drift --site` reads every copy a site publishes, in every shape: none is published and not compared.

Each case puts one copy of session-manager.json that lacks ssm:UpdateInstanceInformation into
the tiny site of test_drift_site.py, in one shape, and expects exactly that one removal, under
the name written here by hand. Without the shapes module, each was silently not compared.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from test_drift_site import page, site, site_report  # noqa: F401 (site is a fixture)

ROOT = Path(__file__).resolve().parents[2]
DROPPED = "ssm:UpdateInstanceInformation"


def _actions() -> list[str]:
    doc = json.loads((ROOT / "policies" / "session-manager.json").read_text())
    return [a for st in doc["Statement"] for a in st["Action"] if a != DROPPED]


def _json() -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": _actions(),
                                                                "Resource": "*"}]})


def _yaml() -> str:
    return ("Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    Resource: '*'\n    Action:\n"
            + "".join(f"      - {a}\n" for a in _actions()))


def _html_block(text: str, language: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return page(f'<pre><code class="language-{language}">{escaped}</code></pre>')


def _put(rel: str, text: str) -> Callable[[Path], None]:
    def setup(folder: Path) -> None:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return setup


CASES = [
    ("yaml-code-block", _put("guide/yaml/index.html", _html_block(_yaml(), "yaml")),
     "guide/yaml/index.html (code block 1)"),
    ("escaped-keys", _put("guide/esc/index.html", _html_block(_json().replace('"Action"', '"\\u0041ction"'), "json")),
     "guide/esc/index.html (code block 1)"),
    ("python-dict-block", _put("guide/py/index.html", _html_block(_json().replace('"', "'"), "python")),
     "guide/py/index.html (code block 1)"),
    ("cli-shorthand-block", _put("guide/cli/index.html", _html_block(
        "Statement=[{Effect=Allow,Action=[" + ",".join(_actions()) + "],Resource=*}]", "text")),
     "guide/cli/index.html (code block 1)"),
    ("htm-page", _put("guide/old.htm", _html_block(_json(), "json")), "guide/old.htm (code block 1)"),
    ("upper-case-json-download", _put("policies/copy.JSON", _json()), "policies/copy.JSON"),
    ("yaml-download", _put("downloads/policy.Yaml", _yaml()), "downloads/policy.Yaml (YAML)"),
    ("python-dict-in-a-text-download", _put("downloads/policy.txt", "policy = " + _json().replace('"', "'")),
     "downloads/policy.txt (Python)"),
    # The browser checks' data, which the build writes from the policies: a stale or edited copy gives readers
    # wrong answers. The guardrail check holds each policy's document; the role check each policy's grants, as
    # [action in lower case, action, effect, resource, condition].
    ("guardrail-check-data", _put("javascripts/guardrail-check-data.json", json.dumps(
        {"options": {}, "policies": {"session-manager.json": {"document": json.loads(_json()), "needs": []}}},
        separators=(",", ":"))),
     "javascripts/guardrail-check-data.json (guardrail check: session-manager.json)"),
    ("role-check-data", _put("javascripts/role-check-data.json", json.dumps(
        {"options": {}, "policies": {"session-manager.json": [[a.lower(), a, "Allow", "*", ""] for a in _actions()]}},
        separators=(",", ":"))),
     "javascripts/role-check-data.json (role check: session-manager.json)"),
]


@pytest.mark.parametrize(("setup", "name"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_shape_is_compared(project, db, site, setup, name):  # noqa: F811
    setup(site)
    r = site_report(project, db, site)
    assert r.items() == [(name, "removed", DROPPED)]


def test_the_role_checks_grants_are_compared_grant_by_grant(project, db, site):  # noqa: F811
    """A widened resource is a grant lost and one gained; a row of another shape and a policy that does not exist
    are drift too, each with its line."""
    rows = {"ai-unlimited-engine.json": [["secretsmanager:getsecretvalue", "secretsmanager:GetSecretValue", "Allow",
                                          "arn:{partition}:secretsmanager:{region}:{account}:secret:*", ""]],
            "session-manager.json": [[a.lower(), a, "Allow", "*", ""] for a in _actions()] + [["ssm:x"]],
            "gone.json": [],
            "ai-unlimited-workspaces.json": {"not": "rows"}}
    _put("javascripts/role-check-data.json", json.dumps({"policies": rows}, indent=1))(site)
    r = site_report(project, db, site)
    lines = sorted((d.document, d.loc.line, d.message) for d in r.differences if d.severity == "drift")
    engine, session = ("javascripts/role-check-data.json (role check: ai-unlimited-engine.json)",
                       "javascripts/role-check-data.json (role check: session-manager.json)")
    assert lines == [
        (engine, 3, "added secretsmanager:GetSecretValue (Allow on "
                    "arn:{partition}:secretsmanager:{region}:{account}:secret:*)"),
        (engine, 3, "removed secretsmanager:GetSecretValue (Allow on "
                    "arn:{partition}:secretsmanager:{region}:{account}:secret:compute-engine/*)"),
        ("javascripts/role-check-data.json (role check: ai-unlimited-workspaces.json)", 172,
         "the grants are not a list of [action, name, effect, resource, condition]"),
        ("javascripts/role-check-data.json (role check: gone.json)", 171,
         "holds grants of a policy that is not in policies/"),
        (session, 12, f"removed {DROPPED}"),  # json.dumps(indent=1): 22 rows of 7 lines each from line 13 on
        (session, 167, "a grant that is not [action, name, effect, resource, condition]: ['ssm:x']"),
    ]
