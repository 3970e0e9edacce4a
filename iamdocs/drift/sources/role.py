"""A deployed role's permissions, read with read-only IAM calls.

The customer runs this against their own account, often with a narrowly
permitted user, so the calls are few and listed in READ_PERMISSIONS: the
guide renders that list, and a test checks that nothing else is called.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

from iamdocs.drift.compare import Copy
from iamdocs.errors import UserError
from iamdocs.positions import Location

# IAM API operation (as boto3's client calls it) -> the IAM action it needs. All read-only.
READ_PERMISSIONS: dict[str, str] = {
    "GetRole": "iam:GetRole",
    "ListAttachedRolePolicies": "iam:ListAttachedRolePolicies",
    "GetPolicy": "iam:GetPolicy",
    "GetPolicyVersion": "iam:GetPolicyVersion",
    "ListRolePolicies": "iam:ListRolePolicies",
    "GetRolePolicy": "iam:GetRolePolicy",
}


def role_location(name: str) -> Location:
    return Location(Path(f"role/{name}"))


def _document(doc: Any) -> Any:
    """boto3 decodes policy documents; other clients hand back URL-encoded JSON text."""
    if isinstance(doc, str):
        try:
            return json.loads(urllib.parse.unquote(doc))
        except ValueError:
            raise UserError("a policy document returned by IAM is not JSON") from None
    return doc


def _call(fn: Any, role: str, **kwargs: Any) -> Any:
    """One read-only call; whatever the target answers instead becomes one UserError line."""
    from botocore.exceptions import ClientError, NoCredentialsError  # lazy: botocore only for a deployed role

    from iamdocs.aws import AWS_ERRORS, describe_error  # lazy: boto3 only for a deployed role

    try:
        return fn(**kwargs)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "NoSuchEntity":
            raise UserError(f"role {role}: not found ({exc.response['Error'].get('Message', code)})") from None
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            raise UserError(f"role {role}: access denied to {exc.operation_name}",
                            hint="the check needs these read-only permissions: "
                                 + ", ".join(sorted(set(READ_PERMISSIONS.values())))) from None
        raise UserError(f"role {role}: {exc.operation_name} failed: {code}") from None
    except NoCredentialsError:
        raise UserError(f"role {role}: no AWS credentials found to read it with",
                        hint="use --profile NAME, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") from None
    except (*AWS_ERRORS, KeyError) as exc:  # timeouts, refused connections, a non-AWS answer
        meta = getattr(getattr(fn, "__self__", None), "meta", None)
        what = describe_error(exc, getattr(meta, "config", None), f"iam {getattr(fn, '__name__', 'call')}")
        raise UserError(f"role {role}: {what}") from None


def read_role(iam: Any, name: str) -> tuple[list[Copy], dict[str, str]]:
    """The role's attached managed policies (default version) and inline policies, as copies.

    Also returns the values its ARNs fill in (ACCOUNT_ID, REGION, PARTITION) so
    that resources compare equal with the policies' placeholders.
    """
    role = _call(iam.get_role, name, RoleName=name)["Role"]
    arn = role.get("Arn", "")
    parts = arn.split(":")
    values = {"ACCOUNT_ID": parts[4]} if len(parts) > 4 and parts[4] else {}
    region = getattr(getattr(iam, "meta", None), "region_name", None)
    if region and region != "aws-global":
        values["REGION"] = region
    loc = role_location(name)
    copies: list[Copy] = []
    marker: dict[str, Any] = {}
    while True:
        page = _call(iam.list_attached_role_policies, name, RoleName=name, **marker)
        for p in page.get("AttachedPolicies", []):
            pol = _call(iam.get_policy, name, PolicyArn=p["PolicyArn"])["Policy"]
            version = pol["DefaultVersionId"]
            doc = _call(iam.get_policy_version, name, PolicyArn=p["PolicyArn"], VersionId=version)
            copies.append(Copy(f"managed policy {p['PolicyName']} ({version})",
                               _document(doc["PolicyVersion"]["Document"]), loc, values=values))
        if not page.get("IsTruncated"):
            break
        marker = {"Marker": page["Marker"]}
    marker = {}
    while True:
        page = _call(iam.list_role_policies, name, RoleName=name, **marker)
        for pname in page.get("PolicyNames", []):
            doc = _call(iam.get_role_policy, name, RoleName=name, PolicyName=pname)
            copies.append(Copy(f"inline policy {pname}", _document(doc["PolicyDocument"]), loc, values=values))
        if not page.get("IsTruncated"):
            break
        marker = {"Marker": page["Marker"]}
    return copies, values
