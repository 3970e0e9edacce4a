from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.lint.schema import schema_validator
from iamdocs.loader import schema_path
from iamdocs.model import PolicyFile
from iamdocs.positions import Node

SCHEMA_NAME = "identity-policy.schema.json"


def _nearest_key(path: list[Any]) -> str:
    for p in reversed(path):
        if isinstance(p, str):
            return p
    return "the document"


_STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                   "Condition"}
_SCALAR = (str, int, float, bool)


def _strings(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v for v in value)


def _plainly_valid(doc: Any) -> bool:
    """A fast check that accepts only documents the schema accepts too (the usual, well-formed ones).

    jsonschema costs milliseconds per policy; this costs microseconds. Whatever it does not accept
    goes to jsonschema, which then finds and words the errors, so it may be stricter, never looser.
    """
    if not isinstance(doc, dict) or not set(doc) <= {"Version", "Id", "Statement"} or "Statement" not in doc:
        return False
    if "Version" in doc and doc["Version"] not in ("2012-10-17", "2008-10-17"):
        return False
    if "Id" in doc and not isinstance(doc["Id"], str):
        return False
    statements = doc["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    elif not isinstance(statements, list) or not statements:
        return False
    for st in statements:
        if not isinstance(st, dict) or not set(st) <= _STATEMENT_KEYS:
            return False
        if st.get("Effect") not in ("Allow", "Deny") or ("Sid" in st and not isinstance(st["Sid"], str)):
            return False
        if ("Action" in st) == ("NotAction" in st) or ("Resource" in st) == ("NotResource" in st):
            return False
        if not all(_strings(st[k]) for k in ("Action", "NotAction", "Resource", "NotResource") if k in st):
            return False
        if "Condition" in st:
            cond = st["Condition"]
            if not isinstance(cond, dict) or not cond:
                return False
            for block in cond.values():
                if not isinstance(block, dict) or not block:
                    return False
                for v in block.values():
                    if isinstance(v, list):
                        if not v or not all(isinstance(x, _SCALAR) for x in v):
                            return False
                    elif not isinstance(v, _SCALAR):
                        return False
    return True


class PolicyGrammar(Rule):
    id = "E010"
    name = "policy-grammar"
    description = "A policy must follow the IAM identity-policy grammar (policies/schema/identity-policy.schema.json)."
    explanation = (
        "Version, Statement (an object or a non-empty list), Effect (Allow or Deny), exactly one of Action and "
        "NotAction and of Resource and NotResource, each a string or a list of strings, Condition as "
        "operator -> {key: value}, and no other keys. IAM rejects documents that break this grammar."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        if f.root is None:
            return
        document = f.document
        if _plainly_valid(document):
            return
        validator = schema_validator(schema_path(ctx.project.root, SCHEMA_NAME))
        errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
        # A value of the wrong type makes every other complaint about it noise.
        mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
        errors = [e for e in errors if e.validator == "type" or tuple(e.absolute_path) not in mistyped]
        for err in errors:
            path = list(err.absolute_path)
            node = f.root.at(path)
            yield from self._findings(f, err, path, node)

    def _findings(self, f: PolicyFile, err: Any, path: list[Any], node: Node) -> Iterable[Finding]:
        where = "a statement" if path and path[0] == "Statement" else "the policy"
        if err.validator == "additionalProperties":
            allowed = list(err.schema.get("properties", {}))
            extras = [k for k in err.instance if k not in allowed]
            for key in extras:
                shown = ", ".join(k for k in allowed if k not in ("Principal", "NotPrincipal"))
                yield self.finding(f'unknown key "{key}" in {where}; allowed: {shown}', f.loc(node.key(key)))
            return
        if err.validator == "required":
            missing = [k for k in err.validator_value if k not in err.instance]
            for key in missing:
                yield self.finding(f"{where} needs {key}", f.loc(node))
            return
        if err.validator == "oneOf" and all(list(s) == ["required"] for s in err.validator_value):
            keys = [s["required"][0] for s in err.validator_value]
            present = [k for k in keys if k in err.instance]
            if not present:
                yield self.finding(f"{where} needs {' or '.join(keys)}", f.loc(node))
            else:
                yield self.finding(f"{where} may have only one of {' and '.join(keys)}; remove {present[-1]}",
                                   f.loc(node.key(present[-1])))
            return
        message = err.schema.get("x-message") if isinstance(err.schema, dict) else None
        if message:
            message = message.replace("{key}", _nearest_key(path))
        else:  # a keyword without its own wording: keep jsonschema's, without a long dump of the value
            message = err.message if len(err.message) <= 200 else err.message[:200] + "..."
        yield self.finding(message, f.loc(node))
