"""Property: whatever a writer types into the catalog is shown exactly as typed, and never becomes markup.

Hypothesis puts a random string of Markdown, HTML and Jinja metacharacters into every text field
of the catalog (the fields are found from the catalog's JSON Schema: every string with no pattern
or format), builds the writers' site (every page) with the real `mkdocs build --strict`, and reads
every page, the search index and the scripts' data (every data file the build writes for them):

- with html5lib, the WHATWG parser browsers use, the text a reader sees at each place a field is
  shown equals the field (a role's title may be shown in lower case; the decision table names an
  option by the part of its title before a colon; a shell comment shows it on one line);
- no element or attribute came from the text: every page and search entry has, tag for tag and
  attribute name for attribute name, the shape it has when every field is plain letters;
- every field is shown somewhere, so that a field the pages drop cannot pass unnoticed.

A build takes seconds, so each example is one build with a different string in each of the ~70
fields, and only a few examples run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import html5lib
import pytest
import yaml
from guide_copy import MKDOCS, ROOT, site_copy
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from iamdocs.drift.sources.site import DATA_SCRIPT, GUARDRAIL_CHECK_DATA, ROLE_CHECK_DATA

pytestmark = pytest.mark.timeout(600)

SCHEMA = json.loads((ROOT / "policies/schema/catalog.schema.json").read_text(encoding="utf-8"))
CATALOG = yaml.safe_load((ROOT / "policies/catalog.yaml").read_text(encoding="utf-8"))
SCRIPT_DATA = (DATA_SCRIPT, ROLE_CHECK_DATA, GUARDRAIL_CHECK_DATA)
NOT_PROSE = {"example"}  # a placeholder's example must match the placeholder's pattern
# Text fields the site does not show: the product's name goes only into the generated template's
# Description (YAML, a download), and these two are read by validate and the writers only.
NOT_PUBLISHED = {"/product", "/roles/*/description", "/relations/*/why"}

# Pieces of hostile text: every ASCII metacharacter, white space of every kind, and whole constructs.
PIECES = [*"\\`*_[]<>&{}|!~^#-+=?:.()\"'/;@$%,", *"09aZ", " ", "  ", "\t", "\n", "\n\n", "\r", "é", "😀",
          "\u00a0", "\u2028", "&amp;", "&#60;", "<script>alert(1)</script>", "</title>", "<img src=x onerror=y>",
          "{{ 7*7 }}", "{% raw %}", "{#", "-->", "<!--", "[a](javascript:b)", "`", "\\`", "**", "{: .x }",
          "1. ", "- ", "# ", "!!! note", "???", "===", "---", "    ", "|", "<div markdown>", "]]>", "%}"]
prose = st.lists(st.sampled_from(PIECES), min_size=1, max_size=25).map("".join)


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _is_prose(node: dict) -> bool:
    return node.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(node)


def text_slots(node: dict, data: object, path: str = "") -> Iterator[tuple[dict | list, str | int, str]]:
    """(holder, key, schema path) of every catalog string whose schema is free text."""
    node = _resolve(node)
    if isinstance(data, dict):
        props = node.get("properties") or {}
        items = [(k, props.get(k, node.get("additionalProperties")), k if k in props else "*") for k in data]
    elif isinstance(data, list):
        items = [(i, node.get("items"), "*") for i in range(len(data))]
    else:
        return
    for key, sub, step in items:
        if not isinstance(sub, dict) or key in NOT_PROSE:
            continue
        value = data[key]  # type: ignore[index]
        if isinstance(value, str):
            if _is_prose(_resolve(sub)):
                yield data, key, f"{path}/{step}"  # type: ignore[misc]
        else:
            yield from text_slots(sub, value, f"{path}/{step}")


def _fresh_catalog() -> dict:
    """The real catalog, with the mappings YAML anchors share made separate (each field gets its own text)."""
    return json.loads(json.dumps(CATALOG, default=str))


SLOTS = len(list(text_slots(SCHEMA, _fresh_catalog())))


MARK = "zq"  # every field's text starts with it: a text without it shows no field


def _start(i: int) -> str:
    return f"{MARK}{i:03d}s"


def _end(i: int) -> str:
    return f"zq{i:03d}endofthefield"  # long enough for the schema's minLength of any field


def _forms(i: int, typed: str, option_title: bool) -> list[str]:
    """How field i may be shown: as typed, in lower case (role titles), as the decision table's short label."""
    value = _start(i) + typed + _end(i)
    forms = [value, value.lower()]
    if option_title and ":" in value:
        forms.append(value.split(":")[0].strip() + ")")
    return forms


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Site:
    """What one build shows of fields 0..n-1."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pages = {p.relative_to(root).as_posix(): html5lib.parse(p.read_bytes(), namespaceHTMLElements=False)
                      for p in sorted(root.rglob("*.html"))}
        index = json.loads((root / "search" / "search_index.json").read_text(encoding="utf-8"))
        # by place in the index: an entry's location holds its heading's anchor, which is made from the text
        self.search = {f"search index entry {n} ({d['location'].split('#')[0]}) {k}":
                       html5lib.parseFragment(d[k], namespaceHTMLElements=False)
                       for n, d in enumerate(index["docs"]) for k in ("title", "text")}
        # every data file the build writes for the pages' scripts (the role and guardrail checks' show catalog text)
        self.data_text = [(root / name).read_text(encoding="utf-8") for name in SCRIPT_DATA]
        self.data = [json.loads(text.removeprefix("window.iamdocsData = ").rstrip(";\n")) for text in self.data_text]

    def trees(self) -> dict:
        return {**self.pages, **self.search}


def shape(tree) -> list[tuple[str, tuple[str, ...]]]:
    """Tag and attribute names of every element, in document order."""
    return [(el.tag, tuple(sorted(el.attrib))) for el in tree.iter() if isinstance(el.tag, str)]


def texts(tree) -> Iterator[tuple[str, bool, str | None]]:
    """(text, inside <pre>, attribute name or None) for every text node and attribute value."""
    def walk(el, in_pre: bool) -> Iterator[tuple[str, bool, str | None]]:
        if not isinstance(el.tag, str):
            return
        in_pre = in_pre or el.tag == "pre"
        for name, value in el.attrib.items():
            yield value, in_pre, name
        if el.text:
            yield el.text, in_pre, None
        for child in el:
            yield from walk(child, in_pre)
            if child.tail:
                yield child.tail, in_pre, None
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    yield from walk(root, False)
    if not hasattr(tree, "getroot") and tree.text:  # a fragment's leading text
        yield tree.text, False, None


def strings(data: object) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(data, list):
        for v in data:
            yield from strings(v)


def build(tmp: Path, values: list[str]) -> tuple[Site, list[tuple[int, bool]]]:
    """Build the writers' site of a copy of the project whose i-th text field is start(i) + values[i] + end(i)."""
    root = tmp / "proj"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(ROOT / "policies", root / "policies")
    site_copy(root)
    shutil.copy(ROOT / "mkdocs.writers.yml", root)
    catalog = _fresh_catalog()
    slots = list(text_slots(SCHEMA, catalog))
    assert len(slots) == len(values)
    kinds = []
    for i, (holder, key, path) in enumerate(slots):
        holder[key] = _start(i) + values[i] + _end(i)  # type: ignore[index]
        kinds.append((i, path == "/options/*/title"))
    (root / "policies/catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False, allow_unicode=True),
                                                encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([str(MKDOCS), "build", "--strict", "-f", "mkdocs.writers.yml", "-d", "site"],
                            cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return Site(root / "site"), kinds


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The site when every field is plain letters: the shape every hostile build must keep."""
    site, _ = build(tmp_path_factory.mktemp("plain"), ["plain"] * SLOTS)
    return site


def check(site: Site, baseline: Site, values: list[str], kinds: list[tuple[int, bool]]) -> list[str]:
    """Every way the site fails the property, as lines (empty when it holds)."""
    problems: list[str] = []
    base = baseline.trees()
    for where, tree in site.trees().items():
        if where not in base:
            problems.append(f"{where}: not in the plain build")
        elif shape(tree) != shape(base[where]):
            got, want = shape(tree), shape(base[where])
            first = next((k for k, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                         min(len(got), len(want)))
            problems.append(f"{where}: element {first} is {got[first:first + 1]}, "
                            f"plain build has {want[first:first + 1]}")
    shown = set()
    forms = {i: _forms(i, values[i], option_title) for i, option_title in kinds}
    starts = {i: _start(i) for i in forms}
    for where, tree in site.trees().items():
        for text, in_pre, attribute in texts(tree):
            if MARK not in text:
                continue  # most of a page: no field's start can be in it (saves 70 searches of each text)
            for i in forms:
                start = text.find(starts[i])
                while start >= 0:
                    rest = text[start:]
                    # A shell comment, an attribute (the table of contents' aria-label) and the search
                    # index show the text on one line; a page shows it exactly.
                    loose = in_pre or attribute or where.startswith("search")
                    if any(rest.startswith(f) or (loose and _one_line(rest).startswith(_one_line(f)))
                           for f in forms[i]):
                        shown.add(i)
                    elif attribute in ("id", "href") and rest.replace("-", "").replace("_", "").isalnum():
                        pass  # a heading's anchor, made from its text by the toc extension
                    else:
                        problems.append(f"{where}: field {i} {values[i]!r} is shown as {rest[:120]!r}"
                                        + (f" in attribute {attribute}" if attribute else ""))
                    start = text.find(starts[i], start + 1)
    for raw, data in zip(site.data_text, site.data, strict=True):
        if "<" in raw or "&" in raw.replace("&&", ""):
            problems.append(f"script data holds a raw < or &: {raw[raw.find('<') - 40:raw.find('<') + 40]!r}")
        for s in strings(data):
            for i in forms:
                if starts[i] in s:
                    if any(f in s for f in forms[i]):
                        shown.add(i)
                    else:
                        problems.append(f"script data: field {i} {values[i]!r} is {s!r}")
    paths = [path for _, _, path in text_slots(SCHEMA, _fresh_catalog())]
    never = {paths[i] for i in set(forms) - shown}
    if never != NOT_PUBLISHED:
        problems.append(f"fields never shown: {sorted(never)}; expected {sorted(NOT_PUBLISHED)}")
    return problems


def test_plain_text_in_every_field_is_shown_somewhere(baseline: Site) -> None:
    """The property below is only as good as its coverage: every text field reaches the site, and every file the
    build writes for the scripts beside their own (docs/javascripts/) is read, as is the search index."""
    made = {p.relative_to(baseline.root).as_posix() for folder in ("javascripts", "search")
            for p in (baseline.root / folder).rglob("*")
            if p.is_file() and not (ROOT / "docs" / p.relative_to(baseline.root)).exists()}
    assert made == {*SCRIPT_DATA, "search/search_index.json"}
    values = ["plain"] * SLOTS
    assert SLOTS >= 60
    assert check(baseline, baseline, values, [(i, False) for i in range(SLOTS)]) == []


@settings(max_examples=4, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(values=st.lists(prose, min_size=SLOTS, max_size=SLOTS))
def test_any_catalog_text_is_shown_as_typed_and_is_never_markup(values: list[str], baseline: Site,
                                                                 tmp_path: Path) -> None:
    site, kinds = build(tmp_path, values)
    problems = check(site, baseline, values, kinds)
    assert not problems, "\n".join(problems[:20])
