"""AWS's size limits for policies, as IAM counts characters: shared by the lint rules and the pages."""

from __future__ import annotations

import json
from typing import Any

from iamdocs.model import Limits


def limits_of(catalog: Any) -> Limits:
    """The catalog's limits, or AWS's defaults when there is no usable catalog."""
    return catalog.limits if catalog is not None else Limits()


def minified_size(document: Any) -> int:
    """Characters of a document as IAM counts them: JSON with all whitespace outside strings removed."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))
