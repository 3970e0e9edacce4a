"""Roles and options: which policies go where, trust policies, and the AWS CLI steps."""

from __future__ import annotations

import json

from iamdocs.model import RoleOption, RoleSetup, SoundProject
from iamdocs.render._markdown import (
    code,
    code_comment,
    download,
    fence,
    inert,
    policy_download,
    trust_policy_download,
    trust_policy_file,
)


def _option(project: SoundProject, option_id: str) -> RoleOption:
    try:
        return project.catalog.options[option_id]
    except KeyError:
        known = ", ".join(project.catalog.options)
        raise KeyError(f"no option {option_id!r} in the catalog; known: {known}") from None


def trust_policy_text(project: SoundProject, role_id: str) -> str:
    """The role's trust policy as the published file holds it: 2-space JSON, final newline."""
    return json.dumps(project.catalog.roles[role_id].trust_policy(), indent=2) + "\n"


def _files(names: list[str], inline: bool) -> list[str]:
    suffix = " (inline)" if inline else ""
    return [download(code(n), policy_download(n), n) + suffix for n in names]


def _role_cell(setup: RoleSetup | None, addition: bool) -> str:
    if setup is None:
        return "—"
    files = _files(setup.managed, False) + _files(setup.inline, True)
    if setup.permissions_boundary:
        files.append("a permissions boundary")
    if addition and files:
        files[0] = "adds " + files[0]
    return "<br>".join(files) or "—"


def _combines_cell(project: SoundProject, option: RoleOption) -> str:
    """Which options an option goes with, from the catalog's combines_with (both ways)."""
    catalog = project.catalog
    if option.is_addition:
        names = [inert(catalog.options[o].short) for o in option.combines_with if o in catalog.options]
        return "on top of " + _or(names) if names else "—"
    names = [inert(a.short) for a in catalog.additions_for(option.id)]
    return "add " + _or(names, "and/or") if names else "—"


def _lower_first(value: str) -> str:
    """"Your account ..." as it reads after "if"; a name such as "AWS ..." keeps its capitals."""
    return value[:1].lower() + value[1:] if value[1:2].islower() else value


def _or(names: list[str], word: str = "or") -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {word} " + names[-1]


def decision_table(project: SoundProject) -> str:
    """"Which policies do I need?": one row per option, one column per role, and what it combines with.

    An HTML table whose cells carry their column's name (data-label), so that a narrow screen can show each
    row as a stacked card (docs/stylesheets/extra.css) instead of scrolling sideways. Cell text is Markdown
    (md_in_html), catalog text escaped by `text`.
    """
    roles = project.catalog.roles
    header = ["Choose", *[r.title for r in roles.values()], "Combines with", "On the setup page"]
    rows = []
    for option in project.catalog.options.values():
        cells = [f"**{inert(option.title)}**<br>if {inert(_lower_first(option.when))}"]
        cells += [_role_cell(option.roles.get(rid), option.is_addition) for rid in roles]
        cells += [_combines_cell(project, option), inert(option.setup_field or "—")]
        rows.append(cells)
    return stacked_table(header, rows, "iamdocs-decision")


def stacked_table(header: list[str], rows: list[list[str]], css_class: str) -> str:
    """An HTML table with Markdown cells, each starting with its column's name, which only a phone shows (above
    the cell: docs/stylesheets/extra.css). The name is text in the cell, not an attribute: catalog text goes into
    a page only as inert() Markdown, which an attribute would not read as such."""
    out = ['<div class="iamdocs-stacked-wrap" markdown="1">',
           f'<table class="iamdocs-stacked {css_class}" markdown="1">',
           # inert(): character references, which HTML reads as the characters (a carriage return stays one)
           "<thead><tr>" + "".join(f"<th>{inert(h)}</th>" for h in header) + "</tr></thead>",
           '<tbody markdown="1">']
    for row in rows:
        # md_in_html reads Markdown only in elements that ask for it, each on a line of its own
        out.append('<tr markdown="1">')
        out += [f'<td markdown="span"><span class="iamdocs-stacked__label" aria-hidden="true">{inert(h)}</span>'
                f"{c}</td>" for h, c in zip(header, row, strict=True)]
        out.append("</tr>")
    out += ["</tbody>", "</table>", "</div>"]
    return "\n".join(out) + "\n"


