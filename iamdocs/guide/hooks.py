"""mkdocs hooks of the guide (listed under `hooks:` in mkdocs.yml).

on_files publishes what the loader knows: a reference page per policy, every
policy at a stable download URL (also under its former names), the trust policies,
the generated CloudFormation template and the fill-in form's data; then it builds
the navigation from the pages that exist. It also refuses policy documents pasted
into docs/: pages must show policies through the macros.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.utils.meta import get_data

from iamdocs.guide import generated
from iamdocs.guide.nav import build_nav
from iamdocs.guide.project import sound_project

log = get_plugin_logger(__name__)

PASTED_POLICY = re.compile(r'"Version"\s*:\s*"2012-10-17"')
TEXT_SUFFIXES = {".md", ".html", ".js", ".css", ".yml", ".yaml", ".json", ".txt"}


def pasted_policies(path: Path, text: str) -> list[int]:
    """Line numbers where a policy document seems to be pasted into a source file."""
    return [text.count("\n", 0, m.start()) + 1 for m in PASTED_POLICY.finditer(text)]


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Refuse pasted policies, then add what the loader knows and build the navigation from every page."""
    root = Path(config.config_file_path).parent
    project = sound_project(root)
    docs_dir = Path(config.docs_dir)
    for f in files:
        if (f.generated_by is None and f.abs_src_path and Path(f.abs_src_path).suffix in TEXT_SUFFIXES
                and not f.src_uri.startswith("javascripts/vendor/")):
            for line in pasted_policies(Path(f.abs_src_path), Path(f.abs_src_path).read_text(encoding="utf-8")):
                log.warning(
                    f"{Path(f.abs_src_path).relative_to(docs_dir.parent)}:{line}: a policy document is pasted "
                    "here; show it with {{ policy_json(\"<file>.json\") }} instead, so it cannot drift from policies/"
                )
    mermaid = docs_dir / "javascripts" / "vendor" / "mermaid.min.js"
    if not mermaid.is_file() and any("```mermaid" in f.content_string for f in files.documentation_pages()):
        raise PluginError(f"{mermaid.relative_to(root)} is missing and a page has a diagram; "
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
