"""Schemas shared by the validation tests."""

from __future__ import annotations

from typing import Any

import pytest

DRAFT_7 = "http://json-schema.org/draft-07/schema#"
DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"

# A prefix no message writes by itself: a hit is the submitted value leaking.
SECRET = "Zq9-s3cr3t-t0ken-value"


@pytest.fixture
def order_schema() -> dict[str, Any]:
    return {
        "$schema": DRAFT_2020,
        "type": "object",
        "properties": {
            "order_id": {"type": "string", "pattern": "^o-[0-9]+$"},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 100},
            "email": {"type": "string", "format": "email"},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 5}, "maxItems": 3},
        },
        "required": ["order_id"],
        "additionalProperties": False,
    }
