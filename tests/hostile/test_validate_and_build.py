"""Hostile and careless inputs to `iamdocs validate` and to the build: each ends in one line and exit 1 or 2.

Every case breaks a private copy of the project in one way and states, written by hand, the
exit code and the line the writer must see. `validate` runs in this process through
`iamdocs.cli.main`; the build's side is checked through the function every build starts with
(`sound_project`, which turns the loader's first problem into the one-line PluginError that
mkdocs prints), and a few real builds below show that mkdocs prints no traceback.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from guide_copy import MKDOCS, build, site_copy
from mkdocs.exceptions import PluginError

from iamdocs.cli import main
from iamdocs.guide.project import sound_project

pytestmark = pytest.mark.timeout(60)  # a FIFO that is opened would hang: fail instead

CAT = "policies/catalog.yaml"


def _history_date_lines() -> list[int]:
    """Line numbers of the history's `- date:` lines in the real catalog, which the cases below break.

    Found in the input, not hard-coded, so that a writer adding a history entry does not break this table.
    """
    lines = (Path(__file__).resolve().parents[2] / CAT).read_text(encoding="utf-8").split("\n")
    start = lines.index("history:")
    return [i + 1 for i, line in enumerate(lines) if i > start and line.startswith("  - date: ")]


FIRST_DATE, LAST_DATE = _history_date_lines()[0], _history_date_lines()[-1]


def set_line(root: Path, number: int, text: str, file: str = CAT) -> None:
    """Replace one line (1-based) of a file of the copy, keeping the others as they are."""
    path = root / file
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    path.write_bytes(b"\n".join(lines))


def insert_line(root: Path, before: int, text: str, file: str = CAT) -> None:
    path = root / file
    lines = path.read_text().split("\n")
    lines.insert(before - 1, text)
    path.write_text("\n".join(lines))


def replace_with_fifo(root: Path, file: str) -> None:
    (root / file).unlink()
    os.mkfifo(root / file)


def link(root: Path, file: str, target: str | Path) -> None:
    (root / file).unlink(missing_ok=True)
    (root / file).symlink_to(target)


@dataclass
class Case:
    id: str
    setup: Callable[[Path], object]  # breaks the copy (cwd is the copy's root)
    code: int
    message: str  # a whole line of the output, or its start
    argv: tuple[str, ...] = ()  # after `validate`
    build_message: str | None = None  # what sound_project (every build) stops with, when it must


OUTSIDE = "/tmp/iamdocs-hostile-outside.json"  # written by the fixture below

CASES = [
    # --- files among policies/ that are not plain files of the project
    Case("fifo-policy", lambda r: os.mkfifo(r / "policies/x.json"), 1,
         "policies/x.json:1:1: E001 error: is not a regular file (a FIFO, device or socket); "
         "iamdocs reads only regular files",
         build_message="policies/x.json: is not a regular file (a FIFO, device or socket); iamdocs reads only "
                       "regular files (run: iamdocs validate)"),
    Case("fifo-replaces-policy", lambda r: replace_with_fifo(r, "policies/session-manager.json"), 1,
         "policies/session-manager.json:1:1: E001 error: is not a regular file (a FIFO, device or socket); "
         "iamdocs reads only regular files"),
    Case("link-loop", lambda r: (link(r, "policies/a.json", "b.json"), link(r, "policies/b.json", "a.json")), 1,
         "policies/a.json:1:1: E001 error: is a symbolic link that loops back on itself",
         build_message="policies/a.json: is a symbolic link that loops back on itself (run: iamdocs validate)"),
    Case("link-to-itself", lambda r: link(r, "policies/self.json", "self.json"), 1,
         "policies/self.json:1:1: E001 error: is a symbolic link that loops back on itself"),
    Case("link-out-of-project", lambda r: link(r, "policies/evil.json", OUTSIDE), 1,
         f"policies/evil.json:1:1: E001 error: is a symbolic link to {OUTSIDE}, outside the project; "
         "iamdocs does not follow links out of the project",
         build_message=f"policies/evil.json: is a symbolic link to {OUTSIDE}, outside the project; iamdocs does "
                       "not follow links out of the project (run: iamdocs validate)"),
    Case("link-to-fifo-in-project", lambda r: (os.mkfifo(r / "pipe"), link(r, "policies/p.json", r / "pipe")), 1,
         "policies/p.json:1:1: E001 error: is not a regular file (a FIFO, device or socket); "
         "iamdocs reads only regular files"),
    Case("link-to-dev-zero", lambda r: link(r, "policies/zero.json", "/dev/zero"), 1,
         "policies/zero.json:1:1: E001 error: is a symbolic link to /dev/zero, outside the project; "
         "iamdocs does not follow links out of the project"),
    Case("dangling-link", lambda r: link(r, "policies/gone.json", "nowhere.json"), 1,
         "policies/gone.json:1:1: E001 error: is a symbolic link to nowhere.json, which does not exist"),
    Case("folder-named-json", lambda r: (r / "policies/dir.json").mkdir(), 1,
         "policies/dir.json:1:1: E001 error: is a folder, not a file"),
    Case("non-utf8-file-name", lambda r: (r / os.fsdecode(b"policies/bad\xff.json")).write_bytes(
         (r / "policies/session-manager.json").read_bytes()), 1,
         "policies/bad\\udcff.json:1:1: E053 error: bad\\udcff.json has no entry under policies in catalog.yaml"),
    Case("catalog-fifo", lambda r: replace_with_fifo(r, CAT), 1,
         "policies/catalog.yaml:1:1: E090 error: is not a regular file (a FIFO, device or socket); "
         "iamdocs reads only regular files",
         build_message="policies/catalog.yaml: is not a regular file (a FIFO, device or socket); iamdocs reads "
                       "only regular files (run: iamdocs validate)"),
    Case("catalog-link-out", lambda r: link(r, CAT, OUTSIDE), 1,
         f"policies/catalog.yaml:1:1: E090 error: is a symbolic link to {OUTSIDE}, outside the project; "
         "iamdocs does not follow links out of the project"),
    Case("catalog-link-loop", lambda r: link(r, CAT, "catalog.yaml"), 1,
         "policies/catalog.yaml:1:1: E090 error: is a symbolic link that loops back on itself"),
    Case("schema-fifo", lambda r: replace_with_fifo(r, "policies/schema/catalog.schema.json"), 1,
         "policies/catalog.yaml:1:1: E090 error: cannot read the catalog schema "),
    # --- characters YAML refuses, and bytes that are no UTF-8
    Case("nul-in-catalog", lambda r: set_line(r, 7, "product: Teradata\x00 AI"), 1,
         "policies/catalog.yaml:7:18: E090 error: the character U+0000 is not allowed in YAML (control characters "
         "other than tab and line breaks); remove it",
         build_message="policies/catalog.yaml:7:18: the character U+0000 is not allowed in YAML (control "
                       "characters other than tab and line breaks); remove it (run: iamdocs validate)"),
    Case("form-feed-in-catalog", lambda r: set_line(r, 29, "  manager:\x0c"), 1,
         "policies/catalog.yaml:29:11: E090 error: the character U+000C is not allowed in YAML"),
    Case("escape-in-catalog", lambda r: set_line(r, 7, "product: \x1b[2J"), 1,
         "policies/catalog.yaml:7:10: E090 error: the character U+001B is not allowed in YAML"),
    Case("control-past-first-chunk", lambda r: set_line(r, LAST_DATE, "  - date: 2025-04-03\x07"), 1,
         f"policies/catalog.yaml:{LAST_DATE}:21: E090 error: the character U+0007 is not allowed in YAML"),
    Case("latin1-byte-in-catalog", lambda r: set_line(r, 7, b"product: Caf\xe9"), 1,
         "policies/catalog.yaml:7:13: E090 error: not valid UTF-8 (byte 0xe9)"),
    # --- dates
    Case("month-13", lambda r: set_line(r, FIRST_DATE, "  - date: 2024-13-45"), 1,
         f'policies/catalog.yaml:{FIRST_DATE}:11: E060 error: history date "2024-13-45" is not a calendar date'),
    Case("february-30", lambda r: set_line(r, FIRST_DATE, "  - date: 2023-02-30"), 1,
         f'policies/catalog.yaml:{FIRST_DATE}:11: E060 error: history date "2023-02-30" is not a calendar date'),
    Case("short-date", lambda r: set_line(r, FIRST_DATE, "  - date: 2023-1-4"), 1,
         f"policies/catalog.yaml:{FIRST_DATE}:11: E090 error: history/0/date: '2023-1-4' does not match "
         "'^[0-9]{4}-[0-9]{2}-[0-9]{2}\\\\Z'"),
    Case("date-time", lambda r: set_line(r, FIRST_DATE, "  - date: 2023-11-14T10:00:00Z"), 1,
         f"policies/catalog.yaml:{FIRST_DATE}:11: E090 error: history/0/date: '2023-11-14T10:00:00Z' does not match"),
    # --- duplicate keys, silently last-wins in YAML
    Case("product-twice", lambda r: insert_line(r, 8, "product: Someone else"), 1,
         "policies/catalog.yaml:8:1: E090 error: duplicate key 'product', first given at line 7, column 1; "
         "tools keep the first, keep the last or refuse the file, so remove one",
         build_message="policies/catalog.yaml:8:1: duplicate key 'product', first given at line 7, column 1; "
                       "tools keep the first, keep the last or refuse the file, so remove one (run: iamdocs validate)"),
    Case("policy-entry-twice", lambda r: insert_line(r, 100, "  ai-unlimited-engine.json:\n    title: Again"), 1,
         "policies/catalog.yaml:100:3: E090 error: duplicate key 'ai-unlimited-engine.json', first given at line "
         "75, column 3; tools keep the first, keep the last or refuse the file, so remove one"),
    Case("statement-twice", lambda r: insert_line(r, 97, "      SessionManagerAgent: Said twice, to see it fail."), 1,
         "policies/catalog.yaml:97:7: E090 error: duplicate key 'SessionManagerAgent', first given at line 95, "
         "column 7"),
    # --- former names that would publish the wrong file
    Case("former-name-is-current-name", lambda r: set_line(r, 93, "    former_names: [ai-unlimited-engine.json]"), 1,
         "policies/catalog.yaml:93:20: E090 error: former name ai-unlimited-engine.json of session-manager.json is "
         "the name of another policy now; its download would serve session-manager.json instead, so remove it "
         "from former_names",
         build_message="policies/catalog.yaml:93:20: former name ai-unlimited-engine.json of session-manager.json "
                       "is the name of another policy now; its download would serve session-manager.json "
                       "instead, so remove it from former_names (run: iamdocs validate)"),
    Case("former-name-claimed-twice", lambda r: set_line(r, 81, "    former_names: [workspaces.json]"), 1,
         "policies/catalog.yaml:81:20: E090 error: former name workspaces.json is claimed by both "
         "ai-unlimited-workspaces.json and ai-unlimited-engine.json; one download cannot serve both"),
    Case("former-name-is-a-file", lambda r: (set_line(r, 93, "    former_names: [spare.json]"),
                                             (r / "policies/spare.json").write_text("{}\n")), 1,
         "policies/catalog.yaml:93:20: E090 error: former name spare.json of session-manager.json is the name of "
         "another policy now"),
    # --- names with control characters: `$` matched before a final newline
    Case("policy-name-newline", lambda r: set_line(r, 87, '  "session-manager.json\\n":'), 1,
         "policies/catalog.yaml:46:3: E090 error: policies: 'session-manager.json\\n' does not match "
         "'^[a-z0-9][a-z0-9-]*\\\\.json\\\\Z'",
         build_message="policies/catalog.yaml:46:3: policies: 'session-manager.json\\n' does not match "
                       "'^[a-z0-9][a-z0-9-]*\\\\.json\\\\Z' (run: iamdocs validate)"),
    Case("former-name-newline", lambda r: set_line(r, 52, '    former_names: ["workspaces.json\\n"]'), 1,
         "policies/catalog.yaml:52:20: E090 error: policies/ai-unlimited-workspaces.json/former_names/0: "
         "'workspaces.json\\n' does not match '^[a-z0-9][a-z0-9-]*\\\\.json\\\\Z'"),
    Case("role-id-newline", lambda r: set_line(r, 37, '  "engine\\n":'), 1,
         "policies/catalog.yaml:29:3: E090 error: roles: 'engine\\n' does not match '^[a-z][a-z0-9-]*\\\\Z'"),
    Case("placeholder-name-newline", lambda r: set_line(r, 16, '  "ACCOUNT_ID\\n":'), 1,
         "policies/catalog.yaml:12:3: E090 error: placeholders: 'ACCOUNT_ID\\n' does not match "
         "'^[A-Z][A-Z0-9_]*\\\\Z'"),
    Case("service-newline", lambda r: set_line(r, 35, '    trusted_services: ["ec2.amazonaws.com\\n"]'), 1,
         "policies/catalog.yaml:35:24: E090 error: roles/manager/trusted_services/0: 'ec2.amazonaws.com\\n' "
         "does not match"),
    # --- a placeholder pattern that is no regular expression
    Case("invalid-regex", lambda r: set_line(r, 19, "    pattern: '^[0-9{12}$'"), 1,
         "policies/catalog.yaml:19:14: E090 error: placeholders/ACCOUNT_ID/pattern: '^[0-9{12}$' is not a 'regex'",
         build_message="policies/catalog.yaml:19:14: placeholders/ACCOUNT_ID/pattern: '^[0-9{12}$' is not a "
                       "'regex' (run: iamdocs validate)"),
    Case("unbalanced-group", lambda r: set_line(r, 15, "    pattern: '^(us|eu-[a-z]+-[0-9]$'"), 1,
         "policies/catalog.yaml:15:14: E090 error: placeholders/REGION/pattern: '^(us|eu-[a-z]+-[0-9]$' is not a "
         "'regex'"),
    # --- YAML that is not a catalog
    Case("python-tag", lambda r: set_line(r, 7, "product: !!python/object/apply:os.system ['id']"), 1,
         "policies/catalog.yaml:7:10: E090 error: unsupported YAML tag "
         "tag:yaml.org,2002:python/object/apply:os.system; iamdocs reads only mappings, lists and scalars"),
    Case("alias-bomb", lambda r: (r / CAT).write_text(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"), 1,
         "policies/catalog.yaml:1:1: E090 error: the catalog expands to over 100,000 values through YAML aliases"),
    Case("empty-catalog", lambda r: (r / CAT).write_text(""), 1,
         "policies/catalog.yaml:1:1: E090 error: (top level): None is not of type 'object'"),
    Case("catalog-with-bom", lambda r: (r / CAT).write_bytes(b"\xef\xbb\xbf" + (r / CAT).read_bytes()), 1,
         "policies/catalog.yaml:1:1: E090 error: starts with a byte order mark; save the file as UTF-8 without BOM",
         build_message="policies/catalog.yaml:1:1: starts with a byte order mark; save the file as UTF-8 without "
                       "BOM (run: iamdocs validate)"),
    Case("limit-of-5000-digits", lambda r: set_line(r, 24, "  managed_policy_chars: " + "9" * 5000), 1,
         "policies/catalog.yaml:24:25: E090 error: the number has too many digits (5,000 characters)"),
    # --- the command line
    Case("lone-fifo", lambda r: os.mkfifo(r / "pipe.json"), 2,
         "iamdocs validate: error: pipe.json: not a regular file or folder", argv=("pipe.json",)),
    Case("lone-dev-zero", lambda r: None, 2,
         "iamdocs validate: error: /dev/zero: not a regular file or folder", argv=("/dev/zero",)),
    Case("lone-link-loop", lambda r: (link(r, "x.json", "y.json"), link(r, "y.json", "x.json")), 1,
         "x.json:1:1: E001 error: is a symbolic link that loops back on itself", argv=("x.json",)),
    Case("project-link-loop", lambda r: link(r, "loop", "loop"), 2,
         "iamdocs validate: error: --project loop: no policies/ folder there", argv=("--project", "loop")),
    Case("fix-refuses-a-link", lambda r: (
        (r / "policies/real.json").write_text('{"Version": "2012-10-17", "Statement": []}'),
        link(r, "policies/session-manager.json", "real.json")), 1,
         "policies/session-manager.json: not rewritten: is a symbolic link; iamdocs writes only regular files",
         argv=("--fix",)),
]


@pytest.fixture(autouse=True)
def _outside_file() -> None:
    Path(OUTSIDE).write_text('{"Version": "2012-10-17", "Statement": []}\n')


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 35
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate_ends_in_one_line(case: Case, project_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(project_copy)
    case.setup(project_copy)
    code = main(["validate", *case.argv])
    out, err = capsys.readouterr()
    lines = (out + err).splitlines()
    assert code == case.code, out + err
    assert any(line.startswith(case.message) for line in lines), out + err
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("case", [c for c in CASES if c.build_message], ids=lambda c: c.id)
def test_every_build_stops_with_the_same_line(case: Case, project_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sound_project is what the hooks and the macros load the project with, on every build."""
    monkeypatch.chdir(project_copy)
    case.setup(project_copy)
    with pytest.raises(PluginError) as exc:
        sound_project(project_copy)
    assert str(exc.value) == case.build_message


