"""The IAM part of the AI Unlimited manager CloudFormation template, generated from policies/."""

from iamdocs.cfn.template import PARAMETERS, manager_template, template_yaml

__all__ = ["PARAMETERS", "manager_template", "template_yaml"]
