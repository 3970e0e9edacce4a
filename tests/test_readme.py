"""The README is the front door: its two commands and its CLI reference must stay true."""

from __future__ import annotations

import re

from iamdocs.clidoc import END, START, render


def test_readme_opens_with_exactly_the_two_commands(root):
    text = (root / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", text, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["make site", "make test"]
    assert text.index(first_block.group(0)) < text.index("\n## ")


def test_ci_runs_the_readme_test_command(root):
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M)


def test_cli_reference_in_readme_is_current(root):
    text = (root / "README.md").read_text(encoding="utf-8")
    block = text[text.index(START): text.index(END) + len(END)]
    assert block == render(), "run `make readme`"


def test_every_subcommand_is_documented(root, cli):
    text = (root / "README.md").read_text(encoding="utf-8")
    result = cli("--help")
    assert result.returncode == 0
    names = re.findall(r"^    (\w+)\s", result.stdout, re.M)
    assert "validate" in names
    for name in names:
        assert f"### `iamdocs {name}`" in text