def trust_policy(project: SoundProject, role_id: str) -> str:
    """The trust policy of a role, titled with the file name the CLI steps use, and its download."""
    role = project.catalog.roles[role_id]
    services = ", ".join(code(s) for s in role.trusted_services)
    name = trust_policy_file(role_id)
    return (
        f"The {inert(role.title.lower())} trusts {services} to assume it "
        f"({download('download ' + code(name), trust_policy_download(role_id), name)}):\n\n"
        + fence(trust_policy_text(project, role_id), "json", title=name)
    )


# Shell variables that the AWS CLI blocks set on their first lines, with the command that finds the
# value. The fill-in form replaces the command with the reader's value (page data "variables").
SHELL_VARIABLES = {
    "ACCOUNT_ID": "$(aws sts get-caller-identity --query Account --output text)",
    "PARTITION": "$(aws sts get-caller-identity --query Arn --output text | cut -d: -f2)",
    # AWS CloudShell and CI set the Region in the environment, where `aws configure get` does not look
    "REGION": "${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region)}}",
    "BOUNDARY_POLICY_NAME": "YOUR-BOUNDARY-POLICY",
}
_VARIABLE_COMMENTS = {
    "ACCOUNT_ID": "# Your account ID (the form above fills it in)",
    "PARTITION": "# Your account's partition: aws, aws-us-gov or aws-cn (the form above fills it in)",
    "REGION": "# The Region where AI Unlimited runs (the form above fills it in)",
    "BOUNDARY_POLICY_NAME": "# The name of the permissions boundary policy your organization requires",
}


def _sed_fill(project: SoundProject, name: str) -> str:
    """sed that fills the file's placeholders from the shell variables; [<] keeps the pattern from being one."""
    used = [n for n in dict.fromkeys(p for p, _ in project.policy(name).placeholders_used()) if n in SHELL_VARIABLES]
    return "sed " + " ".join(f'-e "s/[<]{n}[>]/${n}/g"' for n in used)


def shell_variables(names: list[str]) -> str:
    """The lines that set the named shell variables, in SHELL_VARIABLES order, each with its comment."""
    lines = []
    for name, value in SHELL_VARIABLES.items():
        if name in names:
            lines.append(_VARIABLE_COMMENTS[name])
            lines.append(f"{name}={value}")
    return "\n".join(lines) + "\n"


def policy_arn(name: str) -> str:
    """The ARN of a customer managed policy created from a file, in shell syntax."""
    return '"arn:${PARTITION}:iam::${ACCOUNT_ID}:policy/' + name.removesuffix(".json") + '"'


BOUNDARY_ARN = 'BOUNDARY_POLICY_ARN="arn:${PARTITION}:iam::${ACCOUNT_ID}:policy/${BOUNDARY_POLICY_NAME}"'


def policy_document_arg(project: SoundProject, name: str) -> tuple[list[str], str]:
    """(lines that prepare the file, the file:// argument): a file with placeholders is filled in by sed first."""
    pf = project.policy(name)
    if not pf.placeholders_used():
        return [], f"file://{name}"
    filled = name.removesuffix(".json") + ".filled.json"
    return ([f"# Fill your values into {name} (a download filled in by the form stays the same)",
             f"{_sed_fill(project, name)} {name} > {filled}"], f"file://{filled}")


