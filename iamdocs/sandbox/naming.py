"""Names and tags for everything a run creates, so that a run's resources can always be found again.

Every name starts with `iamdocs-sbx-<run id>-`, and every resource carries the
tags `iamdocs:managed-by=iamdocs` and `iamdocs:run=<run id>`. Clean-up looks
for both the prefix and the tags: it never touches a resource without them.

Two more tags say whether a run may still be working: `iamdocs:owner`
(`host/pid/start`, the process that runs it) and `iamdocs:lease-until` (UTC, the
latest time the run can still be going). `--cleanup` removes a run's resources
only once its lease has expired or its owner, on this host, is gone
(`release_reason`): a run in progress against the same sandbox is left alone.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import secrets
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "iamdocs-sbx"
TAG_MANAGED_BY = "iamdocs:managed-by"
MANAGED_BY = "iamdocs"
TAG_RUN = "iamdocs:run"
TAG_OWNER = "iamdocs:owner"
TAG_LEASE = "iamdocs:lease-until"
# The longest a run can take: five stacks created and deleted in a real account, with the waiters' limits.
LEASE = datetime.timedelta(hours=3)

# IAM and CloudFormation name length limits.
ROLE_NAME_MAX = 64
INSTANCE_PROFILE_NAME_MAX = 128
POLICY_NAME_MAX = 128
STACK_NAME_MAX = 128


def new_run_id() -> str:
    """8 random hex digits: short enough for role names, unique enough for parallel runs."""
    return secrets.token_hex(4)


def _start_ticks(pid: int) -> str:
    """The process's start time (Linux /proc, in clock ticks since boot): a reused PID has another one."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def this_owner() -> str:
    """`host/pid/start` of this process, as the owner tag records it."""
    pid = os.getpid()
    return f"{socket.gethostname()}/{pid}/{_start_ticks(pid)}"


def owner_alive(owner: str) -> bool | None:
    """True or False for an owner on this host; None when it ran elsewhere and cannot be checked."""
    host, _, rest = owner.partition("/")
    pid_text, _, ticks = rest.partition("/")
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    return not ticks or _start_ticks(pid) in ("", ticks)


def _utc(text: str) -> datetime.datetime | None:
    try:
        when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=datetime.UTC)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class Naming:
    run_id: str
    owner: str = field(default_factory=this_owner)
    lease_until: str = field(default_factory=lambda: (_now() + LEASE).strftime("%Y-%m-%dT%H:%M:%SZ"))

    @property
    def prefix(self) -> str:
        return f"{PREFIX}-{self.run_id}"

    def name(self, *parts: str, limit: int = ROLE_NAME_MAX) -> str:
        """`iamdocs-sbx-<run>-part-part`, shortened with a hash when it would pass `limit`."""
        full = "-".join([self.prefix, *parts])
        if len(full) <= limit:
            return full
        digest = hashlib.sha256(full.encode()).hexdigest()[:6]
        return f"{full[: limit - 7]}-{digest}"

    @property
    def tags(self) -> list[dict[str, str]]:
        return [{"Key": TAG_MANAGED_BY, "Value": MANAGED_BY}, {"Key": TAG_RUN, "Value": self.run_id},
                {"Key": TAG_OWNER, "Value": self.owner}, {"Key": TAG_LEASE, "Value": self.lease_until}]


def tag_map(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    """IAM and CloudFormation return tags as [{Key, Value}]; ownership checks want a plain mapping."""
    return {t["Key"]: t["Value"] for t in tags or []}


def is_ours(name: str, tags: Iterable[Mapping[str, str]] | None, run_id: str | None = None) -> bool:
    """True only for a resource with our name prefix *and* our tags (of `run_id`, when given)."""
    if not name.startswith(f"{PREFIX}-"):
        return False
    found = tag_map(tags)
    if found.get(TAG_MANAGED_BY) != MANAGED_BY or TAG_RUN not in found:
        return False
    return run_id is None or (found[TAG_RUN] == run_id and name.startswith(f"{PREFIX}-{run_id}"))


def release_reason(tags: Iterable[Mapping[str, str]] | None, now: datetime.datetime | None = None) -> str | None:
    """Why `--cleanup` may remove a resource of ours; None while its run may still be in progress.

    Resources of runs from before leases (no lease tag) are released: no run in progress carries none.
    """
    found = tag_map(tags)
    lease = found.get(TAG_LEASE)
    if lease is None:
        return "its run has no lease tag (an earlier iamdocs)"
    until = _utc(lease)
    if until is None:
        return f"its run's lease {lease!r} cannot be read"
    if until <= (now or _now()):
        return f"its run's lease expired at {lease}"
    owner = found.get(TAG_OWNER, "")
    if owner and owner_alive(owner) is False:
        return f"its run's owner {owner} is gone"
    return None
