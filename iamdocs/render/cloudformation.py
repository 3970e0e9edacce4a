"""The CloudFormation side: IAM parameters, required capabilities, stack command, template download."""

from __future__ import annotations

import json

from iamdocs.cfn import PARAMETERS, stack_parameters
from iamdocs.cfn.template import capabilities
from iamdocs.model import SoundProject
from iamdocs.render._markdown import code, download, fence, inert, table
from iamdocs.render.product import DEFAULT_TEMPLATE
from iamdocs.render.roles import default_role_name, shell_variables

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


PARAMETERS_FILE = "ai-unlimited-iam-parameters.json"
PARAMETERS_DIR = "cloudformation/parameters"
MERGED_FILE = "ai-unlimited-parameters.json"
# jq: the first file's parameters without those the second sets, then the second's
JQ_MERGE = ("'.[1] as $iam | [.[0][] | select(.ParameterKey as $k | ($iam | map(.ParameterKey) | index($k)) == null)]"
            " + $iam'")


def parameters_download(combination_id: str) -> str:
    """Site path of the IAM parameter file for one combination of options."""
    return f"/{PARAMETERS_DIR}/{combination_id.replace('+', '-with-')}.json"


def parameters_text(project: SoundProject, combination_id: str, name_role: bool = False) -> str:
    """The IAM parameters that set up a combination, in the AWS CLI's ParameterKey/ParameterValue format.

    The boundary's ARN is built from placeholders the form fills in (partition, account ID, policy name).
    """
    combo = project.catalog.combination([combination_id])
    role = project.catalog.cloudformation.role
    values = stack_parameters(project.catalog, combo, default_role_name(role))
    if name_role and values["IamRole"] == "New":
        values["IamRoleName"] = default_role_name(role)
    items = [{"ParameterKey": k, "ParameterValue": values[k]} for k in PARAMETERS if k in values]
    return json.dumps(items, indent=2) + "\n"


def cfn_stack_command(project: SoundProject, option: str, name_role: bool = False) -> str:
    """For one combination of options (`option`, e.g. "cloudformation-new-role+session-manager"): its IAM parameter
    file to download, and the commands that put it into the product's parameter file and create the stack with
    the capabilities those values need. Nothing to edit by hand: the form fills in the boundary's ARN."""
    for part in option.split("+"):
        if part not in project.catalog.options:
            raise KeyError(f"no option {part!r} in the catalog; known: {', '.join(project.catalog.options)}")
    body = parameters_text(project, option, name_role)
    values = {p["ParameterKey"]: p["ParameterValue"] for p in json.loads(body)}
    caps = capabilities(values)
    link = download(code(PARAMETERS_FILE), parameters_download(option) if not name_role else
                    parameters_download(option + "+named"), PARAMETERS_FILE)
    lines = [
        shell_variables(["REGION"]).rstrip("\n"),
        f"# {DEFAULT_TEMPLATE}.json (from the product repository) with the IAM values of {PARAMETERS_FILE}",
        "# in place of its own (needs jq)",
        f"jq -s {JQ_MERGE} \\\n  {DEFAULT_TEMPLATE}.json {PARAMETERS_FILE} > {MERGED_FILE}",
        'aws cloudformation create-stack --region "$REGION" --stack-name ai-unlimited \\',
        f"  --template-body file://{DEFAULT_TEMPLATE}.yaml \\",
        f"  --parameters file://{MERGED_FILE} \\",
        "  --capabilities " + " ".join(caps),
    ]
    return (f"The IAM parameters for this choice ({link}, filled in by the form):\n\n"
            + fence(body, "json", title=PARAMETERS_FILE) + "\n"
            + "With the template and its parameter file from the product repository in the same folder:\n\n"
            + fence("\n".join(lines) + "\n", "bash"))


def parameter_files(project: SoundProject) -> dict[str, str]:
    """site path -> text of the IAM parameter file of every combination of options (and of the template's role
    with a name), from the catalog's combinations."""
    out = {}
    for combo in project.catalog.combinations():
        out[parameters_download(combo.id).lstrip("/")] = parameters_text(project, combo.id)
        if combo.base == project.catalog.cloudformation.new_role_option:
            out[parameters_download(combo.id + "+named").lstrip("/")] = parameters_text(project, combo.id, True)
    return out


def cfn_parameter_files(project: SoundProject) -> str:
    """Table: every combination of options, the IAM parameter values it takes, and its parameter file."""
    rows = []
    for combo in project.catalog.combinations():
        values = json.loads(parameters_text(project, combo.id))
        shown = {v["ParameterKey"]: v["ParameterValue"] for v in values}
        link = download(code(PARAMETERS_FILE), parameters_download(combo.id), PARAMETERS_FILE)
        rows.append([inert(combo.title), *(code(shown[k]) if shown[k] else "blank" for k in PARAMETERS), link])
    return table(["Your choice", *(code(k) for k in PARAMETERS), "File"], rows)


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


MACROS = [cfn_parameters, cfn_capabilities, cfn_stack_command, cfn_parameter_files, cfn_template_download,
          cfn_inline_policies]
