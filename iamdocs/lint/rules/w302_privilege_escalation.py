from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.lint.common import allow_statements_on_star
from iamdocs.model import PolicyFile, Value

# Known ways to gain more permissions than a policy grants, after Rhino Security Labs' and Bishop Fox's
# research on AWS privilege escalation. Each: the actions that together allow it, and what they allow.
PATHS: list[tuple[tuple[str, ...], str]] = [
    (("iam:PassRole", "ec2:RunInstances"),
     "start an instance with any role and act with that role's permissions"),
    (("iam:PassRole", "cloudformation:CreateStack"),
     "create a stack that runs with any role and creates what that role may create"),
    (("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"),
     "create and run a function with any role"),
    (("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
     "create a function with any role and have an event source run it"),
    (("iam:PassRole", "glue:CreateDevEndpoint"),
     "open a Glue development endpoint with any role"),
    (("iam:PassRole", "datapipeline:CreatePipeline"),
     "create a data pipeline that runs with any role"),
    (("iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"),
     "run a container task with any role"),
    (("iam:PassRole", "sagemaker:CreateNotebookInstance"),
     "open a notebook instance with any role"),
    (("iam:CreatePolicyVersion",), "rewrite a managed policy, including its own"),
    (("iam:SetDefaultPolicyVersion",), "switch a managed policy to a more permissive version"),
    (("iam:AttachUserPolicy",), "attach any managed policy to a user"),
    (("iam:AttachGroupPolicy",), "attach any managed policy to a group"),
    (("iam:PutUserPolicy",), "give a user any inline policy"),
    (("iam:PutGroupPolicy",), "give a group any inline policy"),
    (("iam:AddUserToGroup",), "join a group with more permissions"),
    (("iam:CreateAccessKey",), "create access keys for another user"),
    (("iam:CreateLoginProfile",), "set a console password for another user"),
    (("iam:UpdateLoginProfile",), "change another user's console password"),
    (("iam:AttachRolePolicy", "sts:AssumeRole"), "attach any managed policy to a role and assume it"),
    (("iam:PutRolePolicy", "sts:AssumeRole"), "give a role any inline policy and assume it"),
    (("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"), "make any role trust it and assume it"),
    (("glue:UpdateDevEndpoint",), "take over a Glue development endpoint and its role"),
    (("lambda:UpdateFunctionCode",), "replace a function's code and act with its role"),
]


class PrivilegeEscalation(Rule):
    id = "W302"
    name = "privilege-escalation"
    description = 'A policy should not allow a known privilege-escalation combination of actions on Resource "*".'
    explanation = (
        "Some actions together let the holder act with more permissions than the policy grants, for example "
        "iam:PassRole with ec2:RunInstances. Each finding names the combination and what it allows; accept it in "
        "the catalog only with a reason and the way customers can contain it."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        on_star: dict[str, Value] = {}
        for st, _star in allow_statements_on_star(f):
            for name, (_, entry) in ctx.statement_actions(st).items():
                on_star.setdefault(name, entry)
        if not on_star:
            return
        for actions, allows in PATHS:
            entries = [on_star.get(a.lower()) for a in actions]
            if all(e is not None for e in entries):
                first = min(entries, key=lambda e: (e.loc.line, e.loc.col))
                yield self.finding(f"privilege escalation: {' with '.join(actions)} on Resource \"*\" lets this role "
                                   f"{allows}", first.loc)
