"""The deploy steps, one module each, run in the order of STEPS.

A step module defines NAME (what progress lines, reports and IAMDOCS_FAULT call
it), TITLE, and `run(r: Run) -> int` (how many resources it created). A step
records every resource in the run's journal as soon as it exists, and what
verify should read back in `r.policies` and `r.roles`.
"""

from __future__ import annotations

from types import ModuleType

from iamdocs.sandbox.steps import attachments, boundaries, instance_profiles, managed_policies, roles, stacks

STEPS: list[ModuleType] = [managed_policies, boundaries, roles, attachments, instance_profiles, stacks]
STEP_NAMES: list[str] = [s.NAME for s in STEPS]
