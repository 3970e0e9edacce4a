"""Will AI Unlimited work in this account? The documented roles checked against the customer's guardrails.

`needs` lists every request a combination of role options makes (from the catalog and the policy
files, with the resources and request context the product uses); `inputs` reads the customer's
service control policies, resource control policies and permissions boundary in the shapes AWS
gives them; `check` decides each request with the project's one IAM evaluator (iamdocs/access.py)
and says, for each blocked or conditional action, which statement decides it and what breaks.
"""
