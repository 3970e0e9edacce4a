"""Checks that stop the build when a page would publish something wrong, each naming page and line.

Pure functions of text, so that tests can call them without a build; the hooks and the
macros entry point call them and turn what they find into one line per problem.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes

from iamdocs.drift.sources import shapes

# Keys that only an IAM policy (or a statement of one) has, as JSON: a pasted document, a
# pasted statement or a pasted "Action" list would drift from policies/ unnoticed.
PASTED_IAM_JSON = re.compile(
    r'"(?:Version"\s*:\s*"2012-10-17"|(?:Not)?Action"\s*:|(?:Not)?Resource"\s*:|Effect"\s*:\s*"(?:Allow|Deny)"'
    r'|Statement"\s*:|(?:Not)?Principal"\s*:)'
)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)", re.S)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """'; did you mean X?' for the closest known name, or nothing when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def pasted_iam_json(text: str) -> list[tuple[int, str]]:
    """(line, what) for each line where policy JSON seems to be pasted: a whole document or a part."""
    found: dict[int, str] = {}
    for m in PASTED_IAM_JSON.finditer(text):
        line = _line(text, m.start())
        what = "a policy document" if m.group(0).startswith('"Version') else f"part of a policy ({m.group(0)})"
        if line not in found or what == "a policy document":  # the first on a line, unless a whole document
            found[line] = what
    return sorted(found.items())


def canonical_actions(files: Iterable[Any]) -> dict[str, frozenset[str]]:
    """policy file -> the actions (lower case) its Allow statements name: what recognises a pasted copy."""
    return {f.name: frozenset(a.text.lower() for st in f.statements if st.effect == "Allow" for a in st.actions)
            for f in files}


# A list in prose names a policy's actions when it has at least this many of them (and more than half):
# a sentence may well name the one action of a one-action policy.
LISTED_ACTIONS = 3


def _copy_of(actions: frozenset[str], canonical: Mapping[str, frozenset[str]], least: int = 1) -> str | None:
    """The canonical policy whose actions these cover (more than half; all of a policy of one or two), if any,
    naming at least `least` of them."""
    best, score = None, 0.0
    for name, want in sorted(canonical.items()):
        if len(actions & want) < max(least, 1):
            continue
        covered = len(actions & want) / len(want)
        if (covered == 1 if len(want) <= 2 else covered > 0.5) and covered > score:
            best, score = name, covered
    return best


def _named_actions(doc: Mapping[str, Any]) -> frozenset[str]:
    statements = doc.get("Statement")
    out = set()
    for st in statements if isinstance(statements, list) else [statements]:
        if isinstance(st, dict):
            value = st.get("Action")
            out.update(str(a).lower() for a in (value if isinstance(value, list) else [value]) if a)
    return frozenset(out)


def pasted_policies(text: str, canonical: Mapping[str, frozenset[str]]) -> list[tuple[int, str]]:
    """(line, problem) for each place a policy is pasted into a file of docs/, in any shape, with the macro to use.

    Three ways, one problem per line: a document in any shape `shapes.documents` reads (JSON,
    YAML, a Python dict, CLI shorthand, escaped keys); the keys of a policy as JSON, also in
    HTML entities or escaped (a part of one); and, whatever the shape, a list or table naming
    most of a canonical policy's actions (what it grants).
    """
    found: dict[int, str] = {}
    for line, what in pasted_iam_json(shapes.decoded(text)):
        found[line] = (f"{what} is pasted here; show policies with {{{{ policy_json(\"<file>.json\") }}}} instead, "
                       "so they cannot drift from policies/")
    keys = dict(pasted_iam_json(shapes.decoded(text)))
    named: list[frozenset[str]] = []  # the actions of each document found: its own lines are no second paste
    spans: list[tuple[int, int]] = []
    for doc in shapes.documents(text):
        named.append(_named_actions(doc.document))
        spans.append((doc.line, doc.end))
        statements = doc.document.get("Statement")
        items = statements if isinstance(statements, list) else [statements]
        if any(isinstance(st, dict) and ("Principal" in st or "NotPrincipal" in st) for st in items):
            macro = 'trust_policy("<role>")'
        else:
            macro = f'policy_json("{_copy_of(_named_actions(doc.document), canonical) or "<file>.json"}")'
        for line in range(doc.line + 1, doc.end + 1):  # its keys' lines name the same macro
            if line in keys:
                found[line] = f"{keys[line]} is pasted here; show it with {{{{ {macro} }}}} instead, so it cannot " \
                              "drift from policies/"
        found[doc.line] = (f"a policy document ({doc.shape}) is pasted here; show it with {{{{ {macro} }}}} instead, "
                           "so it cannot drift from policies/")
    services = frozenset(a.split(":", 1)[0] for want in canonical.values() for a in want)
    listed = [(line, a) for line, a in shapes.grants(text, services)
              if not any(start <= line <= end for start, end in spans)]  # not the actions of a document found
    for first, last, actions in shapes.clusters(listed):
        name = _copy_of(actions, canonical, LISTED_ACTIONS)
        if name and not any(first <= line <= last for line in found) and not any(actions <= a for a in named):
            found[first] = (f"the actions of {name} are listed here; show them with "
                            f"{{{{ permissions_table(\"{name}\") }}}} instead, so they cannot drift from policies/")
    return sorted(found.items())


