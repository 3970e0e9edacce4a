"""The position-keeping JSON reader: positions, duplicate keys, depth, errors."""

from __future__ import annotations

import json

import pytest

from iamdocs import jsonpos


def test_positions_of_values_and_keys() -> None:
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow"}\n  ]\n}\n'
    root = jsonpos.parse(text).root
    assert (root.kind, root.line, root.col) == ("object", 1, 1)
    version_key, version = root.pairs[0]
    assert (version_key.line, version_key.col, version.line, version.col) == (2, 3, 2, 14)
    statement = root.get("Statement")
    assert (statement.kind, statement.line, statement.col) == ("array", 3, 16)
    effect = statement.items[0].get("Effect")
    assert (effect.value, effect.line, effect.col) == ("Allow", 4, 16)


def test_values_match_the_standard_parser() -> None:
    text = '{"a": [1, -2.5, 3e2, true, false, null], "b": "\\u00e9\\n\\ud83d\\ude00", "c": {}}'
    assert jsonpos.parse(text).root.to_python() == json.loads(text)


def test_duplicate_keys_are_recorded_and_the_last_wins() -> None:
    result = jsonpos.parse('{"a": 1,\n "a": 2}')
    assert [(d.key, d.again.line, d.again.col) for d in result.duplicates] == [("a", 2, 2)]
    assert [(d.first.line, d.first.col) for d in result.duplicates] == [(1, 2)]
    assert result.root.to_python() == {"a": 2}


@pytest.mark.parametrize(("text", "message", "line", "col"), [
    ('{"a": 1,}', "expected a property name in double quotes", 1, 9),
    ("[1, 2", "unexpected end of file", 1, 6),
    ("[1,]", "expected a value", 1, 4),
    ('{"a" 1}', "expected ':' after the property name", 1, 6),
    ("{}\n[]", "extra data after the JSON document", 2, 1),
    ("\n  'x'", "unexpected character \"'\"", 2, 3),
    ('"abc', "unterminated string or invalid escape or control character in string", 1, 1),
])
def test_errors_name_line_and_column(text: str, message: str, line: int, col: int) -> None:
    with pytest.raises(jsonpos.JSONPositionError) as exc:
        jsonpos.parse(text)
    assert (exc.value.message, exc.value.line, exc.value.col) == (message, line, col)


def test_depth_is_capped_at_64_without_recursion() -> None:
    assert jsonpos.parse("[" * 64 + "]" * 64).root.kind == "array"
    with pytest.raises(jsonpos.JSONPositionError) as exc:
        jsonpos.parse("[" * 100_000 + "]" * 100_000)
    assert (exc.value.message, exc.value.line, exc.value.col) == ("nested more than 64 levels deep", 1, 65)
