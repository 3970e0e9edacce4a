"""The IAM part of the AI Unlimited manager CloudFormation template, generated from policies/."""

from iamdocs.cfn.template import PARAMETERS, RULES, capabilities, manager_template, stack_parameters, template_yaml

__all__ = ["PARAMETERS", "RULES", "capabilities", "manager_template", "stack_parameters", "template_yaml"]
