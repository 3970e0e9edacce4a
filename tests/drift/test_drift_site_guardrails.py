"""`drift --site` and the guardrails page: a rule of an organisation shown on a page is compared with the
catalog's guardrail of that name, never with the roles' policies (an allow-list SCP names the services the
roles need, and was read as a copy of the worker policy that lacks most of its actions)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from test_drift_site import page, site, site_report  # noqa: F401 (site is a fixture)

# The allow-list of the catalog's approved-services guardrail, written out here by hand.
APPROVED = {"Version": "2012-10-17", "Statement": [{"Sid": "ApprovedServices", "Effect": "Allow",
                                                     "Action": ["ec2:*", "s3:*", "cloudwatch:*", "logs:*"],
                                                     "Resource": "*"}]}


def _guardrail_page(site_dir: Path, guardrail: str, doc: dict) -> None:
    text = html.escape(json.dumps(doc, indent=2), quote=False)
    block = (f'<div class="iamdocs-guardrail" data-iamdocs-guardrail="{guardrail}">'
             f'<div class="highlight"><pre><span></span><code class="language-json">{text}</code></pre></div></div>')
    (site_dir / "guide" / "guardrails").mkdir(parents=True)
    (site_dir / "guide" / "guardrails" / "index.html").write_text(page(block))


def test_the_catalogs_guardrail_is_no_drift(project, db, site):  # noqa: F811
    _guardrail_page(site, "approved-services", APPROVED)
    r = site_report(project, db, site)
    assert r.items() == []
    assert [i for i in r.items("info") if i[1] == "guardrail"] == [
        ("guide/guardrails/index.html (guardrail approved-services)", "guardrail", "")]


def test_a_changed_guardrail_is_drift(project, db, site):  # noqa: F811
    widened = json.loads(json.dumps(APPROVED))
    widened["Statement"][0]["Action"].append("iam:*")
    _guardrail_page(site, "approved-services", widened)
    r = site_report(project, db, site)
    assert r.items() == [("guide/guardrails/index.html (guardrail approved-services)", "guardrail", "")]
    line, = [d.message for d in r.differences if d.kind == "guardrail"]
    assert line == "differs from the catalog's guardrail approved-services (Only approved services)"


def test_a_guardrail_the_catalog_does_not_have_is_drift(project, db, site):  # noqa: F811
    _guardrail_page(site, "no-such-rule", APPROVED)
    r = site_report(project, db, site)
    assert r.items() == [("guide/guardrails/index.html (guardrail no-such-rule)", "unknown-guardrail", "")]


def test_without_the_mark_an_allow_list_is_read_as_a_policy(project, db, site):  # noqa: F811
    """What the mark prevents: the same block outside it is taken for a copy of a role's policy."""
    text = html.escape(json.dumps(APPROVED, indent=2), quote=False)
    (site / "guide" / "plain").mkdir(parents=True)
    (site / "guide" / "plain" / "index.html").write_text(page(f'<pre><code class="language-json">{text}</code></pre>'))
    r = site_report(project, db, site)
    assert not any(d.kind == "guardrail" for d in r.differences)
    assert any(d.document == "guide/plain/index.html (code block 1)" for d in r.differences)
