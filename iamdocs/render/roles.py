"""Roles and options: which policies go where, trust policies, and the AWS CLI steps."""

from __future__ import annotations

import json

from iamdocs.model import Project, RoleOption
from iamdocs.render._markdown import (
    code,
    download,
    fence,
    policy_download,
    table,
    text,
    trust_policy_download,
    trust_policy_file,
)


def _option(project: Project, option_id: str) -> RoleOption:
    assert project.catalog is not None
    try:
        return project.catalog.options[option_id]
    except KeyError:
        known = ", ".join(project.catalog.options)
        raise KeyError(f"no option {option_id!r} in the catalog; known: {known}") from None


def trust_policy_text(project: Project, role_id: str) -> str:
    """The role's trust policy as the published file holds it: 2-space JSON, final newline."""
    assert project.catalog is not None
    return json.dumps(project.catalog.roles[role_id].trust_policy(), indent=2) + "\n"


def _files(names: list[str], inline: bool) -> list[str]:
    suffix = " (inline)" if inline else ""
    return [download(code(n), policy_download(n), n) + suffix for n in names]


def decision_table(project: Project) -> str:
    """"Which policies do I need?": one row per option, one column per role."""
    assert project.catalog is not None
    roles = project.catalog.roles
    header = ["If", "Choose", *[text(r.title) for r in roles.values()], "On the setup page"]
    rows = []
    for option in project.catalog.options.values():
        cells = [text(option.when), text(option.title)]
        for rid in roles:
            setup = option.roles.get(rid)
            if setup is None:
                cells.append("—")
                continue
            files = _files(setup.managed, False) + _files(setup.inline, True)
            if setup.permissions_boundary:
                files.append("permissions boundary")
            cells.append("<br>".join(files) or "—")
        cells.append(text(option.setup_field or "—"))
        rows.append(cells)
    return table(header, rows)


def trust_policy(project: Project, role_id: str) -> str:
    """The trust policy of a role, titled with the file name the CLI steps use, and its download."""
    assert project.catalog is not None
    role = project.catalog.roles[role_id]
    services = ", ".join(code(s) for s in role.trusted_services)
    name = trust_policy_file(role_id)
    return (
        f"The {text(role.title.lower())} trusts {services} to assume it "
        f"({download('download ' + code(name), trust_policy_download(role_id), name)}):\n\n"
        + fence(trust_policy_text(project, role_id), "json", title=name)
    )


def _role_var(role_id: str) -> str:
    return f"{role_id.upper()}_ROLE"


def cli_commands(project: Project, option_id: str) -> str:
    """AWS CLI commands that create each role of an option, its policies and its instance profile.

    Managed policies are created once per account; attach-role-policy names them by ARN,
    which holds the account ID placeholder the fill-in form replaces.
    """
    assert project.catalog is not None
    option = _option(project, option_id)
    lines: list[str] = []
    for rid, setup in option.roles.items():
        role = project.catalog.roles[rid]
        var = _role_var(rid)
        lines.append(f"# {role.title}: choose its name")
        lines.append(f"{var}=ai-unlimited-{rid}")
        create = [f'aws iam create-role --role-name "${var}"',
                  f"  --assume-role-policy-document file://{trust_policy_file(rid)}"]
        if setup.permissions_boundary:
            create.append('  --permissions-boundary "$BOUNDARY_POLICY_ARN"')
        lines.append(" \\\n".join(create))
        for name in setup.managed:
            policy = name.removesuffix(".json")
            lines.append(f"aws iam create-policy --policy-name {policy} --policy-document file://{name}")
            lines.append(f'aws iam attach-role-policy --role-name "${var}" \\\n'
                         f"  --policy-arn arn:aws:iam::<ACCOUNT_ID>:policy/{policy}")
        for name in setup.inline:
            policy = name.removesuffix(".json")
            lines.append(f'aws iam put-role-policy --role-name "${var}" --policy-name {policy} \\\n'
                         f"  --policy-document file://{name}")
        if role.instance_profile:
            lines.append(f'aws iam create-instance-profile --instance-profile-name "${var}"')
            lines.append(f'aws iam add-role-to-instance-profile --instance-profile-name "${var}" --role-name "${var}"')
        lines.append("")
    text = "\n".join(lines).rstrip("\n") + "\n"
    if any(s.permissions_boundary for s in option.roles.values()):
        text = 'BOUNDARY_POLICY_ARN="arn:aws:iam::<ACCOUNT_ID>:policy/<your boundary policy>"\n\n' + text
    return fence(text, "bash")


MACROS = [decision_table, trust_policy, cli_commands]
