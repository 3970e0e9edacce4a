"""mkdocs hooks of the guide (listed under `hooks:` in mkdocs.yml).

on_files publishes what the loader knows: a reference page per policy, every
policy at a stable download URL (also under its former names), the trust policies,
the generated CloudFormation template and the fill-in form's data; then it builds
the navigation from the pages that exist. It also refuses policy JSON pasted into
docs/ (pages must show policies through the macros). Under `mkdocs serve` (make serve)
every page shows the lint findings of the policies and pages instead (iamdocs/guide/preview.py).
The macros and the checks of each page's macros are in iamdocs/guide/macros.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from iamdocs.drift.sources.site import DATA_SCRIPT, GUARDRAIL_CHECK_DATA, ROLE_CHECK_DATA
from iamdocs.guide import generated, guards
from iamdocs.guide.nav import build_nav
from iamdocs.guide.preview import policy_findings, with_banner
from iamdocs.guide.project import sound_project, validate_errors

log = get_plugin_logger(__name__)

TEXT_SUFFIXES = {".md", ".markdown", ".html", ".htm", ".xhtml", ".js", ".mjs", ".css", ".yml", ".yaml", ".json",
                 ".txt", ".csv", ".tsv", ".svg", ".xml"}
# What cannot hold a pasted policy as text; any other file of docs/ is read if it is UTF-8.
BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".avif", ".woff", ".woff2", ".ttf", ".otf",
                   ".eot", ".pdf", ".zip", ".gz", ".mp4", ".webm"}


def pasted_policies(path: Path, text: str, canonical: Mapping[str, frozenset[str]] | None = None) -> list[int]:
    """Line numbers where a policy (a document, a statement, an "Action" list, in any shape) is pasted into a file."""
    return [line for line, _ in guards.pasted_policies(text, canonical or {})]


def _fail(problems: list[str]) -> None:
    """One line per problem, then stop the build (the last line is the error mkdocs prints)."""
    if problems:
        for problem in problems[:-1]:
            log.error(problem)
        raise PluginError(problems[-1])


# `mkdocs serve` (make serve): the pages show the lint findings of the policies and pages in a banner, and a
# page finding does not stop the preview. Set by on_startup; a build (make site) never shows them.
_preview: dict[str, object] = {"serving": False, "lines": []}


def on_startup(*, command: str, dirty: bool) -> None:
    _preview["serving"] = command == "serve"


def on_post_page(output: str, *, page: Page, config: MkDocsConfig) -> str:
    if not _preview["serving"]:
        return output
    lines = _preview["lines"]
    return with_banner(output, lines if isinstance(lines, list) else [])


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Refuse pasted policy JSON, then add what the loader knows and build the navigation from every page."""
    root = Path(config.config_file_path).parent
    project = sound_project(root)
    if not _preview["serving"]:  # the preview shows them in its banner instead (below)
        _fail([f"{line} (run: iamdocs validate)" for line in validate_errors(root)])
    docs_dir = Path(config.docs_dir)
    problems = []
    canonical = guards.canonical_actions(project.files)
    for f in files:
        suffix = Path(f.abs_src_path or "").suffix.lower()  # `.JSON` and `.htm` are text too; vendor/ is read too
        if (f.generated_by is None and f.abs_src_path and suffix not in BINARY_SUFFIXES
                and Path(f.abs_src_path).is_relative_to(docs_dir)):  # not the theme's own files
            shown = Path(f.abs_src_path).relative_to(docs_dir.parent)
            if not Path(f.abs_src_path).is_file():  # a FIFO would block the build here forever
                problems.append(f"{shown}: is not a regular file (a FIFO, device or socket); remove it from docs/")
                continue
            try:
                source = Path(f.abs_src_path).read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                if suffix in TEXT_SUFFIXES:
                    problems.append(f"{shown}: cannot be read: {exc}")
                continue  # a binary file under a name of its own
            except OSError as exc:
                problems.append(f"{shown}: cannot be read: {exc}")
                continue
            problems += [f"{shown}:{line}: {problem}" for line, problem in guards.pasted_policies(source, canonical)]
    if _preview["serving"]:
        for problem in problems:
            log.warning(problem)
        _preview["lines"] = [*policy_findings(root), *problems]
    else:
        _fail(problems)
    mermaid = docs_dir / "javascripts" / "vendor" / "mermaid.min.js"
    if not mermaid.is_file() and any("```mermaid" in f.content_string for f in files.documentation_pages()):
        raise PluginError(f"{mermaid.relative_to(docs_dir.parent)} is missing and a page has a diagram; "
                          "`make site` fetches the pinned Mermaid package")
    new: dict[str, str | bytes] = {}
    new.update(generated.policy_pages(project))
    new.update(generated.downloads(project))
    new[DATA_SCRIPT] = generated.page_data_script(project, generated.aws_regions())
    new[ROLE_CHECK_DATA] = generated.role_check_data(project)
    new[GUARDRAIL_CHECK_DATA] = generated.guardrail_check_data(project)
    for src_uri, content in new.items():
        if files.get_file_from_path(src_uri) is not None:
            raise PluginError(f"docs/{src_uri} clashes with a file the guide generates from policies/; remove it")
        files.append(File.generated(config, src_uri, content=content))
    pages = {f.src_uri: _front_matter(f) for f in files.documentation_pages()}
    try:
        config.nav = build_nav(pages)
    except ValueError as exc:
        raise PluginError(str(exc)) from None
    return files


def _front_matter(f: File) -> dict:
    _, meta = get_data(f.content_string)
    return meta
