"""The GitHub Action's check step (action.yml): `python -m iamdocs.action`.

GitHub hands the inputs over as environment variables (INPUT_TEMPLATES, INPUT_POLICIES,
INPUT_PROJECT), never pasted into a script. Each input is a list of paths or globs, one a
line, so a file name may hold blanks. Each iamdocs command gets the files after `--`, so
a name that starts with `-` is a file, not an option. Everything printed to the log is
either a workflow command this module or iamdocs wrote with every part escaped, or plain
text inside a stop-commands block: no file name and no line of a template can become a
command. The job summary gets each check's result and sync's diff.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from iamdocs.output import github_log, workflow_command


@dataclass
class Check:
    """One iamdocs command the action runs, and what it said."""

    title: str
    argv: list[str]
    code: int = 0
    stdout: str = ""
    stderr: str = ""


def patterns(value: str) -> list[str]:
    """An input's paths or globs: one a line, blanks around it ignored, empty lines skipped."""
    return [line.strip() for line in value.splitlines() if line.strip()]


def expand(items: Sequence[str], root: Path) -> tuple[list[str], list[str]]:
    """(files, patterns that matched nothing): a name that exists is taken as written, else it is a glob (`**` too).

    The files are relative to `root` (the workspace), as annotations name them, each once, in input order.
    """
    files: list[str] = []
    missing: list[str] = []
    for item in items:
        if (root / item).is_file():
            found = [item]
        else:
            found = sorted(f for f in glob.glob(item, root_dir=root, recursive=True) if (root / f).is_file())
        if not found:
            missing.append(item)
        files.extend(found)
    return list(dict.fromkeys(files)), missing


def plan(templates: Sequence[str], copies: Sequence[str], project: str) -> list[Check]:
    """The iamdocs commands for these files: validate, drift on templates and on copies, then sync --check."""
    common = ["--project", project] if project else []
    checks = [Check("iamdocs validate", ["validate", "--format", "github", *common])]
    if templates:
        checks.append(Check(f"iamdocs drift --cloudformation ({_files(templates)})",
                            ["drift", "--format", "github", "--skip-unrelated", *common, "--cloudformation", "--",
                             *templates]))
    if copies:
        checks.append(Check(f"iamdocs drift --copies ({_files(copies)})",
                            ["drift", "--format", "github", "--skip-unrelated", *common, "--copies", "--", *copies]))
    if templates:
        checks.append(Check(f"iamdocs sync --check ({_files(templates)})",
                            ["sync", "--check", "--skip-unrelated", *common, "--cloudformation", "--", *templates]))
    return checks


def _files(names: Sequence[str]) -> str:
    return f"{len(names)} file{'s' if len(names) != 1 else ''}"


def run_check(check: Check, root: Path) -> None:
    """Run one command with this Python's iamdocs, keeping its output."""
    env = {k: v for k, v in os.environ.items() if k != "IAMDOCS_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "iamdocs", *check.argv], cwd=root, env=env, capture_output=True,
                          text=True, errors="replace")
    check.code, check.stdout, check.stderr = proc.returncode, proc.stdout, proc.stderr


def log(check: Check) -> str:
    """The check's part of the log. `--format github` output is annotations and stop-commands blocks already
    (drift puts each file in a group of its own; groups do not nest); anything else (sync's diff, error lines)
    is plain text, so it goes inside a block of its own, in a group."""
    grouped = check.argv[0] != "drift"
    out = [workflow_command("group", check.title) + "\n"] if grouped else []
    if "--format" in check.argv:
        out.append(check.stdout if check.stdout.endswith("\n") or not check.stdout else check.stdout + "\n")
    else:
        out.append(github_log(check.stdout.splitlines()))
    out.append(github_log(check.stderr.splitlines()))
    if grouped:
        out.append(workflow_command("endgroup") + "\n")
    return "".join(out)


def _fence(text: str, info: str = "") -> str:
    """A Markdown code block that no backtick run inside `text` can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}{'' if text.endswith(chr(10)) or not text else chr(10)}{fence}\n"


def summary(checks: Sequence[Check], missing: Sequence[str]) -> str:
    """The job summary: one line per check, then what sync --check would change."""
    lines = ["## iamdocs", ""]
    if missing:
        lines += ["Patterns that match no file (the check fails):", "", _fence("\n".join(missing) + "\n"), ""]
    for c in checks:
        lines.append(f"- {c.title}: {'passed' if c.code == 0 else f'failed (exit {c.code})'}")
    out = "\n".join(lines) + "\n"
    sync = next((c for c in checks if c.argv[0] == "sync"), None)
    if sync is not None and sync.code != 0:
        out += "\n### iamdocs sync --check\n\n"
        if sync.stdout:
            out += ("Run `iamdocs sync --cloudformation FILE...` (or the `iamdocs-sync` hook) to write this "
                    "change:\n\n" + _fence(sync.stdout, "diff"))
        out += "\n" + _fence(sync.stderr, "text")
    return out


def main(environ: Mapping[str, str] | None = None, root: Path | None = None) -> int:
    env = os.environ if environ is None else environ
    here = root or Path.cwd()
    templates, missing_templates = expand(patterns(env.get("INPUT_TEMPLATES", "")), here)
    copies, missing_copies = expand(patterns(env.get("INPUT_POLICIES", "")), here)
    project = env.get("INPUT_PROJECT", "").strip() or env.get("GITHUB_ACTION_PATH", "")
    missing = [f"{p}: no such file (input templates)" for p in missing_templates] + \
        [f"{p}: no such file (input policies)" for p in missing_copies]
    for item in missing:
        sys.stderr.write(workflow_command("error", item) + "\n")
    checks = plan(templates, copies, project)
    for check in checks:
        run_check(check, here)
        sys.stdout.write(log(check))
        sys.stdout.flush()
    if env.get("GITHUB_STEP_SUMMARY"):
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as f:
            f.write(summary(checks, missing))
    return 1 if missing or any(c.code != 0 for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
