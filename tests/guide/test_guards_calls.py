"""guards.call_line: the line of a failed macro call in a page's template, matched by its arguments."""

from __future__ import annotations

import jinja2
import pytest

from iamdocs.guide.guards import call_line

PAGE = 'Intro\n{{ cli_commands("engine-a") }}\n\n{{ cli_commands("engine-c", shell="zsh") }}\n{{ other(1) }}\n'


@pytest.mark.parametrize(("name", "args", "kwargs", "line"), [
    ("cli_commands", ("engine-a",), {}, 2),
    ("cli_commands", ("engine-c",), {"shell": "zsh"}, 4),
    ("cli_commands", ("engine-x",), {}, 2),  # no call with these arguments: the macro's first call
    ("other", (1,), {}, 5),
    ("missing", (), {}, 1),
])
def test_the_call_is_found_by_its_arguments(name: str, args: tuple, kwargs: dict, line: int) -> None:
    assert call_line(jinja2.Environment(), PAGE, name, args, kwargs) == line


def test_a_call_with_a_variable_falls_back_to_the_first_call() -> None:
    page = '{% set o = "engine-c" %}\n{{ cli_commands("engine-a") }}\n{{ cli_commands(o) }}\n'
    assert call_line(jinja2.Environment(), page, "cli_commands", ("engine-c",), {}) == 2
