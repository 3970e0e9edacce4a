"""What the browser's guardrail check needs to answer as `iamdocs preflight` does, computed from policies/.

docs/javascripts/guardrail-check.js holds its own copy of the evaluator (it runs in the reader's
browser, nothing is sent anywhere); the requests it decides and the context they carry come from
here, so that both sides decide the same requests: each policy's needs (the same list `needs`
composes), its document and the places of its statements, the catalog's purposes, and the
constants of the request context.
"""

from __future__ import annotations

from typing import Any

from iamdocs import iamdb
from iamdocs.iamdb import IAMDatabase
from iamdocs.model import SoundProject
from iamdocs.preflight.inputs import AWS_MANAGED
from iamdocs.preflight.needs import ABSENT, ALWAYS, LISTED_GLOBAL, PASSED_TO, policy_needs


def browser_data(project: SoundProject, db: IAMDatabase) -> dict[str, Any]:
    keys: dict[tuple[str, ...], int] = {}
    policies = {}
    for pf in project.files:
        rows = []
        for statement, action, resource, need_keys, region in policy_needs(project, db, pf.name):
            rows.append([statement, action, resource, keys.setdefault(need_keys, len(keys)), region])
        policies[pf.name] = {
            "document": pf.document,
            "places": [[st.loc.line, st.loc.col] for st in pf.statements],
            "purposes": dict(pf.meta.statements) if pf.meta else {},
            "needs": rows,
        }
    options = {oid: {"title": o.title, "roles": {r: s.policies for r, s in o.roles.items()}}
               for oid, o in project.catalog.options.items()}
    partitions = [{"name": p.name, "regions": sorted(p.regions), "regex": p.region_regex.pattern}
                  for p in iamdb.partitions().values()]
    return {"options": options, "policies": policies, "keys": [list(k) for k in keys],
            "always": ALWAYS, "absent": sorted(ABSENT), "listedGlobal": list(LISTED_GLOBAL), "passedTo": PASSED_TO,
            "rcpServices": sorted(iamdb.rcp_services()), "partitions": partitions,
            "roles": {rid: r.title for rid, r in project.catalog.roles.items()}, "managed": AWS_MANAGED}
