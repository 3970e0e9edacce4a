"""The template reader's contract: positions and source spans, CloudFormation's text for scalars, what it finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamdocs.cfn.evaluate import Evaluator
from iamdocs.cfn.identity import Branch, find
from iamdocs.cfn.reader import TemplateError, parse_template, to_text

YAML = """\
Parameters:
  Session: {Type: String, AllowedValues: [true, false], Default: false}
Conditions:
  SessionOn: !Equals [!Ref Session, "true"]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: []}
  Pol:
    Type: AWS::IAM::RolePolicy
    Condition: SessionOn
    Properties:
      RoleName: !Ref Role
      PolicyName: p
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: "s3:GetObject", Resource: "*"}
  Other:
    Type: AWS::S3::Bucket
"""

JSON = ('{"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": '
        '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}}}}')


def test_yaml_document_span_is_its_source_text():
    t = parse_template(YAML, Path("t.yaml"))
    (doc,) = find(t).documents
    assert (doc.logical_id, doc.resource_type, doc.policy_name, doc.conditions) == (
        "Pol", "AWS::IAM::RolePolicy", "p", ("SessionOn",))
    assert t.text[doc.document.start:doc.document.end] == (
        'Statement:\n          - {Effect: Allow, Action: "s3:GetObject", Resource: "*"}')
    action = doc.document["Statement"][0]["Action"]
    assert t.text[action.start:action.end] == '"s3:GetObject"'
    assert (doc.document.line, doc.document.col) == (17, 9)


def test_block_span_ends_at_its_last_value_not_at_the_comment_after_it():
    text = YAML.replace('Resource: "*"}\n', 'Resource: "*"}  # the end\n# between\n')
    t = parse_template(text, Path("t.yaml"))
    (doc,) = find(t).documents
    assert t.text[doc.document.start:doc.document.end].endswith('Resource: "*"}')
    props = t.resources["Pol"]["Properties"]
    assert t.text[props.start:props.end].endswith('Resource: "*"}')


def test_json_document_span_is_its_source_text():
    t = parse_template(JSON, Path("t.json"))
    (doc,) = find(t).documents
    assert t.text[doc.document.start:doc.document.end] == (
        '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}')
    key = next(iter(doc.document))
    assert t.text[key.start:key.end] == '"Statement"'


def test_yaml_booleans_are_cloudformation_text_and_conditions_see_them():
    t = parse_template(YAML, Path("t.yaml"))
    found = find(t)
    assert not Branch(t, found, {}).exists(found.documents[0])  # Default false -> "false"
    on = Branch(t, found, {"Session": "true"})
    assert on.exists(found.documents[0])
    assert on.evaluate(found.documents[0]).roles == ["Role"]


@pytest.mark.parametrize(("value", "text"), [(True, "true"), (False, "false"), (5, "5"), (0.5, "0.5"),
                                             (None, ""), (["a", 1, True], "a,1,true"), ("x", "x")])
def test_to_text(value, text):
    assert to_text(value) == text


def test_comma_delimited_list_number_default_is_a_list_of_text():
    t = parse_template("Parameters:\n  L: {Type: CommaDelimitedList, Default: 5}\nResources: {}\n", Path("t.yaml"))
    assert Evaluator(t).resolve({"Ref": "L"}) == ["5"]


def test_unknown_section_functions_do_not_matter_until_evaluated():
    text = "Rules:\n  R: {Assertions: [{Assert: !Whatever [a]}]}\n" + YAML
    t = parse_template(text, Path("t.yaml"))
    assert t.data["Rules"]["R"]["Assertions"][0]["Assert"] == {"Fn::Whatever": ["a"]}
    with pytest.raises(TemplateError, match=r"t\.yaml:2:29: unknown intrinsic function Fn::Whatever"):
        Evaluator(t).resolve(t.data["Rules"]["R"]["Assertions"][0]["Assert"])


def test_a_condition_yaml_reads_as_a_boolean_is_an_error_not_ignored():
    t = parse_template(YAML.replace("Condition: SessionOn", "Condition: On"), Path("t.yaml"))
    with pytest.raises(TemplateError, match=r"t\.yaml:11:5: Pol: Condition must name a condition, not bool True"):
        find(t)
