"""The one YAML reader (catalog and templates): places, keys given twice, bounds, tags; expectations by hand."""

from __future__ import annotations

import pytest

from iamdocs import yamlpos
from iamdocs.positions import Node, from_node


def read(text: str, local_tag: yamlpos.LocalTag | None = None) -> yamlpos.ParseResult:
    return yamlpos.parse(text, "catalog", "iamdocs", local_tag)


def refusal(text: str) -> tuple[int, int, str]:
    with pytest.raises(yamlpos.YAMLPositionError) as exc:
        read(text)
    return exc.value.line, exc.value.col, exc.value.message


def test_every_value_and_key_keeps_its_place_and_span() -> None:
    text = "a:\n  b: [x, 'y z']\n  c: 5\n# after\nd: e\n"
    root = read(text).root
    b = root.at(["a", "b"])
    assert (b.kind, b.line, b.col, text[b.start:b.end]) == ("array", 2, 6, "[x, 'y z']")
    y = b.items[1]
    assert (y.value, y.line, y.col, text[y.start:y.end]) == ("y z", 2, 10, "'y z'")
    assert (root.at(["a", "c"]).kind, root.at(["a", "c"]).value) == ("number", 5)
    key = root.at(["a"]).key("c")
    assert (key.value, key.line, key.col) == ("c", 3, 3)
    # a block mapping ends where its last value ends, not at the comment and key that follow it
    assert text[root.at(["a"]).start:root.at(["a"]).end] == "b: [x, 'y z']\n  c: 5"


def test_a_key_given_twice_names_both_places_and_every_repeat_names_the_first() -> None:
    result = read("a: 1\nb:\n  x: 1\n  x: 2\n  x: 3\n")
    assert [(d.key, d.first.line, d.first.col, d.again.line, d.again.col) for d in result.duplicates] == [
        ("x", 3, 3, 4, 3), ("x", 3, 3, 5, 3)]
    assert result.duplicates[0].message == (
        "duplicate key 'x', first given at line 3, column 3; tools keep the first, keep the last or refuse the file, "
        "so remove one")


def test_a_key_that_overrides_a_merged_one_is_no_repeat() -> None:
    result = read("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n")
    assert result.duplicates == []
    assert result.root.to_python()["c"] == {"x": 1, "y": 3}
    # the value given here, in the merged key's place; y given here is the key a report names
    assert [(k.value, k.line) for k, _ in result.root.at(["c"]).pairs] == [("x", 1), ("y", 4)]


def test_a_key_given_twice_after_a_merge_is_still_a_repeat() -> None:
    result = read("base: &b {y: 2}\nc:\n  <<: *b\n  y: 3\n  y: 4\n")
    assert [(d.first.line, d.again.line) for d in result.duplicates] == [(4, 5)]


def test_dates_stay_text_and_yaml_booleans_and_numbers_are_values() -> None:
    root = read("d: 2024-13-45\nt: 2023-11-14\nb: yes\nn: ~\nf: 1.5\nk: 0x10\n").root
    assert root.to_python() == {"d": "2024-13-45", "t": "2023-11-14", "b": True, "n": None, "f": 1.5, "k": 16}
    assert [v.kind for _, v in root.pairs] == ["string", "string", "true", "null", "number", "number"]


def test_keys_are_text_as_cloudformation_takes_them() -> None:
    assert read("5: a\ntrue: b\n").root.to_python() == {"5": "a", "true": "b"}


@pytest.mark.parametrize(("text", "expected"), [
    ("a: b\x07\n", (1, 5, "the character U+0007 is not allowed in YAML (control characters other than tab and "
                          "line breaks); remove it")),
    ("a:\n  b: " + "9" * 5000 + "\n", (2, 6, "the number has too many digits (5,000 characters)")),
    ("a: !!set {x: null}\n", (1, 4, "unsupported YAML tag tag:yaml.org,2002:set; iamdocs reads only mappings, "
                                    "lists and scalars")),
    ("a: !Ref b\n", (1, 4, "unsupported YAML tag !Ref; iamdocs reads only mappings, lists and scalars")),
    ("? [a]\n: b\n", (1, 3, "a mapping key must be plain text")),
    ("~: b\n", (1, 1, "a mapping key must not be null")),
    ("a: [b\n", (2, 1, "malformed YAML: did not find expected ',' or ']'")),
    ("x:\n" + "".join("  " * i + "- \n" for i in range(1, 131)), (130, 259, "nested more than 128 levels deep")),
    ("[" * 2000 + "]" * 2000, (1, 1, "the YAML is nested too deeply to be a catalog")),
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
     (1, 1, "the catalog expands to over 100,000 values through YAML aliases, far more than any real one; use fewer "
            "or smaller anchors")),
], ids=["control-character", "5000-digits", "set", "local-tag", "list-key", "null-key", "unclosed", "depth-129",
        "libyaml-depth", "alias-bomb"])
def test_what_cannot_be_read_is_one_located_message(text: str, expected: tuple[int, int, str]) -> None:
    assert refusal(text) == expected


def test_an_alias_is_one_shared_node_and_one_shared_value() -> None:
    root = read("a: &x [1, 2]\nb: *x\n").root
    assert root.at(["a"]) is root.at(["b"])
    values = from_node(root)
    assert values["a"] is values["b"]


def test_a_local_tag_is_read_by_the_callers_function() -> None:
    seen = []

    def tag(name: str, value: Node, node: object) -> Node:
        seen.append((name, value.kind, value.value))
        return Node("string", value.line, value.col, f"<{name} {value.value}>", start=value.start, end=value.end)

    assert read("a: !Ref b\nc: !Sub [x, y]\n", tag).root.at(["a"]).value == "<!Ref b>"
    assert seen == [("!Ref", "string", "b"), ("!Sub", "array", None)]


def test_no_document_is_no_root() -> None:
    assert read("# only a comment\n").root is None
