from __future__ import annotations

from collections.abc import Iterable

from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.lint.statements import allow_statements_on_star
from iamdocs.model import PolicyFile, Value

# Known ways to gain more permissions than a policy grants, after Rhino Security Labs' and Bishop Fox's
# research on AWS privilege escalation. Each has a stable name (the catalog accepts paths by name), the actions
# that together allow it, and what they allow.
PATHS: list[tuple[str, tuple[str, ...], str]] = [
    ("passrole-runinstances", ("iam:PassRole", "ec2:RunInstances"),
     "start an instance with any role and act with that role's permissions"),
    ("passrole-createstack", ("iam:PassRole", "cloudformation:CreateStack"),
     "create a stack that runs with any role and creates what that role may create"),
    ("passrole-lambda-invoke", ("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"),
     "create and run a function with any role"),
    ("passrole-lambda-eventsource", ("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
     "create a function with any role and have an event source run it"),
    ("passrole-glue-devendpoint", ("iam:PassRole", "glue:CreateDevEndpoint"),
     "open a Glue development endpoint with any role"),
    ("passrole-datapipeline", ("iam:PassRole", "datapipeline:CreatePipeline"),
     "create a data pipeline that runs with any role"),
    ("passrole-ecs-runtask", ("iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"),
     "run a container task with any role"),
    ("passrole-sagemaker-notebook", ("iam:PassRole", "sagemaker:CreateNotebookInstance"),
     "open a notebook instance with any role"),
    ("createpolicyversion", ("iam:CreatePolicyVersion",), "rewrite a managed policy, including its own"),
    ("setdefaultpolicyversion", ("iam:SetDefaultPolicyVersion",),
     "switch a managed policy to a more permissive version"),
    ("attachuserpolicy", ("iam:AttachUserPolicy",), "attach any managed policy to a user"),
    ("attachgrouppolicy", ("iam:AttachGroupPolicy",), "attach any managed policy to a group"),
    ("putuserpolicy", ("iam:PutUserPolicy",), "give a user any inline policy"),
    ("putgrouppolicy", ("iam:PutGroupPolicy",), "give a group any inline policy"),
    ("addusertogroup", ("iam:AddUserToGroup",), "join a group with more permissions"),
    ("createaccesskey", ("iam:CreateAccessKey",), "create access keys for another user"),
    ("createloginprofile", ("iam:CreateLoginProfile",), "set a console password for another user"),
    ("updateloginprofile", ("iam:UpdateLoginProfile",), "change another user's console password"),
    ("attachrolepolicy-assumerole", ("iam:AttachRolePolicy", "sts:AssumeRole"),
     "attach any managed policy to a role and assume it"),
    ("putrolepolicy-assumerole", ("iam:PutRolePolicy", "sts:AssumeRole"),
     "give a role any inline policy and assume it"),
    ("updateassumerolepolicy-assumerole", ("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
     "make any role trust it and assume it"),
    ("glue-updatedevendpoint", ("glue:UpdateDevEndpoint",), "take over a Glue development endpoint and its role"),
    ("lambda-updatefunctioncode", ("lambda:UpdateFunctionCode",), "replace a function's code and act with its role"),
]


class PrivilegeEscalation(Rule):
    id = "W302"
    name = "privilege-escalation"
    description = 'A policy should not allow a known privilege-escalation combination of actions on Resource "*".'
    explanation = (
        "Some actions together let the holder act with more permissions than the policy grants, for example "
        "iam:PassRole with ec2:RunInstances. Each finding names the path (passrole-runinstances ...), the "
        "combination and what it allows; NotAction and NotResource count for what they allow. Accept a path in "
        "the catalog by its name, only with a reason and the way customers can contain it: a new path is a new "
        "finding."
    )

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        on_star: dict[str, Value] = {}
        for st, _star, _reach in allow_statements_on_star(f):
            for name, (_, entry) in ctx.granted_actions(st).items():
                on_star.setdefault(name, entry)
        if not on_star:
            return
        for path, actions, allows in PATHS:
            entries = [on_star.get(a.lower()) for a in actions]
            if all(e is not None for e in entries):
                first = min(entries, key=lambda e: (e.loc.line, e.loc.col))
                yield self.finding(f"privilege escalation {path}: {' with '.join(actions)} on every resource lets "
                                   f"this role {allows}", first.loc, ("path", path))
