"""Step 4: attach the managed policies and put the inline policies, as each option says."""

from __future__ import annotations

from iamdocs.sandbox.run import Run
from iamdocs.sandbox.steps.common import dumps, filled, policy_name, role_name, setups

NAME = "role-policies"
TITLE = "attach managed policies and put inline policies"


def run(r: Run) -> int:
    count = 0
    for option_id, role_id, setup in setups(r):
        name = role_name(r, option_id, role_id)
        expected = r.roles[name]
        for f in setup.managed:
            arn = r.managed_arns[f]
            r.call("iam", "attach_role_policy", RoleName=name, PolicyArn=arn)
            r.created("attachment", f"{name}|{arn}", role=name, policy_arn=arn)
            expected.managed[arn] = f"policies/{f}"
            count += 1
        for f in setup.inline:
            doc = filled(r, f)
            pname = policy_name(f)
            r.call("iam", "put_role_policy", RoleName=name, PolicyName=pname, PolicyDocument=dumps(doc))
            r.created("inline-policy", f"{name}|{pname}", role=name, policy_name=pname)
            expected.inline[pname] = (f"policies/{f}", doc)
            count += 1
    return count
