"""Helpers for the sandbox tests: an outside view of the moto server, with plain boto3 clients."""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.config import Config

MOTO_ACCOUNT = "123456789012"  # moto's default account


def endpoint_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return env


def client(url: str, service: str) -> Any:
    # proxies={}: the outside view must reach the local server even in the tests that set HTTP_PROXY
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(proxies={}))


def inventory(url: str) -> dict[str, set[str]]:
    """Every role, local policy, instance profile and live stack in the server, by name."""
    iam, cfn = client(url, "iam"), client(url, "cloudformation")
    return {
        "roles": {r["RoleName"] for r in iam.list_roles()["Roles"]},
        "policies": {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]},
        "instance_profiles": {p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]},
        "stacks": {s["StackName"] for s in cfn.list_stacks()["StackSummaries"]
                   if s["StackStatus"] != "DELETE_COMPLETE"},
    }


def quiet(_: str) -> None:
    """A progress sink for API runs."""
