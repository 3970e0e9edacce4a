"""Read back everything a run deployed and compare it with the sources after the same substitution.

Documents are compared as grants (iamdocs.grants), so a difference is reported
as the exact actions added or removed. What a target cannot show is reported as
a check that did not run: moto accepts a document without evaluating it, and has
no policy simulator, so only a real account gets the SimulatePrincipalPolicy checks.
"""

from __future__ import annotations

import ast
import json
import urllib.parse
from typing import Any

from iamdocs.grants import allowed_actions, diff, display_action, document_grants
from iamdocs.sandbox.report import FAILED, NOT_RUN, PASSED, Check
from iamdocs.sandbox.run import ExpectedRole, Run

NAME = "verify"
SIMULATE_BATCH = 50
DENIED_SAMPLE = 20


class DocumentError(ValueError):
    """A deployed document that cannot be read back as a policy."""


EMULATOR_REPR_NOTE = ("the emulator returned this document as a Python dict literal, not JSON "
                      "(moto stores CloudFormation inline policies that way); read with ast.literal_eval")


def decode_document(value: Any, emulator: bool = False) -> tuple[Any, str]:
    """A policy document as IAM returns it (a dict, JSON text or URL-encoded JSON), and a note on how it was read.

    Only against an emulator is a Python dict literal accepted, and the note says so.
    """
    if isinstance(value, dict):
        return value, ""
    text = str(value)
    for candidate in (text, urllib.parse.unquote(text)):
        try:
            return json.loads(candidate), ""
        except ValueError:
            pass
    if emulator and text.startswith("{"):
        try:
            doc = ast.literal_eval(text)
        except (ValueError, SyntaxError) as exc:
            raise DocumentError(f"not JSON and not a dict literal: {exc}") from exc
        if isinstance(doc, dict):
            return doc, EMULATOR_REPR_NOTE
    raise DocumentError(f"not a JSON policy document: {text[:80]!r}")


def compare_grants(r: Run, check_id: str, subject: str, expected: Any, deployed: Any) -> Check:
    """One check: equal grants pass; otherwise the actions added, removed or changed are listed."""
    want = document_grants(expected, r.db, r.values)
    try:
        doc, note = decode_document(deployed, r.target.is_emulator)
    except DocumentError as exc:
        return r.report.add(Check(check_id, subject, FAILED, f"cannot read the deployed document: {exc}"))
    got = document_grants(doc, r.db, r.values)
    d = diff(want, got)
    if d.clean:
        return r.report.add(Check(check_id, subject, PASSED,
                                  f"{len(want)} grants identical" + (f" ({note})" if note else "")))
    return r.report.add(Check(
        check_id, subject, FAILED, f"{len(d.added)} grant(s) added, {len(d.removed)} removed",
        added_actions=[display_action(a, r.db) for a in d.added_actions()],
        removed_actions=[display_action(a, r.db) for a in d.removed_actions()],
        changed_resources=[display_action(a, r.db) for a in d.changed_resources()],
    ))


