"""Generate the manager-role template from the loader, so it can never lag the JSON files.

The product's template inlines the manager policy. Here the inline documents
are the policy files themselves, with each `<NAME>` placeholder turned into the
matching CloudFormation pseudo parameter through Fn::Sub.
"""

from __future__ import annotations

from typing import Any

import yaml

from iamdocs.model import Catalog, Combination, SoundProject
from iamdocs.placeholders import cfn_parameters, to_cfn

BOUNDARY_PATTERN = r"^(arn:aws(-[a-z]+)*:iam::([0-9]{12}|aws):policy/([!-~]+/)?[\w+=,.@-]{1,128})?$"

# The IAM parameters, as the product's template defines them. Rendered in the guide.
PARAMETERS: dict[str, dict[str, Any]] = {
    "IamRole": {
        "Type": "String",
        "AllowedValues": ["New", "Existing"],
        "Default": "New",
        "Description": "New: the template creates the manager role. Existing: use the role named in IamRoleName.",
    },
    "IamRoleName": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": r"^[\w+=,.@-]{0,64}$",
        "ConstraintDescription": "an IAM role name: up to 64 letters, digits and + = , . @ _ -",
        "Description": "Name of the existing manager role, or the name to give the new one "
                       "(blank: CloudFormation generates a name).",
    },
    "IamPermissionsBoundary": {
        "Type": "String",
        "Default": "",
        # Any managed policy IAM accepts as a boundary: customer managed (account ID) or AWS managed
        # ("aws"), in any partition, with or without a path (printable ASCII between slashes).
        "AllowedPattern": BOUNDARY_PATTERN,
        "ConstraintDescription": "blank, or the ARN of a managed policy, e.g. arn:aws:iam::aws:policy/PowerUserAccess",
        "Description": "ARN of a managed policy to use as the permissions boundary of the role the template creates "
                       "(blank: none).",
    },
    "Session": {
        "Type": "String",
        "AllowedValues": ["true", "false"],
        "Default": "false",
        "Description": "true: give the new manager role the Session Manager permissions.",
    },
}

# Rules that CloudFormation checks before it creates anything.
RULES: dict[str, Any] = {
    "ExistingRoleNeedsName": {
        # Written as "not New" (the CreateRole condition negated) so that cfn-lint's condition
        # solver links the rule to the template's conditions.
        "RuleCondition": {"Fn::Not": [{"Fn::Equals": [{"Ref": "IamRole"}, "New"]}]},
        "Assertions": [{
            "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "IamRoleName"}, ""]}]},
            "AssertDescription": "With IamRole = Existing, IamRoleName must name the existing manager role.",
        }],
    },
}


def capabilities(parameters: dict[str, str]) -> list[str]:
    """The capabilities a stack of this template needs, by the facts file's rules.

    The template always creates an instance profile, so CAPABILITY_IAM is always
    needed, also with an existing role; CAPABILITY_NAMED_IAM when it creates a
    role with a name given in IamRoleName.
    """
    new = parameters.get("IamRole", PARAMETERS["IamRole"]["Default"]) == "New"
    named = bool(parameters.get("IamRoleName", ""))
    return ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"] if new and named else ["CAPABILITY_IAM"]


def stack_parameters(catalog: Catalog, combo: Combination, role_name: str) -> dict[str, str]:
    """The template's IAM parameter values that set up a combination of the catalog's options.

    IamRole = New stands for the catalog's cloudformation.options.new_role; Session = true and
    IamPermissionsBoundary for its session and boundary additions, which the template applies only to the role
    it creates. With any other option the reader creates the manager role (`role_name`): IamRole = Existing,
    and puts the additions on it as the guide's other steps show. The boundary is an ARN built from the
    placeholders the guide's form fills in.
    """
    spec = catalog.cloudformation
    new = combo.base == spec.new_role_option
    values = {"IamRole": "New" if new else "Existing", "IamRoleName": "" if new else role_name,
              "IamPermissionsBoundary": "", "Session": "false"}
    for addition in combo.additions:
        if addition == spec.session_option and new:
            values["Session"] = "true"
        elif addition == spec.boundary_option and new:
            values["IamPermissionsBoundary"] = BOUNDARY_ARN
    return values


BOUNDARY_ARN = "arn:<PARTITION>:iam::<ACCOUNT_ID>:policy/<BOUNDARY_POLICY_NAME>"


def _policy_name(file_name: str) -> str:
    return file_name.removesuffix(".json")


# The logical IDs of the product's templates (facts file), so that the section can be pasted into them.
ROLE_ID, PROFILE_ID = "AiUnlimitedRole", "AiUnlimitedInstanceProfile"
POLICY_ID, SESSION_POLICY_ID = "AiUnlimitedRolePolicies", "SessionManagerPolicies"


