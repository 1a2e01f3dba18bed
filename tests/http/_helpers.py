"""Helpers of the http tests: one request through every trigger's event factory."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import (
    alb_event,
    api_gateway_http_event,
    api_gateway_rest_event,
    function_url_event,
    vpc_lattice_event,
    vpc_lattice_v2_event,
)

FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {
    "api-gateway-rest": api_gateway_rest_event,
    "api-gateway-http": api_gateway_http_event,
    "function-url": function_url_event,
    "alb": alb_event,
    "alb-multi-value": lambda *a, **k: alb_event(*a, multi_value=True, **k),
    "vpc-lattice": vpc_lattice_event,
    "vpc-lattice-v2": vpc_lattice_v2_event,
}


def call(app: Any, event: dict[str, Any]) -> dict[str, Any]:
    """``app(event, context)`` with a fake context."""
    result: dict[str, Any] = app(event, FakeContext())
    return result


def headers_of(answer: dict[str, Any]) -> dict[str, list[str]]:
    """The answer's headers, whatever the shape: lower-case name -> values."""
    found: dict[str, list[str]] = {}
    for name, value in (answer.get("headers") or {}).items():
        found.setdefault(name.lower(), []).append(value)
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        found.setdefault(name.lower(), []).extend(values)
    return found


def header(answer: dict[str, Any], name: str) -> str | None:
    """The last value of header ``name`` in the answer."""
    values = headers_of(answer).get(name.lower())
    return values[-1] if values else None


def body_bytes(answer: dict[str, Any]) -> bytes:
    """The answer's body as bytes (base64-decoded when flagged)."""
    body = answer["body"]
    return base64.b64decode(body) if answer["isBase64Encoded"] else body.encode()


def json_body(answer: dict[str, Any]) -> Any:
    """The answer's body parsed as JSON."""
    return json.loads(body_bytes(answer))
