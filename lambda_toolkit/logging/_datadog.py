"""``datadog_fields``: a processor that adds the attributes Datadog correlates logs and traces by.

Datadog joins a log to a trace through the ``dd.trace_id`` and ``dd.span_id`` attributes
(decimal strings) and to a service through ``dd.service``, ``dd.env`` and
``dd.version`` (unified service tagging: ``DD_SERVICE``, ``DD_ENV``, ``DD_VERSION``).
A Lambda function traced by X-Ray has its Datadog trace id derived from the X-Ray one:
the low 63 bits of the 96-bit identifier (the third part of ``1-<time>-<id>``), and its
parent span id from the ``Parent`` of the trace header, read as hexadecimal.
"""

from __future__ import annotations

import os

from lambda_toolkit.core.env import trace_header

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["datadog_fields", "datadog_span_id", "datadog_trace_id"]

_LOW_63_BITS = 0x7FFFFFFFFFFFFFFF


def datadog_trace_id(xray_trace_id: str) -> str | None:
    """The Datadog trace id (decimal) of an X-Ray trace id ``1-5759e988-bd86...``; None
    when it is not one."""
    parts = xray_trace_id.split("-")
    if len(parts) != 3 or len(parts[2]) != 24:
        return None
    try:
        return str(int(parts[2], 16) & _LOW_63_BITS)
    except ValueError:
        return None


def datadog_span_id(parent_id: str) -> str | None:
    """The Datadog span id (decimal) of an X-Ray segment id (16 hex digits); None when it
    is not one."""
    if len(parent_id) != 16:
        return None
    try:
        return str(int(parent_id, 16))
    except ValueError:
        return None


def _parent_of(root: str) -> str | None:
    # The Parent of the current trace header, only when it belongs to the line's trace.
    header = trace_header()
    if not header:
        return None
    found_root = parent = None
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "Root":
            found_root = value
        elif name == "Parent":
            parent = value
    return parent if found_root == root else None


def datadog_fields(line: dict[str, Any]) -> dict[str, Any]:
    """Add a ``dd`` object to the line: ``service`` (``DD_SERVICE``, else the line's
    ``service``), ``env`` and ``version`` (``DD_ENV``, ``DD_VERSION``, when set), and
    inside a traced invocation ``trace_id`` and ``span_id`` derived from the X-Ray ids.
    Use it as ``Logger(processors=[datadog_fields])``; the line's own fields are kept."""
    dd: dict[str, Any] = {}
    service = os.environ.get("DD_SERVICE") or line.get("service")
    if service:
        dd["service"] = service
    for field, variable in (("env", "DD_ENV"), ("version", "DD_VERSION")):
        value = os.environ.get(variable)
        if value:
            dd[field] = value
    root = line.get("xray_trace_id")
    if isinstance(root, str):
        trace_id = datadog_trace_id(root)
        if trace_id is not None:
            dd["trace_id"] = trace_id
            parent = _parent_of(root)
            span_id = None if parent is None else datadog_span_id(parent)
            if span_id is not None:
                dd["span_id"] = span_id
    if dd:
        existing = line.get("dd")
        line["dd"] = {**existing, **dd} if isinstance(existing, dict) else dd
    return line