def _policy_ids(first: str, files: list[str]) -> dict[str, str]:
    """Logical ID per policy file: the product's name for the first, numbered after it for any more."""
    return {f: first if i == 0 else f"{first}{i + 1}" for i, f in enumerate(files)}


def manager_template(project: SoundProject) -> dict[str, Any]:
    """The template as data: parameters, conditions, the role, its policies, its instance profile, outputs.

    Laid out as the product's templates are: the policies are AWS::IAM::Policy resources attached
    to the role, each under its own condition, rather than a list chosen with Fn::If.
    """
    catalog = project.catalog
    spec = catalog.cloudformation
    role = catalog.roles[spec.role]

    def policy(name: str, condition: str) -> dict[str, Any]:
        return {
            "Type": "AWS::IAM::Policy",
            "Condition": condition,
            "Properties": {
                "PolicyName": _policy_name(name),
                "PolicyDocument": to_cfn(project.policy(name).document),
                "Roles": [{"Ref": ROLE_ID}],
            },
        }

    policies = {pid: policy(f, "NEEDSROLE") for f, pid in _policy_ids(POLICY_ID, list(spec.inline_policies)).items()}
    policies |= {pid: policy(f, "NEEDSROLEANDSESSIONMANAGER")
                 for f, pid in _policy_ids(SESSION_POLICY_ID, list(spec.session_policies)).items()}
    the_role = {"Fn::If": ["USEEXISTINGROLE", {"Ref": "IamRoleName"}, {"Ref": ROLE_ID}]}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"{catalog.product}: IAM role and instance profile for the manager "
                       "(generated by iamdocs from policies/).",
        "Parameters": {**PARAMETERS, **cfn_parameters(catalog, [project.policy(n).document for n in
                                                                 [*spec.inline_policies, *spec.session_policies]])},
        "Rules": RULES,
        "Conditions": {
            "NEEDSROLE": {"Fn::Equals": [{"Ref": "IamRole"}, "New"]},
            "USESESSIONMANAGER": {"Fn::Equals": [{"Ref": "Session"}, "true"]},
            "NEEDSROLEANDSESSIONMANAGER": {"Fn::And": [{"Condition": "NEEDSROLE"}, {"Condition": "USESESSIONMANAGER"}]},
            "HASIAMPERMISSIONSBOUNDARY": {"Fn::Not": [{"Fn::Equals": [{"Ref": "IamPermissionsBoundary"}, ""]}]},
            "HASIAMROLENAME": {"Fn::Not": [{"Fn::Equals": [{"Ref": "IamRoleName"}, ""]}]},
            # Existing role *and* a name: with the rule above, cfn-lint can prove that the
            # role name it puts in the instance profile is never blank.
            "USEEXISTINGROLE": {
                "Fn::And": [{"Fn::Not": [{"Condition": "NEEDSROLE"}]}, {"Condition": "HASIAMROLENAME"}],
            },
        },
        "Resources": {
            ROLE_ID: {
                "Type": "AWS::IAM::Role",
                "Condition": "NEEDSROLE",
                "Properties": {
                    "RoleName": {"Fn::If": ["HASIAMROLENAME", {"Ref": "IamRoleName"}, {"Ref": "AWS::NoValue"}]},
                    "Description": role.title,
                    "AssumeRolePolicyDocument": role.trust_policy(),
                    "Path": "/",
                    "PermissionsBoundary": {"Fn::If": [
                        "HASIAMPERMISSIONSBOUNDARY", {"Ref": "IamPermissionsBoundary"}, {"Ref": "AWS::NoValue"}]},
                },
            },
            **policies,
            PROFILE_ID: {
                "Type": "AWS::IAM::InstanceProfile",
                "Properties": {"Path": "/", "Roles": [the_role]},
            },
        },
        "Outputs": {
            "ManagerRoleName": {
                "Description": "The manager role the instance profile carries.",
                "Value": the_role,
            },
            "ManagerInstanceProfileArn": {
                "Description": "Give this instance profile to the manager instance.",
                "Value": {"Fn::GetAtt": [PROFILE_ID, "Arn"]},
            },
        },
    }


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # CloudFormation rejects YAML anchors and aliases


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_Dumper.add_representer(str, _str_presenter)


def template_yaml(project: SoundProject) -> str:
    """The template as YAML text, keys in template order, long (Fn::) intrinsic forms."""
    header = "# Generated by `iamdocs` from policies/. Do not edit: change the policy files instead.\n"
    return header + yaml.dump(manager_template(project), Dumper=_Dumper, sort_keys=False, width=120)
