"""Roles and options: which policies go where, trust policies, and the AWS CLI steps."""

from __future__ import annotations

import json

from iamdocs.model import RoleOption, SoundProject
from iamdocs.render._markdown import (
    code,
    code_comment,
    download,
    fence,
    inert,
    policy_download,
    table,
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


def decision_table(project: SoundProject) -> str:
    """"Which policies do I need?": one row per option, one column per role."""
    roles = project.catalog.roles
    header = ["If", "Choose", *[inert(r.title) for r in roles.values()], "On the setup page"]
    rows = []
    for option in project.catalog.options.values():
        cells = [inert(option.when), inert(option.title)]
        for rid in roles:
            setup = option.roles.get(rid)
            if setup is None:
                cells.append("—")
                continue
            # An addition (Session Manager, a boundary) comes on top of either engine option: name both policies.
            base = _engine_alternatives(project, rid) if option.group != _first_group(project) else {}
            if not setup.permissions_boundary and all(p in base for p in setup.policies):
                base = {}  # not an addition but another way to get the same role (the template's new role)
            files = []
            if any(p in base for p in setup.policies):
                by_option: dict[str, list[str]] = {}
                for p, label in base.items():
                    by_option.setdefault(label, []).append(download(code(p), policy_download(p), p))
                files.append("the policy of the option you chose above: " + " or ".join(
                    f"{', '.join(links)} ({inert(label)})" for label, links in by_option.items()))
            files += _files([p for p in setup.managed if p not in base], False)
            files += _files([p for p in setup.inline if p not in base], True)
            if setup.permissions_boundary:
                files.append("permissions boundary")
            cells.append("<br>".join(files) or "—")
        cells.append(inert(option.setup_field or "—"))
        rows.append(cells)
    return table(header, rows)


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
    "REGION": "$(aws configure get region)",
    "BOUNDARY_POLICY_NAME": "YOUR-BOUNDARY-POLICY",
}
_VARIABLE_COMMENTS = {
    "ACCOUNT_ID": "# Your account ID (the form above fills it in)",
    "REGION": "# The Region where AI Unlimited runs (the form above fills it in)",
    "BOUNDARY_POLICY_NAME": "# The name of the permissions boundary policy your organization requires",
}
# A policy file with placeholders is filled in by sed; the brackets keep the pattern from being a placeholder itself.
_SED_FILL = 'sed -e "s/[<]REGION[>]/$REGION/g" -e "s/[<]ACCOUNT_ID[>]/$ACCOUNT_ID/g"'


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
    return '"arn:aws:iam::${ACCOUNT_ID}:policy/' + name.removesuffix(".json") + '"'


def policy_document_arg(project: SoundProject, name: str) -> tuple[list[str], str]:
    """(lines that prepare the file, the file:// argument): a file with placeholders is filled in by sed first."""
    pf = project.policy(name)
    if not pf.placeholders_used():
        return [], f"file://{name}"
    filled = name.removesuffix(".json") + ".filled.json"
    return ([f"# Fill your Region and account ID into {name} (a download filled in by the form stays the same)",
             f"{_SED_FILL} {name} > {filled}"], f"file://{filled}")


def _needs_region(project: SoundProject, names: list[str]) -> bool:
    return any(name for name in names if project.policy(name).placeholders_used())


def _role_var(role_id: str) -> str:
    return f"{role_id.upper()}_ROLE"


def _first_group(project: SoundProject) -> str:
    """The group of the first option: the choice every reader makes (the engine options)."""
    return next(iter(project.catalog.options.values())).group if project.catalog.options else ""


def _engine_policies(project: SoundProject, role_id: str) -> list[str]:
    """Policies the first group's options give a role: an addition (Session Manager, boundary) comes on top."""
    return list(_engine_alternatives(project, role_id))


def _engine_alternatives(project: SoundProject, role_id: str) -> dict[str, str]:
    """policy -> the first group's option that gives it to the role, by the short name in its title ("option A")."""
    group = _first_group(project)
    out: dict[str, str] = {}
    for o in project.catalog.options.values():
        if o.group == group and role_id in o.roles:
            label = o.title.split(":")[0].strip()
            for p in o.roles[role_id].policies:
                out.setdefault(p, label[0].lower() + label[1:] if label else o.id)
    return out


