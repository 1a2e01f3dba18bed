"""Reading the X-Ray trace header the Lambda runtime sets in ``_X_AMZN_TRACE_ID``.

The header looks like ``Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1``
(fields in any order, possibly with others such as ``Lineage``). The root is the trace id,
the parent the id of the segment Lambda opened for the invocation, and ``Sampled=1`` means
the runtime records this invocation: only then is there anything to trace.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["TraceHeader", "parse_trace_header"]

_ROOT = re.compile(r"1-[0-9a-f]{8}-[0-9a-f]{24}")
_PARENT = re.compile(r"[0-9a-f]{16}")


class TraceHeader(NamedTuple):
    """The fields of a well-formed header."""

    root: str
    parent: str
    sampled: bool

    @property
    def trace_id_hex(self) -> str:
        """The root as 32 hex digits (the form OpenTelemetry uses for trace ids)."""
        return self.root[2:10] + self.root[11:]


def parse_trace_header(raw: str) -> TraceHeader | str:
    """The header's fields, or a short reason (never the header itself) when it is malformed."""
    fields: dict[str, str] = {}
    for part in raw.strip().split(";"):
        name, sep, value = part.partition("=")
        if not sep:  # aws-xray-sdk cannot read such a header either (an empty field included)
            return "a field without '='"
        fields[name.strip()] = value.strip()
    root = fields.get("Root")
    if root is None or not _ROOT.fullmatch(root):
        return "missing or invalid Root"
    parent = fields.get("Parent")
    if parent is None or not _PARENT.fullmatch(parent):
        return "missing or invalid Parent"
    return TraceHeader(root, parent, fields.get("Sampled") == "1")
