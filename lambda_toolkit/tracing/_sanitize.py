"""Make annotations and metadata acceptable to X-Ray before they reach a backend.

X-Ray indexes annotations whose keys are letters, digits and underscores (at most 500
characters) and whose values are strings (at most 1000 characters), numbers or booleans;
it rejects a whole segment document that is not valid JSON or is larger than 64 KB.
So annotations are checked and repaired here, and metadata is turned into plain JSON
values and capped against a per-span byte budget. Problems are reported once
(``_warn``) and never raised: tracing must not change what the traced code does.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import math
import re
import uuid
import weakref
from collections.abc import Mapping
from typing import Any

from lambda_toolkit.tracing._types import AnnotationValue
from lambda_toolkit.tracing._warn import warn_once

__all__ = [
    "ANNOTATION_KEY_MAX",
    "ANNOTATION_VALUE_MAX",
    "DEFAULT_METADATA_MAX_BYTES",
    "MetadataBudget",
    "clean_annotation",
    "to_json_text",
]

ANNOTATION_KEY_MAX = 500
ANNOTATION_VALUE_MAX = 1000
# Room for the rest of a subsegment document (ids, times, annotations, a stack trace)
# under X-Ray's 64 KB limit.
DEFAULT_METADATA_MAX_BYTES = 32 * 1024
PREVIEW_CHARS = 1024
_MAX_DEPTH = 32

_INVALID_KEY_CHARS = re.compile(r"[^A-Za-z0-9_]")
_PLAIN_SCALARS = (str, int, bool, type(None))


def clean_annotation(key: object, value: object) -> tuple[str, AnnotationValue] | None:
    """The (key, value) to record, repaired where possible, or None to drop it."""
    if not isinstance(key, str) or not key:
        warn_once("annotation-key-type", type(key).__name__, "annotation dropped: its key must be a non-empty str")
        return None
    if len(key) > ANNOTATION_KEY_MAX or _INVALID_KEY_CHARS.search(key):
        fixed = _INVALID_KEY_CHARS.sub("_", key)[:ANNOTATION_KEY_MAX]
        warn_once(
            "annotation-key",
            key,
            f"annotation key {key[:80]!r} is not accepted by X-Ray (letters, digits and underscores, "
            f"at most {ANNOTATION_KEY_MAX}); recorded as {fixed[:80]!r}",
        )
        key = fixed
    if isinstance(value, int):  # bool is an int
        return key, value
    if isinstance(value, str):
        if len(value) > ANNOTATION_VALUE_MAX:
            warn_once(
                "annotation-length",
                key,
                f"annotation {key!r} is longer than {ANNOTATION_VALUE_MAX} characters; recorded truncated",
            )
            return key, value[:ANNOTATION_VALUE_MAX]
        return key, value
    if isinstance(value, float):
        if math.isfinite(value):
            return key, value
        warn_once("annotation-value", key, f"annotation {key!r} dropped: a number that is not finite")
        return None
    if isinstance(value, enum.Enum) and isinstance(value.value, (str, int, float)):
        return clean_annotation(key, value.value)
    if isinstance(value, decimal.Decimal) and value.is_finite():
        return key, int(value) if value == value.to_integral_value() else float(value)
    warn_once(
        "annotation-value",
        key,
        f"annotation {key!r} dropped: a value of type {type(value).__name__} is not a str, number or bool "
        "(use put_metadata for structured values)",
    )
    return None


def to_json_text(value: Any, key: str) -> tuple[Any, str]:
    """``value`` as plain JSON data, and its compact JSON text.

    Plain JSON values are kept as they are; anything else is converted (dates to ISO 8601,
    decimals to numbers, sets and tuples to lists, dataclasses and pydantic models to
    objects, bytes to a size marker) and what cannot be converted becomes a marker naming
    its type, with one warning.
    """
    try:
        return value, json.dumps(value, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        pass
    converted = _Converter(key).convert(value, 0)
    return converted, json.dumps(converted, separators=(",", ":"), allow_nan=False)


class _Converter:
    def __init__(self, key: str) -> None:
        self._key = key
        self._active: set[int] = set()

    def _unserializable(self, value: Any, why: str) -> str:
        name = type(value).__name__
        warn_once("metadata-value", f"{self._key}:{name}:{why}", f"metadata {self._key!r}: {why} ({name}) replaced")
        return f"<{why}: {name}>"

    def convert(self, value: Any, depth: int) -> Any:
        if isinstance(value, _PLAIN_SCALARS):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else str(value)
        if depth >= _MAX_DEPTH:
            return self._unserializable(value, "nested too deep")
        marker = id(value)
        if marker in self._active:
            return self._unserializable(value, "circular reference")
        self._active.add(marker)
        try:
            return self._convert_container(value, depth + 1)
        finally:
            self._active.discard(marker)

    def _convert_container(self, value: Any, depth: int) -> Any:
        if isinstance(value, Mapping):
            return {_key_text(k): self.convert(v, depth) for k, v in value.items()}
        if isinstance(value, (list, tuple, set, frozenset)):
            return [self.convert(item, depth) for item in value]
        if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
            return value.isoformat()
        if isinstance(value, decimal.Decimal):
            if not value.is_finite():
                return str(value)
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, enum.Enum):
            return self.convert(value.value, depth)
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return f"<{len(value)} bytes>"
        if isinstance(value, BaseException):
            return {"type": type(value).__name__, "message": _safe_str(value)}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: self.convert(getattr(value, f.name), depth) for f in dataclasses.fields(value)}
        dump = getattr(value, "model_dump", None)  # pydantic v2 models, without importing pydantic
        if callable(dump) and not isinstance(value, type):
            try:
                return self.convert(dump(mode="json"), depth)
            except Exception:
                return self._unserializable(value, "not serializable")
        return self._unserializable(value, "not serializable")


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, enum.Enum):
        return str(key.value)
    return (
        str(key) if isinstance(key, (int, float, bool, type(None), uuid.UUID, decimal.Decimal)) else type(key).__name__
    )


def _safe_str(value: object) -> str:
    try:
        return str(value)
    except Exception:
        return ""


class MetadataBudget:
    """How many bytes of metadata each span may still take (weakly keyed by the span)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._used: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()

    def fit(self, span: Any, key: str, value: Any) -> tuple[Any, str]:
        """The value to record for ``key`` on ``span`` and its JSON text, capped to the budget."""
        data, text = to_json_text(value, key)
        size = len(text)  # ASCII: json.dumps escapes the rest, as the SDKs do when sending
        try:
            used = self._used.get(span, 0)
        except TypeError:  # a span that cannot be weakly referenced: cap each value alone
            used = 0
        if used + size > self.max_bytes:
            preview_len = max(0, min(PREVIEW_CHARS, self.max_bytes - used - 100))
            warn_once(
                "metadata-size",
                key,
                f"metadata {key!r} of {size} bytes is over the {self.max_bytes}-byte budget of its span "
                "(X-Ray rejects documents over 64 KB); recorded truncated",
            )
            data = {"truncated": True, "bytes": size, "preview": text[:preview_len]}
            text = json.dumps(data, separators=(",", ":"))
            size = len(text)
        try:
            self._used[span] = used + size
        except TypeError:
            pass
        return data, text
