"""The escaping every report shares: validate and drift print file content the user did not write."""

from __future__ import annotations

from iamdocs.output import annotation, printable


def test_printable_escapes_control_characters_and_lone_surrogates():
    assert printable("plain text") == "plain text"
    assert printable("red \x1b[31m") == "red \\x1b[31m"
    assert printable("half \ud800 pair") == "half \\ud800 pair"


def test_annotation_escapes_message_and_properties():
    assert annotation("error", "50% done\nnext", "a,b:c.yaml", 3, 7, "drift removed") == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=7,title=drift removed::50%25 done\\nnext"
    )


def test_annotation_without_a_line_names_only_the_file():
    assert annotation("notice", "fine", "site/x.json") == "::notice file=site/x.json::fine"
