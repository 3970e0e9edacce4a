"""What a run did and found: progress lines, the human summary and the JSON report.

The report says which checks ran, which passed, and which could not run on this
target and why, so that a green run against an emulator is never read as more
than the emulator can show.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from iamdocs import __version__
from iamdocs.fsutil import write_atomic

PASSED, FAILED, NOT_RUN = "passed", "failed", "not-run"


@dataclass
class Check:
    """One comparison: `subject` (a policy, a role, a stack) against what the sources say."""

    id: str  # e.g. managed-policy-grants, trust-policy, simulate-allowed
    subject: str
    status: str  # passed, failed or not-run
    detail: str = ""
    added_actions: list[str] = field(default_factory=list)  # deployed, but not in the source
    removed_actions: list[str] = field(default_factory=list)  # in the source, not deployed
    changed_resources: list[str] = field(default_factory=list)  # same action, other resource or condition


@dataclass
class StepResult:
    name: str
    status: str  # ok, failed, interrupted, skipped
    seconds: float
    created: int = 0
    error: str | None = None


def sha256_file(path: Path) -> str:
    """The digest the report records, so a run can be tied to the exact sources it deployed."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_digest(files: Iterable[Path], root: Path) -> dict[str, Any]:
    """sha256 of every source file deployed, and one digest over their names and hashes."""
    hashes = {str(p.resolve().relative_to(root.resolve())): sha256_file(p) for p in sorted(files)}
    combined = hashlib.sha256("".join(f"{k}\0{v}\n" for k, v in sorted(hashes.items())).encode()).hexdigest()
    return {"files": hashes, "digest": combined}


@dataclass
class Report:
    run_id: str
    command: str = "deploy"
    target: dict[str, Any] = field(default_factory=dict)
    options: list[str] = field(default_factory=list)
    stacks: list[dict[str, Any]] = field(default_factory=list)
    steps: list[StepResult] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[dict[str, Any]] = field(default_factory=list)
    left_behind: list[dict[str, Any]] = field(default_factory=list)
    in_progress: list[dict[str, str]] = field(default_factory=list)  # --cleanup: runs skipped, still going
    retries: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sources: dict[str, Any] = field(default_factory=dict)
    server: dict[str, Any] | None = None  # the embedded server: pid, url, peak_rss_mb
    process: dict[str, Any] | None = None  # this process: pid, peak_rss_mb
    started: str = field(default_factory=lambda: _now())
    finished: str | None = None
    seconds: float = 0.0
    outcome: str = "running"  # passed, failed, interrupted
    exit_code: int | None = None

    def add(self, check: Check) -> Check:
        self.checks.append(check)
        return check

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAILED]

    def finish(self, seconds: float, interrupted: bool = False) -> int:
        """Set the outcome and exit code: 0 only when every check passed and nothing is left behind."""
        self.finished = _now()
        self.seconds = round(seconds, 3)
        if interrupted:
            self.outcome, self.exit_code = "interrupted", 130
        elif self.failed_checks or self.left_behind or self.errors:
            self.outcome, self.exit_code = "failed", 1
        else:
            self.outcome, self.exit_code = "passed", 0
        return self.exit_code

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data = {"tool": f"iamdocs {__version__}", **data}
        data["checks_run"] = sorted({c.id for c in self.checks if c.status != NOT_RUN})
        data["checks_not_run"] = [{"id": c.id, "subject": c.subject, "reason": c.detail}
                                  for c in self.checks if c.status == NOT_RUN]
        return data

    def write(self, path: Path) -> None:
        """Write the JSON report through the one atomic writer: never half a report, never over a device."""
        write_atomic(path, json.dumps(self.to_json(), indent=2) + "\n")

    def summary(self) -> str:
        """A few lines for people: what was deployed where, what passed, what could not be checked."""
        t = self.target
        where = f"{t.get('kind', '?')} target, account {t.get('account', '?')}, {t.get('region', '?')}"
        lines = [f"iamdocs {self.command} run {self.run_id}: {self.outcome.upper()} ({where}, {self.seconds:.1f} s)"]
        if self.options:
            lines.append(f"  role options: {', '.join(self.options)}")
        if self.stacks:
            lines.append(f"  stacks: {', '.join(s['combination'] for s in self.stacks)}")
        ran = [c for c in self.checks if c.status != NOT_RUN]
        passed = sum(1 for c in ran if c.status == PASSED)
        if self.command == "deploy":  # --cleanup checks nothing; "0 of 0 passed" would read as a result
            lines.append(f"  checks: {passed} of {len(ran)} passed")
        for c in self.failed_checks:
            lines.append(f"  FAILED {c.id} {c.subject}: {c.detail}")
            if c.added_actions:
                lines.append(f"    added: {', '.join(c.added_actions)}")
            if c.removed_actions:
                lines.append(f"    removed: {', '.join(c.removed_actions)}")
            if c.changed_resources:
                lines.append(f"    other resource or condition: {', '.join(c.changed_resources)}")
        not_run: dict[str, str] = {}
        for c in self.checks:
            if c.status == NOT_RUN:
                not_run.setdefault(c.id, c.detail)
        for cid, why in not_run.items():
            lines.append(f"  not run: {cid}: {why}")
        for err in self.errors:
            lines.append(f"  error: {err}")
        lines.append(f"  resources: {len(self.created)} created, {len(self.deleted)} deleted, "
                     f"{len(self.left_behind)} left behind")
        for r in self.left_behind:
            lines.append(f"  LEFT BEHIND {r['kind']} {r['id']}: {r.get('reason', '')}")
        for r in self.in_progress:
            lines.append(f"  SKIPPED run {r['run']}: in progress (owner {r['owner'] or '?'}, "
                         f"lease until {r['lease_until'] or '?'})")
        if self.retries:
            lines.append(f"  throttling: {len(self.retries)} call(s) retried")
        return "\n".join(lines)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def stderr_progress(message: str) -> None:
    print(f"[iamdocs] {message}", file=sys.stderr, flush=True)
