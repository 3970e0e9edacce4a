"""The independent IAM evaluator the tests compare iamdocs with: @cloud-copilot/iam-simulate.

It is AGPL-3.0, so it is a test oracle only: `make oracle` fetches the pinned, SHA-256-checked
package into build/oracle (never committed, never in the site or the wheel), and this wrapper
runs it in one node process per batch, so ten thousand requests take seconds, not minutes.

A request is a dict (the shape decide.cjs reads):
    identity: [policy document, ...]        the principal's identity policies
    scps: [[document, ...], ...]            one list per level of the organisation, root first;
                                            [] or absent: the account is in no organisation
    rcps: [[document, ...], ...]            the same for resource control policies
    boundary: document | [document] | None  the permissions boundary
    resource_policy: document | None
    action: "service:Name"; resource: an ARN; context: {key: str | [str, ...]}
    principal: ARN (default arn:aws:iam::111122223333:role/iamdocs-oracle-probe)
    account: the resource's account (default the principal's)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "build" / "oracle" / "node_modules"
SCRIPT = Path(__file__).with_name("decide.cjs")

ALLOWED = "allowed"
DENIED = "denied"  # an explicit Deny applies
IMPLICIT = "implicitly denied"
_DECISIONS = {"Allowed": ALLOWED, "ExplicitlyDenied": DENIED, "ImplicitlyDenied": IMPLICIT}


class OracleUnavailable(RuntimeError):
    """node or the fetched package is missing: `make oracle` (part of `make test`) brings it."""


def decide_batch(requests: Sequence[Mapping[str, Any]], *, strict_context: bool = True,
                 timeout: float = 900) -> list[str]:
    """The oracle's decision for each request, in order: "allowed", "denied", "implicitly denied",
    or "error: <why>" when it refuses a request (an invalid policy, action or ARN).

    iam-simulate drops context keys that the action and resource type cannot have (AWS never
    sends them). With strict_context a request carrying such a key is "error: ..." instead,
    since it was not decided as written; without it the key is dropped, as AWS would.
    """
    if not requests:
        return []
    node = shutil.which("node")
    if node is None or not (MODULES / "@cloud-copilot" / "iam-simulate" / "package.json").is_file():
        raise OracleUnavailable(f"the IAM test oracle is not installed in {MODULES.parent}: run `make oracle`")
    stdin = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in requests)
    env = {**os.environ, "NODE_PATH": str(MODULES)}
    proc = subprocess.run([node, str(SCRIPT)], input=stdin, capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or len(lines) != len(requests):
        raise RuntimeError(f"the IAM test oracle failed (exit {proc.returncode}, {len(lines)} answers "
                           f"for {len(requests)} requests): {proc.stderr.strip()[-2000:]}")
    return [_decision(json.loads(line), strict_context) for line in lines]


def _decision(answer: Mapping[str, Any], strict_context: bool) -> str:
    if "error" in answer:
        return f"error: {answer['error']}"
    if strict_context and answer.get("ignored"):
        return "error: context keys this action and resource cannot have: " + ", ".join(answer["ignored"])
    return _DECISIONS[answer["decision"]]
