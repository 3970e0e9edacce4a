"""Placeholders: the one definition of how a value the customer fills in is written, found, filled,
spelled in CloudFormation and normalised for comparison.

Policy files write `<NAME>` (upper case, digits and underscores, starting with a letter); the catalog
declares each NAME with a description, an example and a pattern. Three of them are values CloudFormation
knows by itself (its pseudo parameters); any other declared placeholder becomes a template parameter of
its own. The loader, grants, lint rules, the template, deploy, drift and the guide's fill-in form all go
through this module, so that a new placeholder in the catalog works everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

NAME = r"[A-Z][A-Z0-9_]*"
NAME_RE = re.compile(NAME)  # a well-formed placeholder name
PLACEHOLDER_RE = re.compile(rf"<({NAME})>")  # a well-formed placeholder in text
LOOSE_RE = re.compile(r"<([A-Za-z0-9_]*)>")  # anything written like one, for the rules that report mistakes

# Placeholders that CloudFormation fills by itself, with its pseudo parameter.
PSEUDO = {"REGION": "AWS::Region", "ACCOUNT_ID": "AWS::AccountId", "PARTITION": "AWS::Partition"}

# Placeholders whose value follows from another one's: the form asks only for the other (the Region) and
# fills these in (the partition of that Region).
DERIVED = {"PARTITION": "REGION"}

_POLICY_VARIABLE = re.compile(r"\$\{[^}]*\}")


def spell(name: str) -> str:
    """`REGION` -> `<REGION>`."""
    return f"<{name}>"


def find(text: str) -> list[str]:
    """The names of the well-formed placeholders in a string, in order."""
    return PLACEHOLDER_RE.findall(text)


def find_all(value: Any) -> set[str]:
    """The placeholder names in every string of a document."""
    if isinstance(value, str):
        return set(find(value))
    if isinstance(value, list):
        return set().union(*(find_all(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(find_all(v) for v in value.values())) if value else set()
    return set()


def fill(value: Any, values: Mapping[str, str]) -> Any:
    """Replace `<NAME>` in every string of a document with `values[NAME]`; names without a value stay."""
    if isinstance(value, str):
        return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    return value


def examples(catalog: Any) -> dict[str, str]:
    """Each declared placeholder's example value (empty without a catalog)."""
    return {n: p.example for n, p in catalog.placeholders.items()} if catalog is not None else {}


def values_with_examples(catalog: Any, known: Mapping[str, str]) -> dict[str, str]:
    """Values to fill with: the known ones (a sandbox's Region, account, partition), examples for the rest."""
    return {**examples(catalog), **{k: v for k, v in known.items() if v}}


# CloudFormation ------------------------------------------------------------------------------------


def cfn_parameter(name: str) -> str:
    """The template parameter of a placeholder that is not a pseudo parameter: CLUSTER_PREFIX -> ClusterPrefix."""
    return "".join(w.capitalize() for w in name.split("_") if w)


def cfn_variable(name: str) -> str:
    """How Fn::Sub writes a placeholder: ${AWS::Region}, or ${ClusterPrefix} for a template parameter."""
    return "${" + (PSEUDO.get(name) or cfn_parameter(name)) + "}"


def to_cfn(value: Any, partition: bool | None = None) -> Any:
    """A document for a template: strings with placeholders become Fn::Sub with the matching variables.

    A template's own style decides how an ARN's partition is spelt: with `partition` True, `arn:aws:` is written
    `arn:${AWS::Partition}:` (templates that spell ARNs so); with False, `arn:<PARTITION>:` is written `arn:aws:`
    (templates that spell the partition out); by default each is kept as the policy writes it.
    """
    if isinstance(value, str):
        if partition is True and value.startswith("arn:aws:"):
            value = "arn:<PARTITION>:" + value[len("arn:aws:"):]
        elif partition is False and value.startswith("arn:<PARTITION>:"):
            value = "arn:aws:" + value[len("arn:<PARTITION>:"):]
        if not PLACEHOLDER_RE.search(value):
            return value
        # Fn::Sub would read a policy variable such as ${aws:username} as its own: write it ${!aws:username}.
        escaped = _POLICY_VARIABLE.sub(lambda m: "${!" + m.group()[2:], value)
        return {"Fn::Sub": PLACEHOLDER_RE.sub(lambda m: cfn_variable(m.group(1)), escaped)}
    if isinstance(value, list):
        return [to_cfn(v, partition) for v in value]
    if isinstance(value, dict):
        return {k: to_cfn(v, partition) for k, v in value.items()}
    return value


def cfn_parameter_names(catalog: Any) -> frozenset[str]:
    """The template parameters that stand for declared placeholders (the pseudo ones are CloudFormation's)."""
    names = catalog.placeholders if catalog is not None else {}
    return frozenset(cfn_parameter(n) for n in names if n not in PSEUDO)


def cfn_parameters(catalog: Any, documents: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Template parameters for the declared placeholders these documents use, other than the pseudo ones.

    The example is the default, so a stack can be created as the guide shows it; the pattern is enforced.
    """
    used = set().union(*(find_all(d) for d in documents))
    out = {}
    for name in sorted(used - set(PSEUDO)):
        p = catalog.placeholders.get(name) if catalog is not None else None
        if p is None:
            continue  # undeclared: E030 reports it, and validate runs before the template is made
        pattern = p.pattern if p.pattern.startswith("^") else "^" + p.pattern
        pattern = pattern if pattern.endswith("$") else pattern + "$"
        out[cfn_parameter(name)] = {"Type": "String", "Default": p.example, "AllowedPattern": pattern,
                                    "Description": f"{p.description} (the policies' <{name}>)"}
    return out


# Comparison ------------------------------------------------------------------------------------------


def token(name: str) -> str:
    """The one spelling of a placeholder's value in comparable text: `{region}`, `{cluster_prefix}`."""
    return "{" + {"ACCOUNT_ID": "account"}.get(name, name.lower()) + "}"


_PSEUDO_VARIABLE = {"${" + v + "}": token(k) for k, v in PSEUDO.items()}
_PARAMETER_VARIABLE = re.compile(r"\$\{([A-Z][A-Za-z0-9]*)\}")  # ${ClusterPrefix}: cfn_variable of a placeholder


def _from_cfn_parameter(parameter: str) -> str:
    """ClusterPrefix -> CLUSTER_PREFIX: the inverse of cfn_parameter."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", parameter).upper()


def normalize(text: str, values: Mapping[str, str] | None = None) -> str:
    """One spelling for a value: a placeholder, a CloudFormation variable and a filled-in value compare equal.

    The partition's filled-in value (aws) is only recognised at its place in an ARN.
    """
    out = PLACEHOLDER_RE.sub(lambda m: token(m.group(1)), text)
    for spelled, tok in _PSEUDO_VARIABLE.items():
        out = out.replace(spelled, tok)
    out = _PARAMETER_VARIABLE.sub(lambda m: token(_from_cfn_parameter(m.group(1))), out)
    for name, val in (values or {}).items():
        if val and name != "PARTITION":
            out = out.replace(val, token(name))
    if out.startswith("arn:aws:"):
        out = "arn:" + token("PARTITION") + ":" + out[len("arn:aws:"):]
    return out


def as_glob(text: str) -> str:
    """A value as an IAM wildcard pattern: placeholders and policy variables stand for any text."""
    return LOOSE_RE.sub("*", _POLICY_VARIABLE.sub("*", text))
