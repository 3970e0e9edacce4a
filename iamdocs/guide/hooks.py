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

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from iamdocs.guide import generated
from iamdocs.guide.guards import pasted_iam_json
from iamdocs.guide.nav import build_nav
from iamdocs.guide.preview import policy_findings, with_banner
from iamdocs.guide.project import sound_project

log = get_plugin_logger(__name__)

TEXT_SUFFIXES = {".md", ".html", ".js", ".css", ".yml", ".yaml", ".json", ".txt"}


def pasted_policies(path: Path, text: str) -> list[int]:
    """Line numbers where policy JSON (a document, a statement, an "Action" list) is pasted into a file."""
    return [line for line, _ in pasted_iam_json(text)]


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
    docs_dir = Path(config.docs_dir)
    problems = []
    for f in files:
        if (f.generated_by is None and f.abs_src_path and Path(f.abs_src_path).suffix in TEXT_SUFFIXES
                and Path(f.abs_src_path).is_relative_to(docs_dir)  # not the theme's own files
                and not f.src_uri.startswith("javascripts/vendor/")):
            shown = Path(f.abs_src_path).relative_to(docs_dir.parent)
            if not Path(f.abs_src_path).is_file():  # a FIFO would block the build here forever
                problems.append(f"{shown}: is not a regular file (a FIFO, device or socket); remove it from docs/")
                continue
            try:
                source = Path(f.abs_src_path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{shown}: cannot be read: {exc}")
                continue
            for line, what in pasted_iam_json(source):
                problems.append(
                    f"{shown}:{line}: {what} is pasted here; show "
                    "policies with {{ policy_json(\"<file>.json\") }} instead, so they cannot drift from policies/"
                )
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
    new[generated.DATA_SCRIPT] = generated.page_data_script(project, generated.aws_regions())
    new[generated.ROLE_CHECK_DATA] = generated.role_check_data(project)
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
