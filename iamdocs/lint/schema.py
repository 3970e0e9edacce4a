"""JSON Schema validators, built once per process: construction is the costly part."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=4)
def schema_validator(schema_file: Path) -> Any:
    """The JSON Schema validator for `schema_file`, built once per process (construction is costly)."""
    import jsonschema  # lazy: jsonschema is a slow import; only schema checks need it

    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)
