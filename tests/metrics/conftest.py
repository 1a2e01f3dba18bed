"""Every EMF document written in these tests is checked against the specification."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SCHEMA = json.loads((Path(__file__).parent / "emf_schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def valid_emf(document: dict[str, Any]) -> dict[str, Any]:
    """Validate against the JSON Schema, then the rules a schema cannot say: every
    referenced metric and dimension is a top-level key with a value of the right kind."""
    VALIDATOR.validate(document)
    for directive in document["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for name in dimension_set:
                assert isinstance(document.get(name), str), f"dimension {name} missing at top level"
        for metric in directive["Metrics"]:
            value = document.get(metric["Name"])
            values = value if isinstance(value, list) else [value]
            assert 1 <= len(values) <= 100, f"metric {metric['Name']} has {len(values)} values"
            assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)
    return document


class EMFStream(io.StringIO):
    """A stream that parses and validates what was written to it."""

    def documents(self) -> list[dict[str, Any]]:
        lines = self.getvalue().splitlines()
        return [valid_emf(json.loads(line)) for line in lines]


@pytest.fixture
def stream() -> EMFStream:
    return EMFStream()