def test_fix_with_project_from_another_folder_rewrites_the_project_file(
        project_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """--fix used to write to the path as reported (relative to the project's parent), from the current folder."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "proj" / "policies").mkdir(parents=True)  # the path a wrong write would land on
    monkeypatch.chdir(elsewhere)
    policy = project_copy / "policies" / "session-manager.json"
    canonical = policy.read_text()
    policy.write_text(canonical.replace("  ", "    "))  # 4-space indent: not canonical

    code = main(["validate", "--fix", "--project", str(project_copy), "--select", "W070"])

    err = capsys.readouterr().err
    assert code == 0, err
    assert "proj/policies/session-manager.json: rewritten in canonical form" in err
    assert policy.read_text() == canonical
    assert list((elsewhere / "proj" / "policies").iterdir()) == []


def test_a_build_with_a_link_loop_and_a_non_utf8_name_prints_one_line(project_copy: Path) -> None:
    """A real build: mkdocs prints the loader's line, no traceback, and writes no site."""
    link(project_copy, "policies/a.json", "b.json")
    link(project_copy, "policies/b.json", "a.json")
    (project_copy / os.fsdecode(b"policies/bad\xff.json")).write_text("{}")
    site_copy(project_copy)
    result = build(project_copy)
    assert result.returncode == 1
    assert ("ERROR   -  policies/a.json: is a symbolic link that loops back on itself (run: iamdocs validate)"
            in result.stderr)
    assert "Traceback" not in result.stderr
    assert not (project_copy / "site" / "index.html").exists()


def test_a_build_with_a_fifo_in_policies_does_not_hang(project_copy: Path) -> None:
    os.mkfifo(project_copy / "policies" / "x.json")
    site_copy(project_copy)
    result = build(project_copy)
    assert result.returncode == 1
    assert ("ERROR   -  policies/x.json: is not a regular file (a FIFO, device or socket); iamdocs reads only "
            "regular files (run: iamdocs validate)") in result.stderr
    assert "Traceback" not in result.stderr


def test_a_build_with_a_fifo_in_docs_does_not_hang(project_copy: Path) -> None:
    """The pasted-policy check reads every text file of docs/; a FIFO there would block it forever."""
    site_copy(project_copy)
    os.mkfifo(project_copy / "docs" / "notes.txt")
    result = build(project_copy)
    assert result.returncode == 1
    assert ("ERROR   -  docs/notes.txt: is not a regular file (a FIFO, device or socket); remove it from docs/"
            in result.stderr)
    assert "Traceback" not in result.stderr


def test_a_catalog_that_cannot_be_read_is_not_followed_by_warnings(
        project_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The warnings need the catalog to be accepted; without it 29 of them buried its one error."""
    monkeypatch.chdir(project_copy)
    (project_copy / CAT).write_bytes(b"\xef\xbb\xbf" + (project_copy / CAT).read_bytes())
    code = main(["validate"])
    out, err = capsys.readouterr()
    assert code == 1
    assert (out + err).splitlines() == [
        "policies/catalog.yaml:1:1: E090 error: starts with a byte order mark; save the file as UTF-8 without BOM",
        "4 files checked: 1 error"]


def test_a_build_before_mermaid_was_fetched_names_the_file(project_copy: Path) -> None:
    """A fresh clone: the hook's own message raised ValueError (relative_to a root of '') instead."""
    site_copy(project_copy)
    (project_copy / "docs/javascripts/vendor/mermaid.min.js").unlink(missing_ok=True)
    result = subprocess.run([str(MKDOCS), "build", "--strict", "-f", "mkdocs.yml", "-d", "site"],
                            cwd=project_copy, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
                            capture_output=True, text=True, timeout=120)  # `-f mkdocs.yml`: a root of ''
    assert result.returncode == 1
    assert ("ERROR   -  docs/javascripts/vendor/mermaid.min.js is missing and a page has a diagram; "
            "`make site` fetches the pinned Mermaid package") in result.stderr
    assert "Traceback" not in result.stderr
