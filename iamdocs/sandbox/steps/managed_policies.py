"""Step 1: one customer managed policy per policy file that some selected option attaches."""

from __future__ import annotations

from iamdocs.sandbox.naming import POLICY_NAME_MAX
from iamdocs.sandbox.run import ExpectedPolicy, Run
from iamdocs.sandbox.steps.common import dumps, filled, policy_name, setups
from iamdocs.sandbox.steps.stacks import managed_files_for_stacks

NAME = "managed-policies"
TITLE = "create the managed policies, placeholders filled"


def files_needed(r: Run) -> list[str]:
    """Files attached as managed policies by the options, and by the stack's pre-created role."""

    wanted = {f for _, _, setup in setups(r) for f in setup.managed}
    wanted.update(managed_files_for_stacks(r))
    return sorted(wanted)


def run(r: Run) -> int:
    for f in files_needed(r):
        doc = filled(r, f)
        name = r.naming.name(policy_name(f), limit=POLICY_NAME_MAX)
        resp = r.call("iam", "create_policy", PolicyName=name, PolicyDocument=dumps(doc), Tags=r.naming.tags,
                      Description=f"iamdocs sandbox run {r.naming.run_id}: policies/{f}")
        arn = resp["Policy"]["Arn"]
        r.created("policy", arn, name=name, source=f)
        r.managed_arns[f] = arn
        r.policies[arn] = ExpectedPolicy(arn, name, f"policies/{f}", doc)
    return len(r.managed_arns)