def outside_code(markdown: str) -> str:
    """The Markdown with fenced code blocks and code spans blanked out, line breaks kept.

    Pages show macro calls and JSON as examples inside code; only text outside code counts.
    """
    out = []
    fence: str | None = None
    for line in markdown.split("\n"):
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)
            out.append("")
        elif fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(m.group(1)):]:
                fence = None
            out.append("")
        else:
            out.append(line)
    text = "\n".join(out)
    return _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def unrendered_macros(markdown: str, macro_names: Collection[str]) -> list[tuple[int, str]]:
    """(line, macro) for each macro call left in a page's Markdown after the macros ran (outside code)."""
    if not macro_names:
        return []
    call = re.compile(r"\{\{-?\s*(" + "|".join(map(re.escape, sorted(macro_names))) + r")\s*\(")
    text = outside_code(markdown)
    return [(_line(text, m.start()), m.group(1)) for m in call.finditer(text)]


def front_matter_lines(source: str, markdown: str) -> int:
    """How many lines of the page's file come before the Markdown that mkdocs hands to plugins.

    mkdocs strips the front matter first, so Jinja and the hooks count lines from after it;
    a writer's editor counts from the top of the file.
    """
    if markdown and source.endswith(markdown):
        return source[: len(source) - len(markdown)].count("\n")
    return 0


def page_source(abs_src_path: str | None) -> str:
    """The page's file as the writer sees it, or "" for a generated page."""
    if not abs_src_path:
        return ""
    try:
        return Path(abs_src_path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""


# Names Jinja itself defines where they are used: `loop` in a for loop, `caller`, `varargs` and `kwargs` in a
# macro, `self` for blocks. Used elsewhere they are undefined when the page renders, and that error is one line too.
JINJA_NAMES = frozenset({"loop", "caller", "varargs", "kwargs", "self"})


def template_problems(env: jinja2.Environment, markdown: str, known: Collection[str],
                      policy_args: dict[str, int], policies: Collection[str]) -> list[tuple[int, str]]:
    """(line, message) for what would fail when the page's macros run: syntax, unknown names, filters and tests,
    unknown policies.

    Found before rendering, from the template's syntax tree, so each message names the line and
    the closest correct name. `policy_args`: macro -> position of its policy file argument.
    """
    try:
        tree = env.parse(markdown)
    except jinja2.TemplateSyntaxError as exc:
        return [(exc.lineno or 1, f"Jinja syntax error: {exc.message}")]
    declared = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    declared |= {n.name for n in tree.find_all(nodes.Macro)} | JINJA_NAMES
    problems = []
    for n in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        tag = {nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from", nodes.Extends: "extends"}
        problems.append((n.lineno, f"{{% {tag[type(n)]} %}} reads another file into the page, which pages may not "
                                   "do; show policies and catalog text with the macros"))
    for n in tree.find_all(nodes.Name):
        if n.ctx == "load" and n.name not in known and n.name not in declared:
            problems.append((n.lineno, f"unknown macro or variable {n.name}{did_you_mean(n.name, known)}"))
    for f in tree.find_all(nodes.Filter):  # `{{ x | f }}` and `{% filter f %}`
        if f.name not in env.filters:
            problems.append((f.lineno, f"unknown filter {f.name}{did_you_mean(f.name, env.filters)}"))
    for test in tree.find_all(nodes.Test):
        if test.name not in env.tests:
            problems.append((test.lineno, f"unknown test {test.name}{did_you_mean(test.name, env.tests)}"))
    for call in tree.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Name) or call.node.name not in policy_args:
            continue
        position = policy_args[call.node.name]
        arg = call.args[position] if position < len(call.args) else next(
            (k.value for k in call.kwargs if k.key == "name"), None)
        if isinstance(arg, nodes.Const) and isinstance(arg.value, str) and arg.value and arg.value not in policies:
            problems.append((call.lineno, f"{call.node.name}: no policy {arg.value!r} in policies/"
                                          f"{did_you_mean(arg.value, policies)}"))
    return sorted(set(problems))


def policy_argument_positions(macros: dict[str, Callable[..., str]]) -> dict[str, int]:
    """macro -> index (after `project`) of its `name` parameter, the policy file it shows."""
    import inspect  # lazy: only when a guard reports a macro's place

    out = {}
    for macro_name, fn in macros.items():
        params = list(inspect.signature(fn).parameters)[1:]
        if "name" in params:
            out[macro_name] = params.index("name")
    return out
