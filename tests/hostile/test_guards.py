"""The build guards as functions: what counts as a left-over macro or pasted policy JSON, and on which line."""

from __future__ import annotations

import jinja2

from iamdocs.guide.guards import (
    front_matter_lines,
    outside_code,
    pasted_iam_json,
    pasted_policies,
    template_problems,
    unrendered_macros,
)

MACROS = {"policy_json", "cli_commands"}


def test_a_macro_left_in_the_text_is_found_but_not_one_shown_as_code() -> None:
    page = ('Intro\n\n```markdown\n{{ policy_json("a.json") }}\n```\n\nInline `{{ policy_json("a.json") }}`.\n\n'
            '{{ cli_commands("engine-a") }}\n\n~~~\n{{ policy_json("b.json") }}\n~~~\n{{- policy_json("c.json") }}\n')
    assert unrendered_macros(page, MACROS) == [(9, "cli_commands"), (14, "policy_json")]
    assert unrendered_macros("${{ secrets.TOKEN }} and {{ other() }}", MACROS) == []


def test_outside_code_keeps_the_line_numbers() -> None:
    assert outside_code("a\n```\nb\n```\nc `d` e") == "a\n\n\n\nc     e"


def test_front_matter_lines_count_what_mkdocs_strips() -> None:
    source = "---\nrender_macros: true\n---\n\n# T\n"
    assert front_matter_lines(source, "# T\n") == 4
    assert front_matter_lines("# T\n", "# T\n") == 0
    assert front_matter_lines("", "generated page") == 0


def test_pasted_json_names_what_it_found() -> None:
    text = '{"Version": "2012-10-17", "Statement": [\n  {"Effect": "Deny", "NotAction": "iam:*"}]}\n'
    assert pasted_iam_json(text) == [(1, "a policy document"),
                                     (2, 'part of a policy ("Effect": "Deny")')]
    assert pasted_iam_json("The Action element and the word Resource are fine.") == []


def test_template_problems_name_the_line_and_the_closest_name() -> None:
    env = jinja2.Environment()
    page = ('{% set x = 1 %}{{ x }}\n{{ policy_jsn("a.json") }}\n{{ policy_json("b.jsn") }}\n'
            '{{ policy_json(name="a.json") }}\n{{ zzz }}\n')
    problems = template_problems(env, page, MACROS, {"policy_json": 0}, ["a.json", "b.json"])
    assert problems == [
        (2, "unknown macro or variable policy_jsn; did you mean policy_json?"),
        (3, "policy_json: no policy 'b.jsn' in policies/; did you mean b.json?"),
        (5, "unknown macro or variable zzz"),
    ]
    assert template_problems(env, "{{ policy_json( }}", MACROS, {}, []) == [
        (1, "Jinja syntax error: unexpected '}', expected ')'")]


def test_a_pasted_policy_names_the_macro_for_the_policy_it_copies_on_every_line() -> None:
    """Issue 18: each line of one paste says which macro shows that policy instead."""
    canonical = {"app.json": frozenset({"s3:getobject", "s3:putobject", "s3:listbucket"}),
                 "ops.json": frozenset({"ec2:runinstances", "ec2:stopinstances", "ec2:startinstances",
                                        "ec2:tagresource"})}
    text = ('Add this:\n\n```json\n{\n  "Effect": "Allow",\n  "Action": ["s3:GetObject", "s3:PutObject"]\n}\n```\n\n'
            "| Action |\n|---|\n| ec2:RunInstances |\n| ec2:StartInstances |\n| ec2:StopInstances |\n")
    assert pasted_policies(text, canonical) == [
        (4, 'a policy document (JSON) is pasted here; show it with {{ policy_json("app.json") }} instead, so it '
            "cannot drift from policies/"),
        (5, 'part of a policy ("Effect": "Allow") is pasted here; show it with {{ policy_json("app.json") }} '
            "instead, so it cannot drift from policies/"),
        (6, 'part of a policy ("Action":) is pasted here; show it with {{ policy_json("app.json") }} instead, so it '
            "cannot drift from policies/"),
        (12, 'the actions of ops.json are listed here; show them with {{ permissions_table("ops.json") }} instead, '
             "so they cannot drift from policies/"),
    ]
    # a sentence that names a few actions is no copy, not even of a policy it names wholly
    assert pasted_policies("Use `ec2:RunInstances`, `ec2:TagResource` and `s3:GetObject` here.", canonical) == []
    assert pasted_policies("The engine reads its secret (secretsmanager:GetSecretValue).",
                           {"engine.json": frozenset({"secretsmanager:getsecretvalue"})}) == []


def test_jinjas_own_names_and_a_pages_own_macros_are_known() -> None:
    """A page may use Jinja as Jinja is written: `loop` in a for, a macro of its own, `caller` in it."""
    env = jinja2.Environment()
    known = {*MACROS, *env.globals}
    page = ('{% for p in ["a.json", "b.json"] %}{{ loop.index }}. {{ policy_json(p) }}\n{% endfor %}'
            '{% macro row(name) %}| {{ name }} | {{ varargs }} {{ kwargs }} {{ caller() }} |{% endmacro %}\n'
            '{% call row("x") %}y{% endcall %}{{ row("z") }}\n{% set ns = namespace(n=0) %}{{ ns.n }}\n')
    assert template_problems(env, page, known, {"policy_json": 0}, ["a.json", "b.json"]) == []
    assert template_problems(env, "{{ rowz() }}", known, {}, []) == [(1, "unknown macro or variable rowz")]


def test_an_unknown_filter_or_test_is_one_line_naming_it() -> None:
    """Before: no problem found here, and mkdocs-macros printed its own many-line report at the page's first line."""
    env = jinja2.Environment()
    page = 'Intro\n\n{{ "x" | uppper }}\n{% filter nosuch %}x{% endfilter %}\n{% if 1 is od %}y{% endif %}\n'
    assert template_problems(env, page, MACROS, {}, []) == [
        (3, "unknown filter uppper; did you mean upper?"),
        (4, "unknown filter nosuch"),
        (5, "unknown test od; did you mean odd?"),
    ]
