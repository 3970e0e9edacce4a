"""`Fn::ForEach` of the AWS::LanguageExtensions transform, expanded into the resources it makes.

A template with `Transform: AWS::LanguageExtensions` may write one resource
fragment for a list of values (`Fn::ForEach::Name: [Identifier, [values],
{KeyWith${Identifier}: fragment}]`); CloudFormation makes one resource per value.
Drift must see each of them, or the policies they carry would be invisible. The
identifier is replaced where the transform replaces it: in the output keys
(`${Id}`, and `&{Id}` with the value's non-alphanumeric characters dropped), in
`Ref: Id` and in `Fn::Sub` text. Only a literal list is expanded; a list known
only from a parameter is refused at its place (the caller reports it, never
"no drift").
"""

from __future__ import annotations

import re
from typing import Any

from iamdocs.errors import UserError
from iamdocs.positions import PDict, at, pos, span

PREFIX = "Fn::ForEach::"
MAX_EXPANDED = 10_000  # resources one template may make through loops


class ForEachError(UserError):
    """A loop that cannot be expanded here; `at` is the value to point at."""

    def __init__(self, message: str, at_value: Any) -> None:
        super().__init__(message)
        self.at = at_value


def uses_language_extensions(data: Any) -> bool:
    transform = data.get("Transform") if isinstance(data, dict) else None
    names = transform if isinstance(transform, list) else [transform]
    return "AWS::LanguageExtensions" in names


def _keep(source: Any, value: Any) -> Any:
    line, col = pos(source)
    return at(value, line, col, *span(source)) if line else value


def _substitute(value: Any, ident: str, item: str) -> Any:
    """A copy of `value` with the identifier replaced (keys, Ref, Fn::Sub), positions kept; no recursion."""
    alnum = re.sub(r"[^A-Za-z0-9]", "", item)

    def key(k: Any) -> Any:
        return _keep(k, str(k).replace("${" + ident + "}", item).replace("&{" + ident + "}", alnum)) \
            if isinstance(k, str) else k

    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]  # (source, container, slot)
    while stack:
        src, box, slot = stack.pop()
        if isinstance(src, dict):
            if list(src) == ["Ref"] and src["Ref"] == ident:
                box[slot] = _keep(src["Ref"], item)
                continue
            if list(src) == ["Fn::Sub"] and isinstance(src["Fn::Sub"], (str, list)):
                sub = src["Fn::Sub"]
                text = sub if isinstance(sub, str) else (sub[0] if sub else "")
                if isinstance(text, str) and "${" + ident + "}" in text:
                    new_text = _keep(text, text.replace("${" + ident + "}", item))
                    src = _keep(src, {"Fn::Sub": new_text if isinstance(sub, str) else [new_text, *sub[1:]]})
            out = _keep(src, PDict())
            box[slot] = out
            for k, v in src.items():
                nk = key(k)
                out[nk] = None
                stack.append((v, out, nk))
        elif isinstance(src, list):
            out_list = _keep(src, [None] * len(src))
            box[slot] = out_list
            for n, v in enumerate(src):
                stack.append((v, out_list, n))
        else:
            box[slot] = src
    return root[0]


def expand(resources: dict[str, Any]) -> dict[str, Any]:
    """The resources with every `Fn::ForEach::` loop (nested ones too) replaced by what it makes."""
    out: dict[str, Any] = _keep(resources, PDict())
    todo: list[tuple[Any, Any]] = list(resources.items())
    made = 0
    while todo:
        name, value = todo.pop(0)
        if not (isinstance(name, str) and name.startswith(PREFIX)):
            if name in out:
                raise ForEachError(f"Fn::ForEach makes resource {name} twice", name)
            out[name] = value
            continue
        if not isinstance(value, list) or len(value) != 3 or not isinstance(value[0], str) \
                or not isinstance(value[2], dict):
            raise ForEachError(f"{name} needs [Identifier, [values], {{OutputKey: fragment}}]", name)
        ident, items, fragment = value
        if not isinstance(items, list) or not all(isinstance(i, (str, int, float)) and not isinstance(i, bool)
                                                  for i in items):
            raise ForEachError(f"{name}: only a literal list of values is expanded here; this loop's values are "
                               "known only when CloudFormation deploys", items)
        for item in items:
            made += 1
            if made > MAX_EXPANDED:
                raise ForEachError(f"{name}: more than {MAX_EXPANDED:,} resources made by loops", name)
            for key, body in fragment.items():
                new_key = _substitute({key: None}, ident, str(item))
                todo.append((next(iter(new_key)), _substitute(body, ident, str(item))))
    return out
