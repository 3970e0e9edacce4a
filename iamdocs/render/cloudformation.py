"""The CloudFormation side: IAM parameters, required capabilities, stack command, template download."""

from __future__ import annotations

from iamdocs.cfn import PARAMETERS
from iamdocs.cfn.template import capabilities
from iamdocs.model import SoundProject
from iamdocs.render._markdown import code, download, fence, table
from iamdocs.render.product import DEFAULT_TEMPLATE
from iamdocs.render.roles import shell_variables

TEMPLATE_FILE = "ai-unlimited-iam.yaml"
TEMPLATE_DOWNLOAD = f"/cloudformation/{TEMPLATE_FILE}"


def cfn_parameters(project: SoundProject) -> str:
    """The template's IAM parameters: allowed values, default and meaning."""
    rows = []
    for name, p in PARAMETERS.items():
        allowed = ", ".join(code(v) for v in p.get("AllowedValues", [])) or "text"
        default = code(p["Default"]) if p.get("Default") else "blank"
        rows.append([code(name), allowed, default, p["Description"]])
    return table(["Parameter", "Values", "Default", "Meaning"], rows)


def cfn_capabilities(project: SoundProject) -> str:
    """When the stack needs CAPABILITY_IAM and CAPABILITY_NAMED_IAM."""
    cases = [("New", False, "blank"), ("New", True, "set"), ("Existing", True, "the existing role's name")]
    rows = [[code(r), n, ", ".join(code(c) for c in capabilities({"IamRole": r, "IamRoleName": "x" if s else ""}))]
            for r, s, n in cases]
    return (
        table([code("IamRole"), code("IamRoleName"), "Acknowledge"], rows)
        + "\nThe template always creates an instance profile for the manager, so "
        f"{code('CAPABILITY_IAM')} is needed in every case, also with an existing role.\n"
    )


def cfn_stack_command(project: SoundProject, iam_role: str = "New", role_name: bool = False, session: bool = False,
                      boundary: bool = False) -> str:
    """The IAM values to set in the template's parameter file, and the `aws cloudformation create-stack` call."""

    values = [("IamRole", iam_role),
              ("IamRoleName", "your manager role's name" if role_name else "blank (a generated name)"),
              ("IamPermissionsBoundary", "your boundary policy's ARN" if boundary else "blank"),
              ("Session", "true" if session else "false")]
    rows = [[code(k), code(v) if k in ("IamRole", "Session") else v] for k, v in values]
    caps = capabilities({"IamRole": iam_role, "IamRoleName": "x" if role_name else ""})
    lines = [
        shell_variables(["REGION"]).rstrip("\n"),
        f"# The template and parameter file you downloaded, with the IAM values above set in {DEFAULT_TEMPLATE}.json",
        'aws cloudformation create-stack --region "$REGION" --stack-name ai-unlimited \\',
        f"  --template-body file://{DEFAULT_TEMPLATE}.yaml \\",
        f"  --parameters file://{DEFAULT_TEMPLATE}.json \\",
        "  --capabilities " + " ".join(caps),
    ]
    return (f"Set these IAM values in the parameter file {code(DEFAULT_TEMPLATE + '.json')}:\n\n"
            + table(["Parameter", "Value"], rows) + "\n" + fence("\n".join(lines) + "\n", "bash"))


def cfn_template_download(project: SoundProject, label: str = "") -> str:
    """A download link to the IAM template generated from policies/ (iamdocs.cfn.template_yaml)."""
    return download(label or code(TEMPLATE_FILE), TEMPLATE_DOWNLOAD, TEMPLATE_FILE)


def cfn_inline_policies(project: SoundProject) -> str:
    """Which policies the template puts on the role it creates, and when."""
    spec = project.catalog.cloudformation
    always = ", ".join(download(code(n), f"/policies/{n}", n) for n in spec.inline_policies)
    session = ", ".join(download(code(n), f"/policies/{n}", n) for n in spec.session_policies)
    return (
        f"- always: {always}, as an inline policy;\n"
        f"- with {code('Session')} = {code('true')}: also {session}, inline.\n"
    )


MACROS = [cfn_parameters, cfn_capabilities, cfn_stack_command, cfn_template_download, cfn_inline_policies]
