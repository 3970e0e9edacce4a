"""Templates that used to end in an internal error (exit 3): each is one located line now."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamdocs.cfn.reader import TemplateError, parse_template

ROLE = "Resources:\n  R:\n    Type: AWS::IAM::Role\n"


@pytest.mark.parametrize(("text", "message"), [
    ("Metadata:\n  X: " + "9" * 5000 + "\n" + ROLE,
     "t.yaml:2:6: the number has too many digits (5,000 characters)"),
    ("Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument:\n        Statement:\n"
     "          - Effect: Allow\n            Action: !!set {a: null}\n",
     "t.yaml:8:21: unsupported YAML tag tag:yaml.org,2002:set; CloudFormation reads only mappings, lists and "
     "scalars"),
], ids=["5000-digit-metadata", "action-set"])
def test_the_template_error_names_file_line_and_column(text: str, message: str) -> None:
    with pytest.raises(TemplateError) as exc:
        parse_template(text, Path("t.yaml"))
    assert str(exc.value) == message
