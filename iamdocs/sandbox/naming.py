"""Names and tags for everything a run creates, so that a run's resources can always be found again.

Every name starts with `iamdocs-sbx-<run id>-`, and every resource carries the
tags `iamdocs:managed-by=iamdocs` and `iamdocs:run=<run id>`. Clean-up looks
for both the prefix and the tags: it never touches a resource without them.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PREFIX = "iamdocs-sbx"
TAG_MANAGED_BY = "iamdocs:managed-by"
MANAGED_BY = "iamdocs"
TAG_RUN = "iamdocs:run"

# IAM and CloudFormation name length limits.
ROLE_NAME_MAX = 64
INSTANCE_PROFILE_NAME_MAX = 128
POLICY_NAME_MAX = 128
STACK_NAME_MAX = 128


def new_run_id() -> str:
    """8 random hex digits: short enough for role names, unique enough for parallel runs."""
    return secrets.token_hex(4)


@dataclass(frozen=True)
class Naming:
    run_id: str

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
        return [{"Key": TAG_MANAGED_BY, "Value": MANAGED_BY}, {"Key": TAG_RUN, "Value": self.run_id}]


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