def policy_variables(project: SoundProject, names: list[str]) -> list[str]:
    """The shell variables that creating these policies needs: the account and partition for their ARNs, and
    whatever placeholders the files use."""
    used = {p for n in names for p, _ in project.policy(n).placeholders_used()}
    return ["ACCOUNT_ID", "PARTITION", *(n for n in SHELL_VARIABLES if n in used and n not in ("ACCOUNT_ID",
                                                                                               "PARTITION"))]


def default_role_name(role_id: str) -> str:
    """The name the guide's commands give a role unless the reader changes it."""
    return f"ai-unlimited-{role_id}"


def _role_var(role_id: str) -> str:
    return f"{role_id.upper()}_ROLE"


def _bases_by_cli(project: SoundProject, option: RoleOption) -> list[str]:
    """The short names of the options an addition goes with whose roles the reader creates (not the template)."""
    catalog = project.catalog
    template = catalog.cloudformation.new_role_option
    return [catalog.options[o].short for o in option.combines_with if o in catalog.options and o != template]


def cli_commands(project: SoundProject, option_id: str) -> str:
    """AWS CLI commands that create each role of an option (or of a combination, "engine-b+session-manager"),
    its policies and its instance profile.

    Runs as pasted in bash: the account ID, partition (and the Region where a policy needs it) are shell
    variables set at the top, which the fill-in form replaces with the reader's values.
    """
    for part in option_id.split("+"):
        _option(project, part)
    combo = project.catalog.combination([option_id])
    files = [n for s in combo.roles.values() for n in s.policies]
    names = policy_variables(project, files)
    if any(s.permissions_boundary for s in combo.roles.values()):
        names.append("BOUNDARY_POLICY_NAME")
    lines: list[str] = [shell_variables(names).rstrip("\n")]
    if "BOUNDARY_POLICY_NAME" in names:
        lines.append(BOUNDARY_ARN)
    lines.append("")
    for rid, setup in combo.roles.items():
        role = project.catalog.roles[rid]
        var = _role_var(rid)
        lines.append(f"# {code_comment(role.title)}: choose its name")
        lines.append(f"{var}={default_role_name(rid)}")
        create = [f'aws iam create-role --role-name "${var}"',
                  f"  --assume-role-policy-document file://{trust_policy_file(rid)}"]
        if setup.permissions_boundary:
            create.append('  --permissions-boundary "$BOUNDARY_POLICY_ARN"')
        lines.append(" \\\n".join(create))
        lines += _policy_lines(project, setup, var)
        if role.instance_profile:
            lines.append(f'aws iam create-instance-profile --instance-profile-name "${var}"')
            lines.append(f'aws iam add-role-to-instance-profile --instance-profile-name "${var}" --role-name "${var}"')
        lines.append("")
    return fence("\n".join(lines).rstrip("\n") + "\n", "bash")


def _policy_lines(project: SoundProject, setup: RoleSetup, var: str) -> list[str]:
    lines = []
    for name in setup.managed:
        prepare, arg = policy_document_arg(project, name)
        lines.extend(prepare)
        lines.append(f"aws iam create-policy --policy-name {name.removesuffix('.json')} --policy-document {arg}")
        lines.append(f'aws iam attach-role-policy --role-name "${var}" \\\n  --policy-arn {policy_arn(name)}')
    for name in setup.inline:
        prepare, arg = policy_document_arg(project, name)
        lines.extend(prepare)
        lines.append(f'aws iam put-role-policy --role-name "${var}" --policy-name {name.removesuffix(".json")} \\\n'
                     f"  --policy-document {arg}")
    return lines


