"""The template reader against cfn-lint's decoder on a corpus written to cover the template language.

Both must agree on which templates are readable, on the whole decoded tree, and on
the IAM policy documents (before any intrinsic is evaluated). The corpus has each
intrinsic in short and long form, each rule function, conditions, every section,
every identity policy type, JSON and YAML, comments, anchors, merge keys, and
templates that neither may read (duplicate keys, malformed text, unsafe tags).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str

from iamdocs.cfn.identity import find
from iamdocs.cfn.reader import Template, TemplateError, parse_text, to_text

CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = sorted(CORPUS.iterdir())
# Where the two must differ, and why. Anything else that differs fails the test.
ONLY_THE_READER_READS = {
    # cfn-lint reads JSON as YAML first, and YAML's \u escapes cannot write a surrogate pair (an emoji);
    # it is valid JSON, which is how CloudFormation reads a JSON template
    "json-unicode.json": "found invalid Unicode character escape code",
}
IAM_TYPES = {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy",
             "AWS::IAM::GroupPolicy", "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"}


def plain(value: Any) -> Any:
    """Both readers' values as plain JSON-like data: keys as CloudFormation's text, dates as ISO text."""
    if isinstance(value, dict):
        return {to_text(k) if not isinstance(k, str) else str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)
    return value


def cfnlint_documents(template: dict) -> list[Any]:
    """The PolicyDocument values of IAM resources in cfn-lint's tree, found by a walk of its own."""
    out = []
    for res in (template.get("Resources") or {}).values():
        if not isinstance(res, dict) or res.get("Type") not in IAM_TYPES:
            continue
        stack = [res.get("Properties")]
        while stack:
            v = stack.pop(0)
            if isinstance(v, dict):
                for k, x in v.items():
                    if k == "PolicyDocument":
                        out.append(x)
                    else:
                        stack.append(x)
            elif isinstance(v, list):
                stack.extend(v)
    return out


def test_corpus_is_large_and_covers_the_language():
    assert len(FILES) >= 40
    text = "\n".join(p.read_text(encoding="utf-8") for p in FILES)
    for fn in ("EachMemberEquals", "EachMemberIn", "RefAll", "ValueOf", "ValueOfAll", "Contains"):
        assert f"!{fn} " in text and f'"Fn::{fn}"' in text, fn
    for fn in ("Sub", "GetAtt", "Join", "Select", "Split", "FindInMap", "ImportValue", "Base64", "GetAZs", "Cidr",
               "Equals", "And", "Or", "Not", "If", "Transform", "Length", "ToJsonString"):
        assert f"!{fn} " in text, fn
    for long_form in ('"Fn::Sub"', '"Fn::GetAtt"', '"Fn::Join"', '"Fn::Select"', '"Fn::Split"', '"Fn::FindInMap"',
                      '"Fn::ImportValue"', "'Fn::GetAZs'", "'Fn::Cidr'", '"Fn::Equals"', '"Fn::Not"', '"Fn::Or"',
                      '"Fn::And"', '"Fn::If"', "{Ref:", '"Condition"'):
        assert long_form in text, long_form
    assert sum(p.suffix == ".json" for p in FILES) >= 8 and sum(p.name.startswith("bad-") for p in FILES) >= 8


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_reader_and_cfnlint_agree(path):
    text = path.read_text(encoding="utf-8")
    theirs, matches = decode_str(text)
    cfnlint_reads = theirs is not None and not matches
    try:
        mine, _ = parse_text(text, path)
    except TemplateError as exc:
        assert not cfnlint_reads, f"only cfn-lint reads it; the reader says: {exc.message}"
        assert path.name.startswith("bad-"), exc.message
        return
    if path.name in ONLY_THE_READER_READS:
        assert not cfnlint_reads and [m.message for m in matches] == [ONLY_THE_READER_READS[path.name]]
        return
    assert cfnlint_reads, f"only the reader reads it; cfn-lint says: {[m.message for m in matches]}"
    assert not path.name.startswith("bad-")
    assert plain(mine) == plain(theirs)
    documents = [d.document for d in find(Template(path, text, mine, "yaml")).documents] if "Resources" in mine else []
    assert sorted(map(repr, map(plain, documents))) == sorted(map(repr, map(plain, cfnlint_documents(theirs))))
    written = text.count("PolicyDocument") - text.count("AssumeRolePolicyDocument")
    assert len(documents) == written  # every identity policy document written is found