def _normal(value: Any) -> Any:
    """Trust policies compared as data: one-item lists as their item, lists unordered."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_normal(v) for v in value]
        if len(items) == 1:
            return items[0]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _check(r: Run, check_id: str, subject: str, ok: bool, detail: str) -> None:
    r.report.add(Check(check_id, subject, PASSED if ok else FAILED, detail))


def verify_policies(r: Run) -> None:
    for arn, exp in r.policies.items():
        version = r.call("iam", "get_policy", PolicyArn=arn)["Policy"]["DefaultVersionId"]
        doc = r.call("iam", "get_policy_version", PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        kind = "boundary-grants" if exp.label.startswith("boundary") else "managed-policy-grants"
        compare_grants(r, kind, f"{exp.name} ({exp.label})", exp.document, doc)


def verify_role(r: Run, exp: ExpectedRole) -> None:
    subject = f"{exp.name} ({exp.label})"
    role = r.call("iam", "get_role", RoleName=exp.name)["Role"]
    try:
        trust, _ = decode_document(role["AssumeRolePolicyDocument"], r.target.is_emulator)
    except DocumentError as exc:
        trust = {"unreadable": str(exc)}
    _check(r, "trust-policy", subject, _normal(trust) == _normal(exp.trust),
           "trusts " + json.dumps(trust.get("Statement", [{}])[0].get("Principal")))
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    _check(r, "permissions-boundary", subject, boundary == exp.boundary_arn,
           f"boundary {boundary or 'none'}, expected {exp.boundary_arn or 'none'}")
    attached = {p["PolicyArn"] for p in r.call("iam", "list_attached_role_policies", RoleName=exp.name)
                ["AttachedPolicies"]}
    want = set(exp.managed)
    _check(r, "attached-policies", subject, attached == want,
           f"attached {sorted(attached) or 'none'}" + ("" if attached == want else f", expected {sorted(want)}"))
    names = set(r.call("iam", "list_role_policies", RoleName=exp.name)["PolicyNames"])
    same = names == set(exp.inline)
    _check(r, "inline-policy-names", subject, same,
           f"inline {sorted(names) or 'none'}" + ("" if same else f", expected {sorted(exp.inline)}"))
    for pname, (label, doc) in exp.inline.items():
        if pname in names:
            got = r.call("iam", "get_role_policy", RoleName=exp.name, PolicyName=pname)["PolicyDocument"]
            compare_grants(r, "inline-policy-grants", f"{exp.name}/{pname} ({label})", doc, got)
    profiles = {p["InstanceProfileName"] for p in r.call("iam", "list_instance_profiles_for_role", RoleName=exp.name)
                ["InstanceProfiles"]}
    _check(r, "instance-profile", subject, profiles == set(exp.instance_profiles),
           f"in {sorted(profiles) or 'no instance profile'}")


def _role_documents(r: Run, exp: ExpectedRole) -> list[Any]:
    docs = [r.policies[arn].document for arn in exp.managed if arn in r.policies]
    return docs + [doc for _, doc in exp.inline.values()]


def _sample_resource(resource: str) -> str:
    """A concrete ARN inside a resource pattern, for the simulator: `compute-engine/*` -> `compute-engine/iamdocs`."""
    return resource if resource == "*" else resource.replace("*", "iamdocs-sim").replace("?", "x")


def simulate_role(r: Run, exp: ExpectedRole, role_arn: str) -> None:
    """On a real account: every documented action allowed, a sample of undocumented ones denied."""
    subject = f"{exp.name} ({exp.label})"
    grants = set()
    for doc in _role_documents(r, exp):
        grants |= {g for g in document_grants(doc, r.db) if g.effect == "Allow" and not g.resource.startswith("!")}
    by_resource: dict[str, set[str]] = {}
    for g in grants:
        resource = g.resource.replace("{region}", r.target.region).replace("{account}", r.target.account)
        resource = resource.replace("{partition}", r.target.partition)
        by_resource.setdefault(_sample_resource(resource), set()).add(display_action(g.action, r.db))
    not_allowed = []
    for resource, actions in sorted(by_resource.items()):
        ordered = sorted(actions)
        for i in range(0, len(ordered), SIMULATE_BATCH):
            res = r.call("iam", "simulate_principal_policy", PolicySourceArn=role_arn,
                         ActionNames=ordered[i:i + SIMULATE_BATCH], ResourceArns=[resource])
            not_allowed += [f"{e['EvalActionName']} ({e['EvalDecision']})" for e in res["EvaluationResults"]
                            if e["EvalDecision"] != "allowed"]
    total = sum(len(a) for a in by_resource.values())
    r.report.add(Check("simulate-documented-allowed", subject, FAILED if not_allowed else PASSED,
                       f"{total - len(not_allowed)} of {total} documented actions allowed",
                       removed_actions=not_allowed))
    allowed = set().union(*(allowed_actions(doc, r.db) for doc in _role_documents(r, exp))) if grants else set()
    services = sorted({a.split(":")[0] for a in allowed})
    candidates = sorted(a.full_name for s in services for a in r.db.actions(s) if a.full_name.lower() not in allowed)
    step = max(1, len(candidates) // DENIED_SAMPLE)
    sample = candidates[::step][:DENIED_SAMPLE]
    if not sample:
        return
    res = r.call("iam", "simulate_principal_policy", PolicySourceArn=role_arn, ActionNames=sample, ResourceArns=["*"])
    wrongly = [e["EvalActionName"] for e in res["EvaluationResults"] if e["EvalDecision"] == "allowed"]
    r.report.add(Check("simulate-undocumented-denied", subject, FAILED if wrongly else PASSED,
                       f"{len(sample) - len(wrongly)} of {len(sample)} sampled undocumented actions denied",
                       added_actions=wrongly))


def run(r: Run) -> int:
    verify_policies(r)
    for exp in r.roles.values():
        verify_role(r, exp)
    if r.target.is_emulator:
        r.report.add(Check(
            "simulate-principal-policy", "every role", NOT_RUN,
            "the emulator has no policy simulator and checks permissions by action name only: this run shows "
            "that IAM accepted and returned the documents unchanged, not what they allow",
        ))
    else:
        for exp in r.roles.values():
            arn = r.call("iam", "get_role", RoleName=exp.name)["Role"]["Arn"]
            simulate_role(r, exp, arn)
    return 0
