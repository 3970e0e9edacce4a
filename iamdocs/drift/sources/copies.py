"""Policy JSON files that copy the canonical policies: a product repository's deployments/aws/policies/*.json.

A copy is compared with the canonical policy of its file name, or of a former name of
that policy (the product still publishes two of them under their old names); a copy by
any other name is compared with the policy it covers, as a template's documents are.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from iamdocs.drift.compare import Copy, Report, compare_copies
from iamdocs.drift.sources.gitref import renames
from iamdocs.drift.sources.site import is_identity_policy
from iamdocs.errors import UserError
from iamdocs.iamdb import IAMDatabase
from iamdocs.loader import read_policy_file
from iamdocs.model import Location, Project
from iamdocs.positions import from_node


def canonical_names(project: Project) -> dict[str, str]:
    """File name -> canonical file name: each policy's own name, its former names and the history's renames."""
    return {**renames(project), **{f.name: f.name for f in project.files}}


def copy_report(path: Path, project: Project, db: IAMDatabase) -> Report:
    """The drift report of one copy. A file that is not JSON is bad input (exit 2, at its line and column);
    JSON that is no identity policy (no Statement, or a trust policy) is nothing to compare."""
    pf = read_policy_file(path)
    if pf.error or pf.root is None:
        where = pf.error_loc if pf.error_loc is not None else path
        raise UserError(f"{where}: {pf.error or 'not a policy document'}")
    report = Report("copies", str(path))
    doc = from_node(pf.root)
    if not is_identity_policy(doc):
        report.nothing = f"{path} is no identity policy (no Statement, or a Principal: a trust policy)"
        return report
    values: Mapping[str, str] = {}
    if project.catalog is not None:
        values = {n: p.example for n, p in project.catalog.placeholders.items()}
    names = canonical_names(project)
    forced = (names[path.name],) if path.name in names else ()
    report = compare_copies(project, [Copy(path.name, doc, Location(path, 1, 1), forced, values)], db, "copies",
                            str(path))
    if not report.documents and not report.drift:
        report.nothing = f"{path} covers no policy in policies/"
    return report
