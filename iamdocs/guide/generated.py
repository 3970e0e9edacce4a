"""What the hooks publish besides the pages in docs/: policy pages, downloads and page data.

Pure functions of the project, so that tests can check them without a build.
"""

from __future__ import annotations

import json
import re

from iamdocs import iamdb, placeholders
from iamdocs.cfn import template_yaml
from iamdocs.drift.sources.paste import browser_data
from iamdocs.history import versions
from iamdocs.model import SoundProject
from iamdocs.preflight.browser import browser_data as preflight_browser_data
from iamdocs.render._markdown import (
    POLICY_DOWNLOAD_DIR,
    POLICY_PAGE_DIR,
    TRUST_POLICY_DIR,
    code,
    inert,
    inert_json,
    stem,
    trust_policy_file,
)
from iamdocs.render.cloudformation import TEMPLATE_DOWNLOAD, parameter_files
from iamdocs.render.history import history_download
from iamdocs.render.policies import (
    download_link,
    former_names,
    permissions_table,
    policy_history,
    policy_json,
    policy_size,
    policy_usage,
)
from iamdocs.render.roles import SHELL_VARIABLES, trust_policy_text
from iamdocs.render.security import accepted_findings


def policy_pages(project: SoundProject) -> dict[str, str]:
    """src_uri -> Markdown of the reference page of every policy the loader knows.

    Rendered here, in Python, not through the macros plugin: the title and purpose come
    from the catalog, and catalog text must never become part of a Jinja template.
    """
    out = {}
    for pf in project.files:
        title = inert(pf.meta.title) if pf.meta else code(pf.name)
        purpose = inert(pf.meta.purpose.strip()) if pf.meta else ""
        name = pf.name
        head = json.dumps(inert(pf.meta.title if pf.meta else name), ensure_ascii=False)  # JSON is YAML
        out[f"{POLICY_PAGE_DIR}/{stem(name)}.md"] = f"""---
title: {head}
---

# {title}

{purpose}

**File:** {download_link(project, name)} (published byte for byte as in the project's `policies/` folder)

**Used by:** {policy_usage(project, name)}

## Policy document

{policy_json(project, name)}
## Permissions

{permissions_table(project, name)}
## Size

{policy_size(project, name)}
## Former names

{former_names(project, name)}
## History

{policy_history(project, name)}
## Security findings

{accepted_findings(project, name)}"""
    return out


def downloads(project: SoundProject) -> dict[str, bytes]:
    """site path -> bytes of every file offered for download, straight from the loader."""
    out: dict[str, bytes] = {}
    for pf in project.files:
        out[f"{POLICY_DOWNLOAD_DIR}/{pf.name}"] = pf.raw
        for old in pf.meta.former_names if pf.meta else []:
            out[f"{POLICY_DOWNLOAD_DIR}/{old}"] = pf.raw
    for rid in project.catalog.roles:
        out[f"{TRUST_POLICY_DIR}/{trust_policy_file(rid)}"] = trust_policy_text(project, rid).encode()
    out[TEMPLATE_DOWNLOAD.lstrip("/")] = template_yaml(project).encode()
    out.update({path: body.encode() for path, body in parameter_files(project).items()})
    out.update(history_downloads(project))
    return out


def history_downloads(project: SoundProject) -> dict[str, bytes]:
    """site path -> bytes of every policy as it was after each dated history entry, from the one replay.

    Published under the name the file had on that date, and under today's name when that differs.
    """

    out: dict[str, bytes] = {}
    for date, files in versions(project, iamdb.load()).items():
        for now, (then, body) in files.items():
            for name in {now, then}:
                out[history_download(date, name).lstrip("/")] = body.encode()
    return out


def page_data(project: SoundProject, regions: list[str]) -> dict:
    """What the fill-in form needs in the browser: the fields, the values that follow from them (the partition
    of the Region), and the downloads that have placeholders."""
    names = list(project.catalog.placeholders)
    fields = []
    derived = {}
    for name, ph in project.catalog.placeholders.items():
        if name in placeholders.DERIVED:  # the partition: the form fills it in from the Region
            derived[name] = {"from": placeholders.DERIVED[name], "description": ph.description,
                             "values": {r: iamdb.partition_of(r) or ph.example for r in regions}}
            continue
        pattern = re.compile(ph.pattern)
        field: dict = {"name": name, "label": _label(name), "description": ph.description,
                       "example": ph.example, "pattern": ph.pattern}
        if name == "REGION":
            field["choices"] = [r for r in regions if pattern.match(r)]
        fields.append(field)
    sources = {}
    dated = set(history_downloads(project))  # earlier versions are offered as they were, never filled in
    for path, raw in downloads(project).items():
        if path in dated:
            continue
        text = raw.decode("utf-8", errors="replace")
        if any(n in names for n in placeholders.find(text)):
            sources[path] = text

    fields.append({"name": "BOUNDARY_POLICY_NAME", "label": "Boundary policy name", "optional": True,
                   "description": "The name of the permissions boundary policy your organization requires.",
                   "example": "my-boundary", "pattern": r"^[A-Za-z0-9+=,.@_-]{1,128}$"})
    # The AWS CLI blocks set these shell variables on their first lines; the form puts the reader's value
    # in place of the command that would look it up.
    variables = [{"name": n, "default": v} for n, v in SHELL_VARIABLES.items()]
    return {"fields": fields, "derived": derived, "sources": sources, "variables": variables}


def page_data_script(project: SoundProject, regions: list[str]) -> str:
    """The form's data as a script the pages load, so that filling in needs no request."""
    return "window.iamdocsData = " + inert_json(page_data(project, regions), indent=1, sort_keys=True) + ";\n"


def _label(name: str) -> str:
    return " ".join("ID" if w == "ID" else w.capitalize() for w in name.split("_"))


def aws_regions() -> list[str]:
    """Region names of the partitions the guide covers (aws, aws-us-gov, aws-cn), from the one reader of
    botocore's partitions file."""
    found = iamdb.partitions()
    return sorted(r for p in iamdb.GUIDE_PARTITIONS if p in found for r in found[p].regions)


def role_check_data(project: SoundProject) -> str:
    """The browser role check's data (iamdocs/drift/sources/paste.py): needed grants, options, action names."""
    # In the catalog's order (not sorted): the page lists the options as the guide does.
    return inert_json(browser_data(project, iamdb.load()), separators=(",", ":")) + "\n"


def guardrail_check_data(project: SoundProject) -> str:
    """The browser guardrail check's data (iamdocs/preflight/browser.py): each policy's requests and documents."""
    return inert_json(preflight_browser_data(project, iamdb.load()), separators=(",", ":")) + "\n"