def cli_commands(project: SoundProject, option_id: str) -> str:
    """AWS CLI commands that create each role of an option, its policies and its instance profile.

    Runs as pasted in bash: the account ID (and the Region where a policy needs it) are shell
    variables set at the top, which the fill-in form replaces with the reader's values.
    """
    option = _option(project, option_id)
    files = [n for s in option.roles.values() for n in s.policies]
    names = ["ACCOUNT_ID"] + (["REGION"] if _needs_region(project, files) else [])
    if any(s.permissions_boundary for s in option.roles.values()):
        names.append("BOUNDARY_POLICY_NAME")
    lines: list[str] = [shell_variables(names).rstrip("\n")]
    if "BOUNDARY_POLICY_NAME" in names:
        lines.append('BOUNDARY_POLICY_ARN="arn:aws:iam::${ACCOUNT_ID}:policy/${BOUNDARY_POLICY_NAME}"')
    lines.append("")
    for rid, setup in option.roles.items():
        role = project.catalog.roles[rid]
        var = _role_var(rid)
        lines.append(f"# {code_comment(role.title)}: choose its name")
        lines.append(f"{var}=ai-unlimited-{rid}")
        create = [f'aws iam create-role --role-name "${var}"',
                  f"  --assume-role-policy-document file://{trust_policy_file(rid)}"]
        if setup.permissions_boundary:
            create.append('  --permissions-boundary "$BOUNDARY_POLICY_ARN"')
        lines.append(" \\\n".join(create))
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
        if role.instance_profile:
            lines.append(f'aws iam create-instance-profile --instance-profile-name "${var}"')
            lines.append(f'aws iam add-role-to-instance-profile --instance-profile-name "${var}" --role-name "${var}"')
        lines.append("")
    return fence("\n".join(lines).rstrip("\n") + "\n", "bash")


def cli_addition(project: SoundProject, option_id: str) -> str:
    """AWS CLI commands that add an option (Session Manager, a boundary) to a role that exists already.

    What the engine options give the role is left out, so the same commands serve either engine option.
    """
    option = _option(project, option_id)
    names = ["ACCOUNT_ID"]
    if any(s.permissions_boundary for s in option.roles.values()):
        names.append("BOUNDARY_POLICY_NAME")
    lines: list[str] = [shell_variables(names).rstrip("\n")]
    if "BOUNDARY_POLICY_NAME" in names:
        lines.append('BOUNDARY_POLICY_ARN="arn:aws:iam::${ACCOUNT_ID}:policy/${BOUNDARY_POLICY_NAME}"')
    for rid, setup in option.roles.items():
        var = _role_var(rid)
        base = set(_engine_policies(project, rid))
        title = code_comment(project.catalog.roles[rid].title.lower())
        lines.append(f"# The {title} you created (engine option A or B)")
        lines.append(f"{var}=ai-unlimited-{rid}")
        for name in setup.managed:
            if name in base:
                continue
            prepare, arg = policy_document_arg(project, name)
            lines.extend(prepare)
            lines.append(f"aws iam create-policy --policy-name {name.removesuffix('.json')} --policy-document {arg}")
            lines.append(f'aws iam attach-role-policy --role-name "${var}" \\\n  --policy-arn {policy_arn(name)}')
        if setup.permissions_boundary:
            lines.append(f'aws iam put-role-permissions-boundary --role-name "${var}" \\\n'
                         '  --permissions-boundary "$BOUNDARY_POLICY_ARN"')
    return fence("\n".join(lines) + "\n", "bash")


def cli_removal(project: SoundProject, option_id: str) -> str:
    """AWS CLI commands that remove what cli_commands created: every policy off each role, profile, role, policies."""
    option = _option(project, option_id)
    lines = [shell_variables(["ACCOUNT_ID"]).rstrip("\n")]
    created: list[str] = []
    for rid, setup in option.roles.items():
        var = _role_var(rid)
        title = code_comment(project.catalog.roles[rid].title)
        lines += [f"# {title}: the name you gave it", f"{var}=ai-unlimited-{rid}"]
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
        created += [n for n in setup.managed if n not in created]
    if created:
        lines.append("# The managed policies, with their earlier versions (a policy still attached elsewhere stays)")
        lines.append("for name in " + " ".join(n.removesuffix(".json") for n in created) + "; do")
        lines.append('  arn="arn:aws:iam::${ACCOUNT_ID}:policy/${name}"')
        lines.append("  for v in $(aws iam list-policy-versions --policy-arn \"$arn\" "
                     "--query 'Versions[?!IsDefaultVersion].VersionId' --output text); do")
        lines.append('    aws iam delete-policy-version --policy-arn "$arn" --version-id "$v"')
        lines.append("  done")
        lines.append('  aws iam delete-policy --policy-arn "$arn"')
        lines.append("done")
    return fence("\n".join(lines) + "\n", "bash")


MACROS = [decision_table, trust_policy, cli_commands, cli_addition, cli_removal]
