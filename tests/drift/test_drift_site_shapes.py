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
]


@pytest.mark.parametrize(("setup", "name"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_shape_is_compared(project, db, site, setup, name):  # noqa: F811
    setup(site)
    r = site_report(project, db, site)
    assert r.items() == [(name, "removed", DROPPED)]
