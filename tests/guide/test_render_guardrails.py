"""The guardrails page and the guardrail check's place on the role-check page: what they render, with
expectations written by hand from the catalog's guardrails and the facts' action lists."""

from __future__ import annotations

import dataclasses

import pytest

from iamdocs import iamdb
from iamdocs.preflight.guardrails import check, exception_statements, needed_actions, with_exception
from iamdocs.render.guardrails import guardrail_check_form, guardrail_section, guardrails_page


def test_the_check_form_is_a_place_for_the_script_with_a_fallback(project):
    assert guardrail_check_form(project) == (
        '<div class="iamdocs-guardrail-check" data-iamdocs-guardrail-check></div>\n\n'
        "<noscript>The check runs in your browser and needs JavaScript; without it, run "
        "<code>iamdocs preflight</code>.</noscript>\n")


# guardrail -> (blocked, conditional) without the exception, as the hand-written preflight cases reason:
# approved Regions in us-east-1 spare only iam (17) and route53 (3) of option A's 99; no new roles stops
# iam:CreateRole; the tag rule leaves RunInstances to the tag; the allow-list allows ec2 (59) and s3 (5) of
# option A with Session Manager (99 + 23); the boundary lacks iam (17); MFA stops all 96 of option B.
EXPECTED = {"approved-regions": (79, 0), "no-new-roles": (1, 0), "required-tags": (0, 1),
            "approved-services": (58, 0), "boundary-without-iam": (17, 0), "mfa-everywhere": (96, 0)}


def test_every_guardrail_is_expected():
    from iamdocs.loader import load_sound_project

    assert set(load_sound_project().catalog.guardrails) == set(EXPECTED)


@pytest.mark.parametrize("gid", sorted(EXPECTED))
def test_each_guardrail_blocks_and_its_exception_lets_the_options_through(project, gid):
    db = iamdb.load()
    g = project.catalog.guardrails[gid]
    before = check(project, db, g, g.document)
    assert (len({f.action for f in before.blocked}), len({f.action for f in before.conditional})) == EXPECTED[gid]
    after = check(project, db, g, with_exception(project, db, g))
    assert after.allowed, (after.blocked, after.conditional)


def test_an_exemption_is_added_to_each_deny_statement(project):
    db = iamdb.load()
    g = project.catalog.guardrails["no-new-roles"]
    assert exception_statements(project, db, g) == [{
        "Sid": "DenyNewIdentities", "Effect": "Deny",
        "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateRole"], "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::<ACCOUNT_ID>:role/ai-unlimited-*"]}}}]


def test_an_allow_list_gets_the_services_the_options_use(project):
    db = iamdb.load()
    g = project.catalog.guardrails["approved-services"]
    assert exception_statements(project, db, g) == [{
        "Sid": "AllowAIUnlimited", "Effect": "Allow", "Resource": "*",
        "Action": ["cloudformation:*", "ec2:*", "ec2messages:*", "iam:*", "route53:*", "s3:*", "secretsmanager:*",
                   "ssm:*", "ssmmessages:*"]}]


def test_a_boundary_gets_exactly_the_actions(project):
    db = iamdb.load()
    g = project.catalog.guardrails["boundary-without-iam"]
    [statement] = exception_statements(project, db, g)
    assert len(statement["Action"]) == 99 and "iam:CreateRole" in statement["Action"]
    assert statement["Action"] == needed_actions(project, db, ["engine-a"])


def test_the_page_shows_each_guardrail_and_what_it_stops(project):
    page = guardrails_page(project)
    assert page.count("\n## ") + page.startswith("## ") == len(EXPECTED)
    assert ("Checked with `engine-a` in `us-east-1`, it blocks 1 of the 99 actions the options need: "
            "`iam:CreateRole`.") in page
    assert ("Checked with `engine-a` in `us-east-1`, 1 of the 99 actions the options need depend on "
            "`aws:RequestTag/CostCenter`: `ec2:RunInstances`.") in page
    assert '"arn:aws:iam::<ACCOUNT_ID>:role/ai-unlimited-*"' in page
    assert page.count("With the exception, all ") == len(EXPECTED)


def test_catalog_text_is_shown_as_text(project):
    g = dataclasses.replace(project.catalog.guardrails["no-new-roles"], title="<img src=x> {{ 7*7 }}",
                            what="*bold* [link](javascript:alert(1))", exception_text="`code` <b>")
    section = guardrail_section(project, g)
    assert section.startswith("## &#60;img src=x&#62; &#123;&#123; 7&#42;7 &#125;&#125;\n\n"
                              "&#42;bold&#42; &#91;link&#93;")
    assert "**The exception.** &#96;code&#96; &#60;b&#62;" in section


def test_an_exception_that_does_not_work_stops_the_build(project):
    g = dataclasses.replace(project.catalog.guardrails["no-new-roles"],
                            exception_roles=["arn:aws:iam::<ACCOUNT_ID>:role/platform-*"])
    with pytest.raises(ValueError, match="guardrail no-new-roles: its exception still leaves iam:CreateRole blocked"):
        guardrail_section(project, g)


def test_a_guardrail_that_blocks_nothing_is_refused(project):
    g = dataclasses.replace(project.catalog.guardrails["no-new-roles"], options=["engine-b"])
    with pytest.raises(ValueError, match="guardrail no-new-roles: it blocks nothing of engine-b"):
        guardrail_section(project, g)
