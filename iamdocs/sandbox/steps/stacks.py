"""Step 6: cfn-lint the generated manager template, then deploy it once per parameter combination.

Each combination is one way a customer can fill the template's IAM parameters.
After a stack is created, the role and instance profile it made are read back
into the run's expectations (verify compares them) and tagged with the run's
tags, so that a sweep finds them even if an emulator's stack deletion leaves
them behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iamdocs.cfn.lint import errors as lint_errors
from iamdocs.cfn.lint import lint_template
from iamdocs.cfn.template import PROFILE_ID, ROLE_ID, capabilities, template_yaml
from iamdocs.sandbox.naming import STACK_NAME_MAX
from iamdocs.sandbox.report import FAILED, NOT_RUN, PASSED, Check
from iamdocs.sandbox.run import ExpectedRole, Run
from iamdocs.sandbox.steps.common import dumps, filled, policy_name

NAME = "stacks"
TITLE = "lint the CloudFormation template and deploy it per parameter combination"

NAMED_ROLE, BOUNDARY, EXISTING = "<new role name>", "<boundary ARN>", "<existing role>"


@dataclass(frozen=True)
class Combination:
    """One stack: its name suffix, what it shows, and its parameters (placeholders filled per run)."""

    name: str
    title: str
    parameters: dict[str, str]

    @property
    def capabilities(self) -> list[str]:
        return capabilities(self.parameters)

    @property
    def session(self) -> bool:
        return self.parameters.get("Session") == "true"


COMBINATIONS: list[Combination] = [
    Combination("new", "IamRole = New, no name: CloudFormation names the role", {"IamRole": "New"}),
    Combination("new-named", "IamRole = New with IamRoleName",
                {"IamRole": "New", "IamRoleName": NAMED_ROLE}),
    Combination("new-session", "IamRole = New, Session = true: Session Manager policy added",
                {"IamRole": "New", "Session": "true"}),
    Combination("new-boundary", "IamRole = New with IamPermissionsBoundary",
                {"IamRole": "New", "IamPermissionsBoundary": BOUNDARY}),
    Combination("existing", "IamRole = Existing: a role you created, with the manager policy attached",
                {"IamRole": "Existing", "IamRoleName": EXISTING}),
]
BY_NAME = {c.name: c for c in COMBINATIONS}


def _spec(r: Run) -> Any:
    return r.project.catalog.cloudformation


def managed_files_for_stacks(r: Run) -> list[str]:
    """The pre-created role of `existing` carries the template's inline policies as managed ones."""
    return list(_spec(r).inline_policies) if "existing" in r.stacks else []


def boundary_files_for_stacks(r: Run) -> dict[str, list[str]]:
    return {c: list(_spec(r).inline_policies) for c in r.stacks if "IamPermissionsBoundary" in BY_NAME[c].parameters}


def _lint(r: Run) -> None:
    findings = r.lint_future.result() if r.lint_future is not None else lint_template(r.project)
    errs = lint_errors(findings)
    detail = "; ".join(str(f) for f in findings) or "no findings"
    r.report.add(Check("cfn-lint", "generated manager template", FAILED if errs else PASSED, detail))
    if errs:
        raise StackError(f"cfn-lint found {len(errs)} error(s) in the generated template: {errs[0]}")


class StackError(RuntimeError):
    """A stack could not be created as documented."""


def _pre_create_existing_role(r: Run) -> str:
    """The role a customer creates before choosing IamRole = Existing: trust policy and managed policies."""
    catalog = r.project.catalog
    role = catalog.roles[_spec(r).role]
    name = r.naming.name("existing", "manager")
    trust = role.trust_policy()
    r.call("iam", "create_role", RoleName=name, AssumeRolePolicyDocument=dumps(trust), Tags=r.naming.tags,
           Description=f"iamdocs sandbox run {r.naming.run_id}: the existing role for IamRole = Existing")
    r.created("role", name, stack="existing")
    expected = ExpectedRole(name, "stack existing, pre-created manager role", trust)
    r.roles[name] = expected
    for f in managed_files_for_stacks(r):
        arn = r.managed_arns[f]
        r.call("iam", "attach_role_policy", RoleName=name, PolicyArn=arn)
        r.created("attachment", f"{name}|{arn}", role=name, policy_arn=arn)
        expected.managed[arn] = f"policies/{f}"
    return name


def _parameters(r: Run, combo: Combination, existing: str | None) -> dict[str, str]:
    fills = {NAMED_ROLE: r.naming.name("named", "manager"), EXISTING: existing or "",
             BOUNDARY: r.boundary_arns.get(f"stack/{combo.name}", "")}
    return {k: fills.get(v, v) for k, v in combo.parameters.items()}


