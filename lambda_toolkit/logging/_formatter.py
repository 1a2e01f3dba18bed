"""Building one JSON line: timestamp, invocation fields, exception, encoding, size cap.

The encoder is made once (the C encoder of the json module, ASCII output so every
control character and line separator is escaped and one record is always one line).
"""

from __future__ import annotations

import json
import json.encoder
import time

from lambda_toolkit.core.env import trace_header
from lambda_toolkit.logging._redaction import Redactor, safe_str

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Any, TypeAlias

    from lambda_toolkit.core.state import Invocation

    ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None]

__all__ = [
    "RESERVED_FIELDS",
    "encode",
    "escape",
    "invocation_part",
    "exception_fields",
    "fit_line",
    "invocation_fields",
    "timestamp",
]

RESERVED_FIELDS = frozenset(
    {
        "timestamp",
        "level",
        "message",
        "service",
        "logger",
        "location",
        "function_name",
        "function_request_id",
        "function_arn",
        "function_memory_size",
        "cold_start",
        "correlation_id",
        "xray_trace_id",
        "exception",
        "truncated",
    }
)

_MAX_FRAMES = 50
_MAX_CAUSES = 5
_PART_KEY = "logging.part"


def _fallback(value: object) -> str:
    return safe_str(value)


def _make_encoder() -> Callable[[Any], str]:
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - interpreters without the C accelerator
        return json.JSONEncoder(default=_fallback, allow_nan=False, separators=(",", ":")).encode
    # No circular-reference markers: values are cleaned into fresh trees first, and a
    # cycle that slips through ends in RecursionError, which encode() turns into a fallback.
    iterencode = make(None, _fallback, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, False)

    def encode_fast(record: Any) -> str:
        return "".join(iterencode(record, 0))

    return encode_fast


_encode_fast = _make_encoder()
escape: Callable[[str], str] = json.encoder.encode_basestring_ascii  # a str as a JSON string literal
_encode_safe = json.JSONEncoder(default=_fallback, separators=(",", ":")).encode


def encode(record: Any, redactor: Redactor) -> str:
    """The JSON text of a record (or any value); never raises (unencodable parts are converted first)."""
    try:
        return _encode_fast(record)
    except (TypeError, ValueError, RecursionError, OverflowError):
        return _encode_safe(redactor.clean(record))


_PLAIN_REDACTOR = Redactor(enabled=False)
_second_cache: tuple[int, str] = (-1, "")
_MILLIS = tuple(f".{millis:03d}Z" for millis in range(1000))


def timestamp(now: float | None = None) -> str:
    """UTC, RFC 3339 with milliseconds: ``2026-11-27T12:08:35.123Z``."""
    global _second_cache
    if now is None:
        now = time.time()
    second = int(now)
    cached_second, prefix = _second_cache
    if second != cached_second:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second_cache = (second, prefix)  # one tuple, replaced atomically: thread-safe
    return prefix + _MILLIS[int((now - second) * 1000)]


def _trace_id() -> str | None:
    header = trace_header()
    if not header:
        return None
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "Root" and value:
            return value
    return None


def invocation_fields(invocation: Invocation) -> dict[str, Any]:
    """The fields every line of this invocation carries (``invocation_part`` caches them)."""
    context = invocation.context
    memory = getattr(context, "memory_limit_in_mb", None)
    try:
        memory_size: Any = int(memory) if memory is not None else None
    except (TypeError, ValueError):
        memory_size = safe_str(memory)
    name = getattr(context, "function_name", "")
    arn = getattr(context, "invoked_function_arn", "")
    fields = {
        "function_name": name if type(name) is str else safe_str(name),
        "function_request_id": invocation.request_id,
        "function_arn": arn if type(arn) is str else safe_str(arn),
        "function_memory_size": memory_size,
        "cold_start": invocation.cold_start,
    }
    trace_id = _trace_id()
    if trace_id is not None:
        fields["xray_trace_id"] = trace_id
    return fields


def invocation_part(invocation: Invocation) -> str:
    """The invocation's fields (and correlation id) as JSON members: ``,"function_name":...``."""
    cached: tuple[str, object, str] | None = invocation.data.get(_PART_KEY)
    correlation_id = invocation.correlation_id
    if cached is not None and cached[1] is correlation_id:
        return cached[2]
    if cached is None:
        fields = encode(invocation_fields(invocation), _PLAIN_REDACTOR)
        static = f",{fields[1:-1]}"
    else:
        static = cached[0]
    if correlation_id is None:
        part = static
    elif type(correlation_id) is str:
        part = f'{static},"correlation_id":{escape(correlation_id)}'
    else:  # set by hand to something else than a str
        part = f'{static},"correlation_id":{encode(safe_str(correlation_id), _PLAIN_REDACTOR)}'
    invocation.data[_PART_KEY] = (static, correlation_id, part)
    return part


def _frames(tb: TracebackType | None) -> list[dict[str, Any]]:
    import traceback  # only when an exception is logged

    summary = traceback.extract_tb(tb)
    frames = [
        {"file": frame.filename, "line": frame.lineno, "function": frame.name, "code": frame.line or ""}
        for frame in summary
    ]
    return frames[-_MAX_FRAMES:]


def exception_fields(error: BaseException, redactor: Redactor) -> dict[str, Any]:
    """Type, message (secrets masked) and structured stack of an exception and its causes."""
    fields = _one_exception(error, redactor)
    current, outer = error, fields
    for _ in range(_MAX_CAUSES):
        cause = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        if cause is None:
            break
        inner = _one_exception(cause, redactor)
        outer["cause"] = inner
        current, outer = cause, inner
    return fields


def _one_exception(error: BaseException, redactor: Redactor) -> dict[str, Any]:
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return {
        "type": name,
        "message": redactor.cap(redactor.mask_text(safe_str(error))),
        "stack": _frames(error.__traceback__),
    }


def fit_line(record: dict[str, Any], line: str, max_chars: int, redactor: Redactor) -> str:
    """A line over the cap keeps its standard fields and a cut message; the rest is named."""
    if len(line) <= max_chars:
        return line
    kept = {key: record[key] for key in record if key in RESERVED_FIELDS and key not in ("exception", "message")}
    dropped = [key for key in record if key not in kept and key != "message"]
    kept["truncated"] = True
    kept["dropped_fields"] = dropped
    message = record.get("message")
    message_text = message if isinstance(message, str) else encode(message, redactor)
    kept["message"] = ""
    budget = max_chars - len(encode(kept, redactor)) - 64
    if budget > 0:
        cut = message_text[:budget]
        # escapes make the JSON longer than the text: shrink until it fits
        while cut:
            kept["message"] = f"{cut}...[truncated]"
            if len(encode(kept, redactor)) <= max_chars:
                break
            cut = cut[: len(cut) // 2]
    if not kept["message"]:
        kept["message"] = "[truncated]"
    return encode(kept, redactor)