def cli_addition(project: SoundProject, option_id: str) -> str:
    """AWS CLI commands that add an addition (Session Manager, a boundary) to a role that exists already.

    The comment names the options it goes on top of (the catalog's combines_with), so the same commands serve
    each of them.
    """
    option = _option(project, option_id)
    files = [n for s in option.roles.values() for n in s.policies]
    names = policy_variables(project, files)
    if any(s.permissions_boundary for s in option.roles.values()):
        names.append("BOUNDARY_POLICY_NAME")
    lines: list[str] = [shell_variables(names).rstrip("\n")]
    if "BOUNDARY_POLICY_NAME" in names:
        lines.append(BOUNDARY_ARN)
    bases = _bases_by_cli(project, option)
    made_with = f" ({code_comment(_or(bases))})" if bases else ""
    for rid, setup in option.roles.items():
        var = _role_var(rid)
        lines.append(f"# The {code_comment(project.catalog.roles[rid].title.lower())} you created{made_with}")
        lines.append(f"{var}={default_role_name(rid)}")
        lines += _policy_lines(project, setup, var)
        if setup.permissions_boundary:
            lines.append(f'aws iam put-role-permissions-boundary --role-name "${var}" \\\n'
                         '  --permissions-boundary "$BOUNDARY_POLICY_ARN"')
    return fence("\n".join(lines) + "\n", "bash")


def created_policies(project: SoundProject, option_id: str) -> list[str]:
    """The managed policies the guide's commands create for an option and any addition that goes with it."""
    out: list[str] = []
    for combo in project.catalog.combinations():
        if combo.base == option_id:
            out += [n for s in combo.roles.values() for n in s.managed if n not in out]
    return out


def cli_removal(project: SoundProject, option_id: str) -> str:
    """AWS CLI commands that remove what the guide's commands created for an option and its additions: every
    policy off each role, the instance profile, the role, then the managed policies (with their versions)."""
    _option(project, option_id)
    roles: dict[str, None] = {}
    for combo in project.catalog.combinations():
        if combo.base == option_id:
            roles.update(dict.fromkeys(combo.roles))
    lines = [shell_variables(["ACCOUNT_ID", "PARTITION"]).rstrip("\n")]
    for rid in roles:
        var = _role_var(rid)
        lines += [f"# {code_comment(project.catalog.roles[rid].title)}: the name you gave it",
                  f"{var}={default_role_name(rid)}"]
        if project.catalog.roles[rid].instance_profile:
            lines.append(f'aws iam remove-role-from-instance-profile --instance-profile-name "${var}" \\\n'
                         f'  --role-name "${var}"')
            lines.append(f'aws iam delete-instance-profile --instance-profile-name "${var}"')
        lines.append(f"for arn in $(aws iam list-attached-role-policies --role-name \"${var}\" "
                     "--query 'AttachedPolicies[].PolicyArn' --output text); do")
        lines.append(f'  aws iam detach-role-policy --role-name "${var}" --policy-arn "$arn"')
        lines.append("done")
        lines.append(f"for name in $(aws iam list-role-policies --role-name \"${var}\" "
                     "--query 'PolicyNames' --output text); do")
        lines.append(f'  aws iam delete-role-policy --role-name "${var}" --policy-name "$name"')
        lines.append("done")
        lines.append(f'aws iam delete-role --role-name "${var}"')
    created = created_policies(project, option_id)
    if created:
        lines.append("# The managed policies the steps created, with their earlier versions (one you did not create is")
        lines.append("# skipped; one still attached to another role stays)")
        lines.append("for name in " + " ".join(n.removesuffix(".json") for n in created) + "; do")
        lines.append('  arn="arn:${PARTITION}:iam::${ACCOUNT_ID}:policy/${name}"')
        lines.append('  aws iam get-policy --policy-arn "$arn" >/dev/null 2>&1 || continue')
        lines.append("  for v in $(aws iam list-policy-versions --policy-arn \"$arn\" "
                     "--query 'Versions[?!IsDefaultVersion].VersionId' --output text); do")
        lines.append('    aws iam delete-policy-version --policy-arn "$arn" --version-id "$v"')
        lines.append("  done")
        lines.append('  aws iam delete-policy --policy-arn "$arn"')
        lines.append("done")
    return fence("\n".join(lines) + "\n", "bash")


MACROS = [decision_table, trust_policy, cli_commands, cli_addition, cli_removal]
