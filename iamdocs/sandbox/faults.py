"""Throttling retries, and the test-only fault hook that proves clean-up works.

`IAMDOCS_FAULT` (or `deploy(faults=...)`) holds comma-separated entries:

- `fail:STEP`     raise InjectedFault right after the first successful call of STEP
                  (half-way: that step has created something, the next ones nothing);
- `throttle:STEP` answer the first call of STEP with a Throttling error, once;
- `pause:STEP`    after the first call of STEP, print "paused at STEP" and sleep,
                  so that a test can send SIGTERM or SIGINT at a known point.

STEP is a deploy step name (see iamdocs.sandbox.steps) or `verify` or `teardown`.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from iamdocs.errors import UserError

T = TypeVar("T")

THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
    "TooManyRequestsException", "RequestThrottled", "RequestThrottledException", "SlowDown",
})
MAX_ATTEMPTS = 6
BASE_DELAY = 0.2  # seconds; doubled per attempt, with jitter
FAULT_ENV = "IAMDOCS_FAULT"
KINDS = ("fail", "throttle", "pause")


class InjectedFault(RuntimeError):
    """The failure a test asked for with IAMDOCS_FAULT=fail:STEP."""


@dataclass
class Faults:
    """Which steps to break; each entry fires once."""

    entries: dict[str, set[str]] = field(default_factory=dict)  # kind -> steps
    pause_seconds: float = 60.0

    @classmethod
    def parse(cls, spec: str | None) -> Faults:
        faults = cls()
        for raw in (spec or "").split(","):
            item = raw.strip()
            if not item:
                continue
            kind, _, step = item.partition(":") if ":" in item else ("fail", "", item)
            if kind not in KINDS or not step:
                raise UserError(f"{FAULT_ENV}: cannot read {item!r}",
                                hint="write KIND:STEP, KIND one of " + ", ".join(KINDS))
            faults.entries.setdefault(kind, set()).add(step)
        return faults

    @classmethod
    def from_env(cls) -> Faults:
        return cls.parse(os.environ.get(FAULT_ENV))

    def _take(self, kind: str, step: str) -> bool:
        steps = self.entries.get(kind, set())
        if step in steps:
            steps.discard(step)
            return True
        return False

    def before_call(self, step: str, operation: str) -> None:
        if self._take("throttle", step):
            raise ClientError({"Error": {"Code": "Throttling", "Message": f"Rate exceeded (injected at {step})"}},
                              operation)

    def after_call(self, step: str) -> None:
        if self._take("fail", step):
            raise InjectedFault(f"injected failure at step {step}")
        if self._take("pause", step):
            print(f"paused at {step}", file=sys.stderr, flush=True)
            time.sleep(self.pause_seconds)


def is_throttling(exc: BaseException) -> bool:
    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in THROTTLING_CODES


def with_retries(fn: Callable[[], T], on_retry: Callable[[int, ClientError], None] | None = None,
                 attempts: int = MAX_ATTEMPTS, base_delay: float = BASE_DELAY,
                 sleep: Callable[[float], Any] = time.sleep) -> T:
    """Call `fn`, retrying throttling errors with exponential backoff and full jitter.

    botocore's 'standard' mode already retries most throttling; this outer loop
    covers what gets past it (its attempts exhausted under a burst of creates and
    deletes) and the injected throttling of the tests.
    """
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except ClientError as exc:
            if not is_throttling(exc) or attempt == attempts:
                raise
            if on_retry:
                on_retry(attempt, exc)
            sleep(random.uniform(0, base_delay * 2 ** (attempt - 1)))
    raise AssertionError("unreachable")
