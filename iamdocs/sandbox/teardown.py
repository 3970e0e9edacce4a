"""Remove what a run created, and find and remove leftovers of earlier runs by tag.

Teardown runs in three passes, each of which tolerates the failures of the one
before: (1) undo the run's journal in dependency order (stacks, instance
profile links, instance profiles, attachments, inline policies, roles,
policies); (2) sweep: find every resource with the run's name prefix *and*
tags and delete it with everything hanging off it (this catches what a crash
left out of the journal, and what an emulator's stack deletion left behind);
(3) look again, and report whatever is still there as left behind.

A resource without our prefix and tags is never changed: when one of ours is
tied to one of those (a policy attached to a foreign role), ours is left in
place and reported, rather than detaching it from someone else's resource.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from iamdocs.sandbox.faults import InjectedFault, with_retries
from iamdocs.sandbox.naming import PREFIX, TAG_LEASE, TAG_OWNER, TAG_RUN, is_ours, release_reason, tag_map
from iamdocs.sandbox.run import TEARDOWN_ORDER, Run
from iamdocs.sandbox.target import Target

Caller = Callable[..., Any]  # call(service, operation, **kwargs)
# What a failed delete may raise; anything else is a bug and propagates.
CLEANUP_ERRORS = (ClientError, BotoCoreError, WaiterError, InjectedFault)
GONE_CODES = {"NoSuchEntity", "NoSuchEntityException"}


def _gone(exc: BaseException) -> bool:
    if not isinstance(exc, ClientError):
        return False
    err = exc.response.get("Error", {})
    return err.get("Code") in GONE_CODES or "does not exist" in str(err.get("Message", ""))


@dataclass
class Cleaner:
    """Deletes through `call` and records what was deleted and what could not be."""

    call: Caller
    target: Target
    say: Callable[[str], None]
    deleted: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)  # ours, but tied to a resource that is not
    in_progress: dict[str, dict[str, str]] = field(default_factory=dict)  # run ID -> owner and lease, skipped

    def attempt(self, kind: str, id: str, how: str, fn: Callable[[], Any]) -> bool:
        """Run one delete; True when the resource is gone (also when it already was)."""
        try:
            fn()
        except CLEANUP_ERRORS as exc:
            if _gone(exc):
                return True
            self.failures.append({"kind": kind, "id": id, "error": str(exc)})
            self.say(f"teardown: could not delete {kind} {id}: {exc}")
            return False
        self.deleted.append({"kind": kind, "id": id, "how": how})
        return True

    # -- listing, paginated by hand so that every call goes through `call` --

    def _iam_pages(self, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        marker = None
        while True:
            page = self.call("iam", operation, **kwargs, **({"Marker": marker} if marker else {}))
            yield from page.get(key, [])
            if not page.get("IsTruncated"):
                return
            marker = page["Marker"]

    def _stacks(self) -> Iterator[dict[str, Any]]:
        token = None
        while True:
            page = self.call("cloudformation", "list_stacks", **({"NextToken": token} if token else {}))
            yield from (s for s in page.get("StackSummaries", []) if s["StackStatus"] != "DELETE_COMPLETE")
            token = page.get("NextToken")
            if not token:
                return

    def find(self, run_id: str | None) -> dict[str, list[str]]:
        """Our resources, by prefix and tags: stack names, instance profile names, role names, policy ARNs.

        Without a run ID (`--cleanup`), a run whose lease is still valid and whose owner is alive is skipped
        and noted in `in_progress`: it may be deploying into the same sandbox right now.
        """
        prefix = f"{PREFIX}-{run_id}" if run_id else f"{PREFIX}-"
        found: dict[str, list[str]] = {"stack": [], "instance-profile": [], "role": [], "policy": []}
        for s in self._stacks():
            if s["StackName"].startswith(prefix):
                tags = self.call("cloudformation", "describe_stacks", StackName=s["StackId"])["Stacks"][0].get("Tags")
                if self._take(s["StackName"], tags, run_id):
                    found["stack"].append(s["StackName"])
        for p in self._iam_pages("list_instance_profiles", "InstanceProfiles"):
            name = p["InstanceProfileName"]
            if name.startswith(prefix) and self._take(name, self._tags("instance-profile", name), run_id):
                found["instance-profile"].append(name)
        for ro in self._iam_pages("list_roles", "Roles"):
            name = ro["RoleName"]
            if name.startswith(prefix) and self._take(name, self._tags("role", name), run_id):
                found["role"].append(name)
        for po in self._iam_pages("list_policies", "Policies", Scope="Local"):
            if po["PolicyName"].startswith(prefix) and self._take(po["PolicyName"], self._tags("policy", po["Arn"]),
                                                                  run_id):
                found["policy"].append(po["Arn"])
        return found

    def _take(self, name: str, tags: list[dict[str, str]] | None, run_id: str | None) -> bool:
        """Ours (of `run_id`), and, when sweeping every run, of a run that is over."""
        if tags is None or not is_ours(name, tags, run_id):
            return False
        if run_id is None and release_reason(tags) is None:
            t = tag_map(tags)
            self.in_progress.setdefault(t[TAG_RUN], {"run": t[TAG_RUN], "owner": t.get(TAG_OWNER, ""),
                                                     "lease_until": t.get(TAG_LEASE, "")})
            return False
        return True

    def _tags(self, kind: str, id: str) -> list[dict[str, str]] | None:
        """The resource's tags; None when it is gone."""
        try:
            if kind == "role":
                return list(self.call("iam", "list_role_tags", RoleName=id)["Tags"])
            if kind == "instance-profile":
                # get_instance_profile carries the tags (moto has no ListInstanceProfileTags)
                return list(self.call("iam", "get_instance_profile", InstanceProfileName=id)["InstanceProfile"]
                            .get("Tags", []))
            return list(self.call("iam", "list_policy_tags", PolicyArn=id)["Tags"])
        except ClientError as exc:
            if _gone(exc):
                return None
            raise

    def _ours(self, kind: str, id: str) -> bool:
        """Ours, of any run: the test before touching a resource tied to one of ours."""
        tags = self._tags(kind, id)
        return tags is not None and is_ours(id, tags)

    # -- deleting one resource with everything that hangs off it --

    def stack(self, name: str, how: str, known: list[dict[str, str]] | None = None) -> bool:
        """Delete a stack, wait for it, then remove what the stack deletion left behind."""
        resources = list(known or [])
        try:
            resources += [{"type": x.get("ResourceType", ""), "physical": x["PhysicalResourceId"]}
                          for x in self.call("cloudformation", "describe_stack_resources", StackName=name)
                          ["StackResources"] if x.get("PhysicalResourceId") and x.get("LogicalResourceId")]
        except CLEANUP_ERRORS as exc:
            if _gone(exc):
                return True
        cfn = self.target.client("cloudformation")
        delay = 1 if self.target.is_emulator else 5

        def delete() -> None:
            self.call("cloudformation", "delete_stack", StackName=name)
            cfn.get_waiter("stack_delete_complete").wait(
                StackName=name, WaiterConfig={"Delay": delay, "MaxAttempts": 720 // delay})

        ok = self.attempt("stack", name, how, delete)
        for res in {(r["type"], r["physical"]) for r in resources}:
            if res[0] == "AWS::IAM::Role" and self._exists("role", res[1]):
                self.say(f"teardown: stack {name} left role {res[1]} behind; deleting it")
                self.role(res[1], "left behind by stack deletion", stack_made=True)
            elif res[0] == "AWS::IAM::InstanceProfile" and self._exists("instance-profile", res[1]):
                self.say(f"teardown: stack {name} left instance profile {res[1]} behind; deleting it")
                self.instance_profile(res[1], "left behind by stack deletion")
        return ok

    def _exists(self, kind: str, name: str) -> bool:
        try:
            if kind == "role":
                self.call("iam", "get_role", RoleName=name)
            else:
                self.call("iam", "get_instance_profile", InstanceProfileName=name)
        except ClientError as exc:
            if _gone(exc):
                return False
            raise
        return True

    def instance_profile(self, name: str, how: str) -> bool:
        """Remove its roles (a link inside our profile), then delete it."""
        def delete() -> None:
            profile = self.call("iam", "get_instance_profile", InstanceProfileName=name)["InstanceProfile"]
            for role in profile.get("Roles", []):
                self.call("iam", "remove_role_from_instance_profile", InstanceProfileName=name,
                          RoleName=role["RoleName"])
            self.call("iam", "delete_instance_profile", InstanceProfileName=name)
        return self.attempt("instance-profile", name, how, delete)

    def role(self, name: str, how: str, stack_made: bool = False) -> bool:
        """Leave foreign instance profiles alone; detach, delete inline policies, then delete the role."""
        def delete() -> None:
            profiles = self.call("iam", "list_instance_profiles_for_role", RoleName=name)["InstanceProfiles"]
            for p in profiles:
                pname = p["InstanceProfileName"]
                if not (stack_made or self._ours("instance-profile", pname)):
                    self.kept.append({"kind": "role", "id": name,
                                      "reason": f"in instance profile {pname}, which iamdocs did not create"})
                    raise _Kept()
            for p in profiles:
                self.call("iam", "remove_role_from_instance_profile", InstanceProfileName=p["InstanceProfileName"],
                          RoleName=name)
            for p in self.call("iam", "list_attached_role_policies", RoleName=name)["AttachedPolicies"]:
                self.call("iam", "detach_role_policy", RoleName=name, PolicyArn=p["PolicyArn"])
            for pname in self.call("iam", "list_role_policies", RoleName=name)["PolicyNames"]:
                self.call("iam", "delete_role_policy", RoleName=name, PolicyName=pname)
            self.call("iam", "delete_role", RoleName=name)
        try:
            return self.attempt("role", name, how, delete)
        except _Kept:
            return False

    def policy(self, arn: str, how: str) -> bool:
        """Detach from our roles only, delete old versions, then delete the policy."""
        def delete() -> None:
            ents = self.call("iam", "list_entities_for_policy", PolicyArn=arn)
            foreign = [f"user {u['UserName']}" for u in ents.get("PolicyUsers", [])]
            foreign += [f"group {g['GroupName']}" for g in ents.get("PolicyGroups", [])]
            roles = [ro["RoleName"] for ro in ents.get("PolicyRoles", [])]
            foreign += [f"role {n}" for n in roles if not self._ours("role", n)]
            if foreign:
                self.kept.append({"kind": "policy", "id": arn,
                                  "reason": "attached to " + ", ".join(foreign) + ", which iamdocs did not create"})
                raise _Kept()
            for n in roles:
                self.call("iam", "detach_role_policy", RoleName=n, PolicyArn=arn)
            for v in self.call("iam", "list_policy_versions", PolicyArn=arn)["Versions"]:
                if not v["IsDefaultVersion"]:
                    self.call("iam", "delete_policy_version", PolicyArn=arn, VersionId=v["VersionId"])
            self.call("iam", "delete_policy", PolicyArn=arn)
        try:
            return self.attempt("policy", arn, how, delete)
        except _Kept:
            return False

    def sweep(self, run_id: str | None, how: str) -> None:
        """Delete everything of ours (of `run_id`, or of every run), in dependency order."""
        found = self.find(run_id)
        for name in found["stack"]:
            self.stack(name, how)
        found = self.find(run_id)  # stacks may have taken some with them
        for name in found["instance-profile"]:
            self.instance_profile(name, how)
        for name in found["role"]:
            self.role(name, how)
        for arn in found["policy"]:
            self.policy(arn, how)

    def left_behind(self, run_id: str | None) -> list[dict[str, Any]]:
        kept = {(k["kind"], k["id"]): k["reason"] for k in self.kept}
        return [{"kind": kind, "id": id, "reason": kept.get((kind, id), "still present after teardown")}
                for kind, ids in self.find(run_id).items() for id in ids]


class _Kept(Exception):
    """Internal: a resource of ours is tied to a foreign one and stays."""


def _undo(c: Cleaner, kind: str, id: str, detail: dict[str, Any]) -> bool:
    how = "journal"
    if kind == "stack":
        return c.stack(id, how, detail.get("resources"))
    if kind == "profile-role":
        return c.attempt(kind, id, how, lambda: c.call("iam", "remove_role_from_instance_profile",
                                                       InstanceProfileName=detail["instance_profile"],
                                                       RoleName=detail["role"]))
    if kind == "instance-profile":
        return c.attempt(kind, id, how, lambda: c.call("iam", "delete_instance_profile", InstanceProfileName=id))
    if kind == "attachment":
        return c.attempt(kind, id, how, lambda: c.call("iam", "detach_role_policy", RoleName=detail["role"],
                                                       PolicyArn=detail["policy_arn"]))
    if kind == "inline-policy":
        return c.attempt(kind, id, how, lambda: c.call("iam", "delete_role_policy", RoleName=detail["role"],
                                                       PolicyName=detail["policy_name"]))
    if kind == "role":
        return c.attempt(kind, id, how, lambda: c.call("iam", "delete_role", RoleName=id))
    if kind == "policy":
        return c.policy(id, how)
    raise ValueError(f"unknown journal kind {kind}")


def teardown(r: Run) -> None:
    """Undo the journal, sweep the run's tag, and record what is left behind in the report."""
    r.step = "teardown"
    server = r.target.server
    if server is not None and server.ended is not None:
        # The embedded server held everything in its own memory: with it gone, nothing can be left behind.
        r.progress(f"teardown: the embedded sandbox server stopped (exit status {server.ended}) and took everything "
                   f"this run created with it; nothing is left behind")
        r.report.errors.append(f"the embedded sandbox server stopped during the run (exit status {server.ended})")
        return
    c = Cleaner(r.call, r.target, r.progress)
    for kind in TEARDOWN_ORDER:
        for res in reversed([x for x in r.journal if x.kind == kind and not x.deleted]):
            res.deleted = _undo(c, res.kind, res.id, res.detail)
    try:
        c.sweep(r.naming.run_id, "sweep by run tag")
    except CLEANUP_ERRORS as exc:
        r.report.errors.append(f"teardown: the sweep by tag failed: {exc}")
    r.report.deleted.extend(c.deleted)
    try:
        r.report.left_behind.extend(c.left_behind(r.naming.run_id))
    except CLEANUP_ERRORS as exc:
        r.report.errors.append(f"teardown: could not list what is left behind: {exc}")
        r.report.left_behind.append({"kind": "unknown", "id": f"{PREFIX}-{r.naming.run_id}-*",
                                     "reason": "could not be checked"})
    r.progress(f"teardown: {len(c.deleted)} deleted, {len(r.report.left_behind)} left behind")


def plain_caller(target: Target) -> Caller:
    """A caller for `--cleanup`: throttling retried, no run, no faults."""
    def call(service: str, operation: str, **kwargs: Any) -> Any:
        client = target.client(service)
        return with_retries(lambda: getattr(client, operation)(**kwargs))
    return call
