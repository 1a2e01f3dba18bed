"""Building one JSON line: timestamp, invocation fields, exception, encoding, size cap.

The encoder is made once (the C encoder of the json module, ASCII output so every
control character and line separator is escaped and one record is always one line).
"""

from __future__ import annotations

import json
import json.encoder
import time

from lambda_toolkit.core.env import trace_header
from lambda_toolkit.core.secrets import is_secret
from lambda_toolkit.core.state import current_record
from lambda_toolkit.logging._redaction import MASK, Redactor, safe_str

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
        "restored",
        "correlation_id",
        "route",
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


def _text_of(value: object) -> str:
    if type(value) is str:
        return escape(value)
    return escape(MASK if is_secret(value) else safe_str(value))


def _static_part(invocation: Invocation) -> str:
    # Assembled by hand (each value escaped by the C escaper): cheaper than encoding a dict.
    context = invocation.context
    memory = getattr(context, "memory_limit_in_mb", None)
    try:
        memory_json = "null" if memory is None else str(int(memory))
    except (TypeError, ValueError):
        memory_json = _text_of(memory)
    part = (
        f',"function_name":{_text_of(getattr(context, "function_name", ""))}'
        f',"function_request_id":{_text_of(invocation.request_id)}'
        f',"function_arn":{_text_of(getattr(context, "invoked_function_arn", ""))}'
        f',"function_memory_size":{memory_json}'
        f',"cold_start":{"true" if invocation.cold_start else "false"}'
    )
    if invocation.restored:  # only on the first invocation after a SnapStart restore
        part += ',"restored":true'
    if invocation.execution_arn is not None:  # a durable function: the execution it serves
        part += f',"durable_execution_arn":{_text_of(invocation.execution_arn)}'
    trace_id = _trace_id()
    if trace_id is not None:
        part += f',"xray_trace_id":{escape(trace_id)}'
    return part


def invocation_part(invocation: Invocation) -> str:
    """The invocation's fields and correlation id as JSON members, ``,"function_name":...``
    (function_name, function_request_id, function_arn, function_memory_size, cold_start,
    restored on the first invocation after a SnapStart restore, xray_trace_id when traced,
    correlation_id and route when set), computed once per invocation and again only when
    the correlation id or the route changes.

    While a batch record runs, its own correlation id (when it has one) is the line's:
    each thread or task reads its own current record."""
    cached: tuple[str, object, object, str] | None = invocation.data.get(_PART_KEY)
    record = current_record()
    correlation_id = None if record is None else record.correlation_id
    if correlation_id is None:
        correlation_id = invocation.correlation_id
    route = invocation.route
    if cached is not None and cached[1] is correlation_id and cached[2] is route:
        return cached[3]
    static = _static_part(invocation) if cached is None else cached[0]
    # (set by hand, the correlation id may be something else than a str)
    part = static if correlation_id is None else f'{static},"correlation_id":{_text_of(correlation_id)}'
    if route is not None:  # the route template (set by lambda_toolkit.http), never the raw path
        part += f',"route":{_text_of(route)}'
    invocation.data[_PART_KEY] = (static, correlation_id, route, part)
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


def _validation_text(error: BaseException) -> str | None:
    """A pydantic ``ValidationError`` without the input values its ``str`` quotes (the
    payload: ``input_value='4111...'``); None for any other exception. Recognised by
    module and method, so pydantic is never imported here."""
    module = type(error).__module__
    errors = getattr(error, "errors", None)
    if not module.startswith(("pydantic.", "pydantic_core.")) or not callable(errors):
        return None
    try:
        try:
            details = errors(include_input=False, include_url=False, include_context=False)
        except TypeError:  # pydantic v1: no options, and no input in its errors
            details = errors()
        lines = [f"{len(details)} validation error{'s' if len(details) != 1 else ''} for {error.title}"]  # type: ignore[attr-defined]
        for detail in details:
            location = ".".join(str(part) for part in detail.get("loc", ()))
            lines.append(f"{location or '(root)'}: {detail.get('msg', '')} [type={detail.get('type', '?')}]")
        return "\n".join(lines)
    except Exception:
        return f"{type(error).__name__} (details could not be read)"


def _message_of(error: BaseException) -> str:
    text = _validation_text(error)
    if text is not None:
        return text
    args = error.args
    if len(args) == 1 and is_secret(args[0]):  # str(error) would be the secret's value
        return MASK
    return safe_str(error)


def _one_exception(error: BaseException, redactor: Redactor) -> dict[str, Any]:
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return {
        "type": name,
        "message": redactor.cap(redactor.mask_text(_message_of(error))),
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
