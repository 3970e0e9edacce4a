"""Step 3: the roles of every selected option, with their trust policy and boundary."""

from __future__ import annotations

from iamdocs.sandbox.run import ExpectedRole, Run
from iamdocs.sandbox.steps.common import dumps, role_name, setups

NAME = "roles"
TITLE = "create the roles with their trust policies and boundaries"


def run(r: Run) -> int:
    catalog = r.project.catalog
    count = 0
    for option_id, role_id, setup in setups(r):
        role = catalog.roles[role_id]
        name = role_name(r, option_id, role_id)
        trust = role.trust_policy()
        boundary = r.boundary_arns[f"{option_id}/{role_id}"] if setup.permissions_boundary else None
        kwargs = {"PermissionsBoundary": boundary} if boundary else {}
        r.call("iam", "create_role", RoleName=name, AssumeRolePolicyDocument=dumps(trust), Tags=r.naming.tags,
               Description=f"iamdocs sandbox run {r.naming.run_id}: option {option_id}, {role.title}", **kwargs)
        r.created("role", name, option=option_id, role=role_id)
        r.roles[name] = ExpectedRole(name, f"option {option_id}, {role_id} role", trust, boundary_arn=boundary)
        count += 1
    return count
