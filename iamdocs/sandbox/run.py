"""The state of one run: target, names, the journal of what was created, and what verify expects.

Steps never call boto3 directly: they go through `Run.call`, which retries
throttling, fires the test fault hook, and keeps the step's name on every
error, and they record each resource with `Run.created` the moment it exists,
so that teardown can undo exactly what this run did.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from iamdocs.iamdb import IAMDatabase
from iamdocs.model import SoundProject
from iamdocs.sandbox.faults import Faults, with_retries
from iamdocs.sandbox.naming import Naming
from iamdocs.sandbox.report import Report
from iamdocs.sandbox.target import Target

# Kinds of journal entries, in the order teardown removes them.
TEARDOWN_ORDER = ("stack", "profile-role", "instance-profile", "attachment", "inline-policy", "role", "policy")


@dataclass
class Resource:
    """One thing this run created or changed. `id` is what the delete call needs."""

    kind: str  # one of TEARDOWN_ORDER
    id: str  # policy ARN, role name, instance profile name, stack name, or "role|policy" for links
    step: str
    detail: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "step": self.step, **self.detail}


@dataclass
class ExpectedPolicy:
    """A managed policy as it should read back: name, ARN and the filled source document."""

    arn: str
    name: str
    label: str  # the source files, or "boundary for ..."
    document: dict[str, Any]


@dataclass
class ExpectedRole:
    """A role as it should read back."""

    name: str
    label: str  # option and role, or stack combination
    trust: dict[str, Any]
    managed: dict[str, str] = field(default_factory=dict)  # policy ARN -> label
    inline: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # name -> (label, document)
    boundary_arn: str | None = None
    instance_profiles: list[str] = field(default_factory=list)


@dataclass
class Run:
    target: Target
    project: SoundProject
    naming: Naming
    db: IAMDatabase
    report: Report
    faults: Faults = field(default_factory=Faults)
    progress: Callable[[str], None] = print
    options: list[str] = field(default_factory=list)  # role option IDs to deploy
    stacks: list[str] = field(default_factory=list)  # stack combination names to deploy
    journal: list[Resource] = field(default_factory=list)
    policies: dict[str, ExpectedPolicy] = field(default_factory=dict)  # by ARN
    roles: dict[str, ExpectedRole] = field(default_factory=dict)  # by name
    managed_arns: dict[str, str] = field(default_factory=dict)  # source file name -> deployed ARN
    boundary_arns: dict[str, str] = field(default_factory=dict)  # "option/role" or "stack/<combo>" -> ARN
    step: str = ""
    # cfn-lint, started in a thread as the run begins: it overlaps the server start and the IAM steps
    lint_future: Future[Any] | None = None

    def call(self, service: str, operation: str, **kwargs: Any) -> Any:
        """One API call: throttling retried, the fault hook fired, the step named on errors."""
        client = self.target.client(service)
        step = self.step

        def attempt() -> Any:
            self.faults.before_call(step, operation)
            return getattr(client, operation)(**kwargs)

        def retried(n: int, exc: ClientError) -> None:
            self.report.retries.append({"step": step, "operation": operation, "attempt": n,
                                        "code": exc.response["Error"]["Code"]})
            self.progress(f"{step}: {operation} throttled, retrying (attempt {n + 1})")

        result = with_retries(attempt, on_retry=retried)
        self.faults.after_call(step)
        return result

    def created(self, kind: str, id: str, **detail: Any) -> Resource:
        res = Resource(kind, id, self.step, detail)
        self.journal.append(res)
        self.report.created.append({**res.to_json(), "at": round(time.time(), 3)})
        return res

    @property
    def values(self) -> dict[str, str]:
        return self.target.values
