"""Step 5: an instance profile for each role that the catalog attaches to EC2 instances."""

from __future__ import annotations

from iamdocs.sandbox.naming import INSTANCE_PROFILE_NAME_MAX
from iamdocs.sandbox.run import Run
from iamdocs.sandbox.steps.common import role_name, setups

NAME = "instance-profiles"
TITLE = "create instance profiles and add the roles"


def run(r: Run) -> int:
    catalog = r.project.catalog
    count = 0
    for option_id, role_id, _ in setups(r):
        if not catalog.roles[role_id].instance_profile:
            continue
        role = role_name(r, option_id, role_id)
        profile = r.naming.name(option_id, role_id, limit=INSTANCE_PROFILE_NAME_MAX)
        r.call("iam", "create_instance_profile", InstanceProfileName=profile, Tags=r.naming.tags)
        r.created("instance-profile", profile)
        r.call("iam", "add_role_to_instance_profile", InstanceProfileName=profile, RoleName=role)
        r.created("profile-role", f"{profile}|{role}", instance_profile=profile, role=role)
        r.roles[role].instance_profiles.append(profile)
        count += 1
    return count
