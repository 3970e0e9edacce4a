"""The CloudFormation side: IAM parameters, required capabilities, stack command, template download."""

from __future__ import annotations

from iamdocs.cfn import PARAMETERS
from iamdocs.cfn.template import capabilities
from iamdocs.model import Project
from iamdocs.render._markdown import code, download, fence, table

TEMPLATE_FILE = "ai-unlimited-iam.yaml"
TEMPLATE_DOWNLOAD = f"/cloudformation/{TEMPLATE_FILE}"


def cfn_parameters(project: Project) -> str:
    """The template's IAM parameters: allowed values, default and meaning."""
    rows = []
    for name, p in PARAMETERS.items():
        allowed = ", ".join(code(v) for v in p.get("AllowedValues", [])) or "text"
        default = code(p["Default"]) if p.get("Default") else "blank"
        rows.append([code(name), allowed, default, p["Description"]])
    return table(["Parameter", "Values", "Default", "Meaning"], rows)


def cfn_capabilities(project: Project) -> str:
    """When the stack needs CAPABILITY_IAM and CAPABILITY_NAMED_IAM."""
    cases = [("New", False, "blank"), ("New", True, "set"), ("Existing", True, "the existing role's name")]
    rows = [[code(r), n, ", ".join(code(c) for c in capabilities({"IamRole": r, "IamRoleName": "x" if s else ""}))]
            for r, s, n in cases]
    return (
        table([code("IamRole"), code("IamRoleName"), "Acknowledge"], rows)
        + "\nThe template always creates an instance profile for the manager, so "
        f"{code('CAPABILITY_IAM')} is needed in every case, also with an existing role.\n"
    )


def cfn_stack_command(project: Project, iam_role: str = "New", role_name: bool = False, session: bool = False,
                      boundary: bool = False) -> str:
    """The IAM part of an `aws cloudformation create-stack` call for the AI Unlimited template."""
    params = [f"ParameterKey=IamRole,ParameterValue={iam_role}"]
    if role_name:
        params.append('ParameterKey=IamRoleName,ParameterValue="$MANAGER_ROLE"')
    if session:
        params.append("ParameterKey=Session,ParameterValue=true")
    if boundary:
        params.append('ParameterKey=IamPermissionsBoundary,ParameterValue="$BOUNDARY_POLICY_ARN"')
    lines = [
        "# Add the template's other parameters (network, instance, ...) to --parameters.",
        "aws cloudformation create-stack --stack-name ai-unlimited \\",
        '  --template-url "$AI_UNLIMITED_TEMPLATE_URL" \\',
        "  --parameters " + " \\\n    ".join(params) + " \\",
        "  --capabilities " + " ".join(capabilities({"IamRole": iam_role, "IamRoleName": "x" if role_name else ""})),
    ]
    return fence("\n".join(lines) + "\n", "bash")


def cfn_template_download(project: Project, label: str = "") -> str:
    """A download link to the IAM template generated from policies/ (iamdocs.cfn.template_yaml)."""
    return download(label or code(TEMPLATE_FILE), TEMPLATE_DOWNLOAD, TEMPLATE_FILE)


def cfn_inline_policies(project: Project) -> str:
    """Which policies the template puts on the role it creates, and when."""
    assert project.catalog is not None
    spec = project.catalog.cloudformation
    always = ", ".join(download(code(n), f"/policies/{n}", n) for n in spec.inline_policies)
    session = ", ".join(download(code(n), f"/policies/{n}", n) for n in spec.session_policies)
    return (
        f"- always: {always}, as an inline policy;\n"
        f"- with {code('Session')} = {code('true')}: also {session}, inline.\n"
    )


MACROS = [cfn_parameters, cfn_capabilities, cfn_stack_command, cfn_template_download, cfn_inline_policies]
