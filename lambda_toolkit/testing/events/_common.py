"""Shared bits of the test-event factories: constants, merging overrides, encoding payloads."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from typing import Any

__all__ = ["ACCOUNT_ID", "REGION", "b64", "merge", "new_id", "payload_bytes", "payload_text"]

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated with ``overrides`` (AWS names); nested dicts merge, other values replace."""
    for key, value in overrides.items():
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            base[key] = merge(current, value)
        else:
            base[key] = value
    return base


def new_id() -> str:
    """A fresh UUID string (message ids, request ids)."""
    return str(uuid.uuid4())


def payload_text(value: Any) -> str:
    """A payload as the text AWS carries: strings as they are, bytes as UTF-8, anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8")
    return json.dumps(value, separators=(",", ":"))


def payload_bytes(value: Any) -> bytes:
    """A payload as bytes: bytes as they are, strings as UTF-8, anything else as JSON."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return payload_text(value).encode("utf-8")


def b64(value: Any) -> str:
    """``payload_bytes(value)`` base64-encoded, as Kinesis, Firehose, Kafka and MQ carry data."""
    return base64.b64encode(payload_bytes(value)).decode("ascii")
