"""The catalog's one answer to "which options go together": combinations() and combination().

Expected values are written out by hand from the facts file: Session Manager and the permissions boundary go on
top of engine option A, engine option B and the template's role; the template puts every policy of the role it
creates inline, the Session Manager policy too.
"""

from __future__ import annotations

import dataclasses

import pytest

from iamdocs.model import CombinationError

WS, WO, ENG, SM = ("ai-unlimited-workspaces.json", "ai-unlimited-without-iam-role-permissions.json",
                   "ai-unlimited-engine.json", "session-manager.json")


def _shape(combo):
    return {rid: (s.managed, s.inline, s.permissions_boundary) for rid, s in combo.roles.items()}


def test_every_valid_combination_in_catalog_order(project):
    assert [c.id for c in project.catalog.combinations()] == [
        "engine-a", "engine-a+session-manager", "engine-a+permissions-boundary",
        "engine-a+session-manager+permissions-boundary",
        "engine-b", "engine-b+session-manager", "engine-b+permissions-boundary",
        "engine-b+session-manager+permissions-boundary",
        "cloudformation-new-role", "cloudformation-new-role+session-manager",
        "cloudformation-new-role+permissions-boundary",
        "cloudformation-new-role+session-manager+permissions-boundary",
    ]


@pytest.mark.parametrize(("ids", "shape"), [
    (["engine-b", "session-manager"], {"manager": ([WO, SM], [], False), "engine": ([ENG], [], False)}),
    (["engine-b+permissions-boundary"], {"manager": ([WO], [], True), "engine": ([ENG], [], False)}),
    (["engine-a", "session-manager", "permissions-boundary"], {"manager": ([WS, SM], [], True)}),
    # the template's role takes what an addition brings inline, as the template does
    (["cloudformation-new-role", "session-manager"], {"manager": ([], [WS, SM], False)}),
    (["permissions-boundary", "cloudformation-new-role"], {"manager": ([], [WS], True)}),
    (["engine-a", "engine-a"], {"manager": ([WS], [], False)}),
])
def test_a_combination_puts_the_additions_on_the_base(project, ids, shape):
    assert _shape(project.catalog.combination(ids)) == shape


def test_resolving_leaves_the_catalog_as_it_was(project):
    project.catalog.combination(["engine-b", "session-manager"])
    assert project.catalog.options["engine-b"].roles["manager"].managed == [WO]


def test_titles_and_ids(project):
    combo = project.catalog.combination(["session-manager", "engine-b"])
    assert (combo.id, combo.title, combo.base, combo.additions) == (
        "engine-b+session-manager", "Engine option B + Session Manager", "engine-b", ("session-manager",))
    assert project.catalog.combination(["engine-a"]).title == (
        "Engine option A: the manager creates a role for each engine")


@pytest.mark.parametrize(("ids", "message"), [
    (["session-manager"], "session-manager: choose one of the options engine-a, engine-b, cloudformation-new-role "
                          "(the others are additions on top of one of them)"),
    (["engine-a", "engine-b"], "engine-a and engine-b exclude each other: choose one of engine-a, engine-b, "
                               "cloudformation-new-role"),
    (["engine-c"], "no role option engine-c in the catalog; options: engine-a, engine-b, cloudformation-new-role, "
                   "session-manager, permissions-boundary"),
    ([], "nothing: choose one of the options engine-a, engine-b, cloudformation-new-role (the others are "
         "additions on top of one of them)"),
])
def test_what_does_not_combine_says_why(project, ids, message):
    with pytest.raises(CombinationError) as info:
        project.catalog.combination(ids)
    assert str(info.value) == message


def test_an_addition_for_some_options_only(project):
    catalog = project.catalog
    only_a = dataclasses.replace(catalog.options["permissions-boundary"], combines_with=["engine-a"])
    changed = dataclasses.replace(catalog, options={**catalog.options, "permissions-boundary": only_a})
    assert [c.id for c in changed.combinations() if "permissions-boundary" in c.options] == [
        "engine-a+permissions-boundary", "engine-a+session-manager+permissions-boundary"]
    with pytest.raises(CombinationError, match="permissions-boundary does not combine with engine-b; it combines "
                                               "with engine-a"):
        changed.combination(["engine-b", "permissions-boundary"])


def test_two_additions_of_one_group_exclude_each_other(project):
    catalog = project.catalog
    other = dataclasses.replace(catalog.options["permissions-boundary"], id="other-boundary")
    both = dataclasses.replace(catalog, options={**catalog.options, "other-boundary": other})
    assert "engine-a+permissions-boundary+other-boundary" not in [c.id for c in both.combinations()]
    with pytest.raises(CombinationError, match="permissions-boundary and other-boundary exclude each other "
                                               r"\(group permissions-boundary\)"):
        both.combination(["engine-a", "permissions-boundary", "other-boundary"])