def _wait(r: Run, stack: str, waiter: str) -> None:
    delay = 1 if r.target.is_emulator else 5
    r.target.client("cloudformation").get_waiter(waiter).wait(
        StackName=stack, WaiterConfig={"Delay": delay, "MaxAttempts": 360 // delay})


def _failure_reason(r: Run, stack: str) -> str:
    events = r.call("cloudformation", "describe_stack_events", StackName=stack).get("StackEvents", [])
    reasons = [f"{e.get('LogicalResourceId')}: {e.get('ResourceStatusReason')}" for e in events
               if "FAILED" in e.get("ResourceStatus", "") and e.get("ResourceStatusReason")]
    return "; ".join(reasons[:3]) or "no reason given"


def _deploy(r: Run, combo: Combination, body: str, existing: str | None) -> None:
    from botocore.exceptions import WaiterError  # lazy: botocore only once a sandbox runs

    params = _parameters(r, combo, existing)
    stack = r.naming.name(combo.name, limit=STACK_NAME_MAX)
    r.call("cloudformation", "create_stack", StackName=stack, TemplateBody=body, Tags=r.naming.tags,
           Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
           Capabilities=combo.capabilities)
    entry = r.created("stack", stack, combination=combo.name, parameters=params, capabilities=combo.capabilities)
    r.report.stacks.append({"combination": combo.name, "stack": stack, "parameters": params,
                            "capabilities": combo.capabilities})
    try:
        _wait(r, stack, "stack_create_complete")
    except WaiterError as exc:
        raise StackError(f"stack {stack} ({combo.name}) was not created: {_failure_reason(r, stack)}") from exc
    described = r.call("cloudformation", "describe_stacks", StackName=stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    resources = [
        {"logical": x["LogicalResourceId"], "type": x.get("ResourceType", ""), "physical": x["PhysicalResourceId"]}
        for x in r.call("cloudformation", "describe_stack_resources", StackName=stack)["StackResources"]
        if x.get("LogicalResourceId") and x.get("PhysicalResourceId")
    ]
    entry.detail["resources"] = resources
    for res in resources:  # tag what the stack made, so that sweeps can find leftovers
        if res["type"] == "AWS::IAM::Role":
            r.call("iam", "tag_role", RoleName=res["physical"], Tags=r.naming.tags)
        elif res["type"] == "AWS::IAM::InstanceProfile":
            r.call("iam", "tag_instance_profile", InstanceProfileName=res["physical"], Tags=r.naming.tags)
    _expect(r, combo, stack, params, outputs, resources, existing)


def _expect(r: Run, combo: Combination, stack: str, params: dict[str, str], outputs: dict[str, str],
            resources: list[dict[str, str]], existing: str | None) -> None:
    """Record what verify must find: the role the stack made or used, its inline policies, its profile."""
    by_logical = {x["logical"]: x["physical"] for x in resources}
    role_name = outputs.get("ManagerRoleName", "")
    profile = by_logical.get(PROFILE_ID, "")
    label = f"stack {combo.name}"
    problems = []
    if not profile:
        problems.append(f"no {PROFILE_ID} resource")
    if "IamRoleName" in params and role_name != params["IamRoleName"]:
        problems.append(f"role is {role_name!r}, IamRoleName was {params['IamRoleName']!r}")
    if existing is None and ROLE_ID not in by_logical:
        problems.append(f"no {ROLE_ID} resource although IamRole = New")
    if existing is not None and ROLE_ID in by_logical:
        problems.append(f"a {ROLE_ID} resource although IamRole = Existing")
    r.report.add(Check("stack-resources", f"{stack} ({label})", FAILED if problems else PASSED,
                       "; ".join(problems) or f"role {role_name}, instance profile {profile}"))
    if existing is not None:
        r.roles[existing].instance_profiles.append(profile)
        return
    catalog = r.project.catalog
    spec = _spec(r)
    files = list(spec.inline_policies) + (list(spec.session_policies) if combo.session else [])
    expected = ExpectedRole(role_name, label, catalog.roles[spec.role].trust_policy(),
                            boundary_arn=params.get("IamPermissionsBoundary") or None,
                            instance_profiles=[profile] if profile else [])
    for f in files:
        expected.inline[policy_name(f)] = (f"policies/{f} (in the template)", filled(r, f))
    r.roles[role_name] = expected


def run(r: Run) -> int:
    if not r.stacks:
        return 0
    _lint(r)
    body = template_yaml(r.project)
    existing = _pre_create_existing_role(r) if "existing" in r.stacks else None
    for name in r.stacks:
        combo = BY_NAME[name]
        _deploy(r, combo, body, existing if combo.parameters.get("IamRole") == "Existing" else None)
        r.progress(f"{NAME}: {combo.name} created ({', '.join(combo.capabilities)})")
    _check_capabilities(r, body, existing)
    return len(r.stacks)


def _check_capabilities(r: Run, body: str, existing: str | None) -> None:
    """On AWS: each stack with one capability less than documented must be refused before it starts."""
    if r.target.is_emulator:
        r.report.add(Check("stack-capabilities", "all stacks", NOT_RUN,
                           "the emulator does not enforce CloudFormation capabilities; the stacks were created "
                           "with exactly the capabilities the guide documents, but fewer would also pass here"))
        return
    from botocore.exceptions import ClientError  # lazy: botocore only once a sandbox runs

    for name in r.stacks:
        combo = BY_NAME[name]
        fewer = combo.capabilities[:-1]
        stack = r.naming.name(combo.name, "fewer", limit=STACK_NAME_MAX)
        params = _parameters(r, combo, existing)
        try:
            r.call("cloudformation", "create_stack", StackName=stack, TemplateBody=body, Tags=r.naming.tags,
                   Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
                   Capabilities=fewer)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            ok = code == "InsufficientCapabilitiesException"
            r.report.add(Check("stack-capabilities", f"{combo.name} with {fewer or 'no capabilities'}",
                               PASSED if ok else FAILED, f"refused: {code}"))
            continue
        r.created("stack", stack, combination=f"{combo.name} (fewer capabilities)")
        r.report.add(Check("stack-capabilities", f"{combo.name} with {fewer or 'no capabilities'}", FAILED,
                           f"CloudFormation accepted the stack without {combo.capabilities[-1]}"))
