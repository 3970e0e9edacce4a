"""Step 2: a permissions boundary policy for each role that its option puts inside one.

The product names no boundary document: customers bring their own. The sandbox
uses the role's own policies as its boundary, so that the boundary is in place
(and on a real account the simulator still sees every documented action allowed).
"""

from __future__ import annotations

from iamdocs.sandbox.naming import POLICY_NAME_MAX
from iamdocs.sandbox.run import ExpectedPolicy, Run
from iamdocs.sandbox.steps.common import dumps, merged, setups
from iamdocs.sandbox.steps.stacks import boundary_files_for_stacks

NAME = "boundaries"
TITLE = "create the permissions boundary policies"


def _create(r: Run, key: str, name_parts: tuple[str, ...], files: list[str]) -> None:
    label = f"boundary for {key}"
    doc = merged(r, files, label)
    name = r.naming.name(*name_parts, limit=POLICY_NAME_MAX)
    resp = r.call("iam", "create_policy", PolicyName=name, PolicyDocument=dumps(doc), Tags=r.naming.tags,
                  Description=f"iamdocs sandbox run {r.naming.run_id}: {label}")
    arn = resp["Policy"]["Arn"]
    r.created("policy", arn, name=name, source=label)
    r.boundary_arns[key] = arn
    r.policies[arn] = ExpectedPolicy(arn, name, label, doc)


def run(r: Run) -> int:

    count = 0
    for option_id, role_id, setup in setups(r):
        if setup.permissions_boundary:
            _create(r, f"{option_id}/{role_id}", (option_id, role_id, "boundary"), setup.policies)
            count += 1
    for combo, files in boundary_files_for_stacks(r).items():
        _create(r, f"stack/{combo}", (combo, "boundary"), files)
        count += 1
    return count
