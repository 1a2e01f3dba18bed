"""Key material to a stable digest: SHA-256 of canonical JSON.

Canonical means: object keys sorted, no insignificant whitespace, UTF-8, and numbers in
one form (an integral float such as ``1.0`` hashes like ``1``, a Decimal like the number
it holds), so the same request hashes the same way whichever way it was decoded.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["canonical_json", "digest"]

# One encoder, built once: ``json.dumps`` with non-default options builds a new one per call.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_encode = _ENCODER.encode
_sha256 = hashlib.sha256


def _normalise(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    raise TypeError(f"{type(value).__name__} is not JSON")


def canonical_json(value: Any) -> str:
    """The canonical JSON text of ``value``; TypeError when it is not JSON data."""
    if type(value) is str:  # the usual key (an id, a header): nothing to normalise
        return _encode(value)
    return _encode(_normalise(value))


def digest(value: Any) -> str:
    """SHA-256 hex digest of the canonical JSON of ``value``."""
    return _sha256(canonical_json(value).encode("utf-8")).hexdigest()
