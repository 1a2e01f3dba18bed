"""Typed decoding of what triggers encode: base64, gzip, JSON, DynamoDB attribute values, S3 keys.

Each helper takes the field's path (``"Records.3.body"``) and raises ``EventValidationError``
naming that path, never the value, so a malformed payload never leaks into logs. The models
call these on demand (a record's body is decoded when it is read, not when it is validated),
and the envelopes call them with the full path of each record.

Payloads come from outside, so the helpers also turn what breaks Python's own decoders into
that error: JSON nested deeper than the interpreter's stack, numbers past Python's
4,300-digit limit, text with lone surrogates, DynamoDB values nested past DynamoDB's 32
levels, and gzip data that inflates past ``GUNZIP_MAX_BYTES`` (refused while inflating).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote_plus

from lambda_toolkit.events._errors import EventValidationError

__all__ = [
    "DYNAMODB_MAX_DEPTH",
    "GUNZIP_MAX_BYTES",
    "b64decode",
    "dynamodb_item",
    "dynamodb_value",
    "gunzip",
    "json_loads",
    "s3_key",
    "signed_bytes",
    "utf8_encode",
]

#: Largest size ``gunzip`` inflates to by default (16 MiB). CloudWatch Logs subscriptions
#: deliver at most about 1 MB of compressed data per invocation, which real log text inflates
#: to a few MB; more than this is a decompression bomb. Set it to change every default use
#: (models, envelopes); ``gunzip(max_size=...)`` overrides it for one call.
GUNZIP_MAX_BYTES = 16 * 1024 * 1024

_GUNZIP_STEP = 1024 * 1024

#: DynamoDB nests attribute values (maps and lists) at most 32 levels deep.
DYNAMODB_MAX_DEPTH = 32


def _fail(path: str, message: str, source: str) -> EventValidationError:
    return EventValidationError(source, [(path, message)])


def b64decode(value: Any, path: str = "", *, source: str = "payload") -> bytes:
    """Standard base64 (with padding) to bytes; ``EventValidationError`` at ``path`` otherwise."""
    if not isinstance(value, (str, bytes)):
        raise _fail(path, f"expected a base64 string, got {type(value).__name__}", source)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(path, "not valid base64", source) from None


def gunzip(data: bytes, path: str = "", *, source: str = "payload", max_size: int | None = None) -> bytes:
    """Decompress gzip data (one or more members) to at most ``max_size`` bytes.

    ``max_size`` defaults to ``GUNZIP_MAX_BYTES``. Inflating stops as soon as the output
    passes it (a bomb is never inflated in full). ``EventValidationError`` at ``path`` when
    the data is not gzip, is truncated, fails its checksum, or inflates past the limit.
    """
    import zlib

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _fail(path, f"expected gzip bytes, got {type(data).__name__}", source)
    limit = GUNZIP_MAX_BYTES if max_size is None else max_size
    out = bytearray()
    rest = bytes(data)
    try:
        while True:
            # wbits 16 + MAX_WBITS: a gzip member, header and trailer (CRC, size) checked by zlib.
            member = zlib.decompressobj(16 + zlib.MAX_WBITS)
            pending = rest
            while not member.eof:
                # Bounded steps: memory stays near what is kept, even for a bomb.
                chunk = member.decompress(pending, min(_GUNZIP_STEP, limit - len(out) + 1))
                out += chunk
                if len(out) > limit:
                    raise _fail(path, f"gzip data inflates past {limit} bytes", source)
                pending = member.unconsumed_tail
                if not chunk and not pending:
                    raise _fail(path, "not valid gzip data", source)  # truncated
            # Like gzip.decompress: members may follow each other, and zero padding may end the data.
            rest = member.unused_data.lstrip(b"\0")
            if not rest:
                return bytes(out)
    except zlib.error:
        raise _fail(path, "not valid gzip data", source) from None


def utf8_encode(text: str, path: str = "", *, source: str = "payload") -> bytes:
    """``text`` as UTF-8; ``EventValidationError`` at ``path`` when it holds lone surrogates.

    JSON allows ``"\\ud800"`` escapes that decode to a str no encoder accepts; such text
    reaches a model when an event's JSON carries it.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise _fail(path, "not valid UTF-8 text (lone surrogate)", source) from None


def json_loads(text: str | bytes | bytearray, path: str = "", *, source: str = "payload") -> Any:
    """Parse JSON; ``EventValidationError`` at ``path`` (with line and column) when it is not JSON."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise _fail(path, f"expected a JSON string, got {type(text).__name__}", source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(path, f"not valid JSON (line {exc.lineno}, column {exc.colno})", source) from None
    except UnicodeDecodeError:
        raise _fail(path, "not valid JSON", source) from None
    except RecursionError:
        raise _fail(path, "not valid JSON (nested too deeply)", source) from None
    except ValueError:
        # What json raises besides JSONDecodeError: an integer past sys.get_int_max_str_digits().
        raise _fail(path, "not valid JSON (a number has too many digits)", source) from None


def s3_key(key: str) -> str:
    """An S3 object key as sent in S3 notifications, URL-decoded (``+`` is a space)."""
    return unquote_plus(key)


def signed_bytes(values: Any, path: str = "", *, source: str = "payload") -> bytes:
    """Bytes from a list of byte values, signed (-128..127, as Kafka headers) or not (0..255)."""
    if not isinstance(values, list):
        raise _fail(path, f"expected a list of bytes, got {type(values).__name__}", source)
    try:
        return bytes(value & 0xFF if -128 <= value <= 255 else -1 for value in values)
    except (TypeError, ValueError):
        raise _fail(path, "expected a list of byte values (-128..255)", source) from None


def _number(value: Any, path: str, source: str) -> Decimal:
    if not isinstance(value, str):
        raise _fail(path, f"a DynamoDB number must be a string, got {type(value).__name__}", source)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _fail(path, "not a valid DynamoDB number", source) from None
    if not number.is_finite():
        raise _fail(path, "not a valid DynamoDB number", source)
    return number


def _string(value: Any, path: str, source: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, f"expected a string, got {type(value).__name__}", source)
    return value


def _items(value: Any, path: str, source: str, kind: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(path, f"a DynamoDB {kind} must be a list, got {type(value).__name__}", source)
    return value


def dynamodb_value(attribute: Any, path: str = "", *, source: str = "dynamodb-stream") -> Any:
    """One DynamoDB attribute value (``{"N": "1.5"}``) as Python.

    S -> str, N -> Decimal, B -> bytes, BOOL -> bool, NULL -> None, M -> dict, L -> list,
    SS/NS/BS -> set of str/Decimal/bytes. Anything else, and maps and lists nested more than
    ``DYNAMODB_MAX_DEPTH`` levels deep, raises ``EventValidationError``.
    """
    return _value(attribute, path, source, 0)


def _value(attribute: Any, path: str, source: str, depth: int) -> Any:
    if not isinstance(attribute, Mapping) or len(attribute) != 1:
        raise _fail(path, "a DynamoDB attribute value must be an object with exactly one type key", source)
    ((kind, value),) = attribute.items()
    where = f"{path}.{kind}" if path else str(kind)
    if kind == "S":
        return _string(value, where, source)
    if kind == "N":
        return _number(value, where, source)
    if kind == "BOOL":
        if not isinstance(value, bool):
            raise _fail(where, f"expected a boolean, got {type(value).__name__}", source)
        return value
    if kind == "NULL":
        return None
    if kind in ("M", "L"):
        # Checked here, not left to RecursionError: DynamoDB never sends deeper values.
        if depth >= DYNAMODB_MAX_DEPTH:
            raise _fail(where, f"nested deeper than DynamoDB's {DYNAMODB_MAX_DEPTH} levels", source)
        if kind == "M":
            return _item(value, where, source, depth + 1)
        return [
            _value(item, f"{where}.{i}", source, depth + 1)
            for i, item in enumerate(_items(value, where, source, "list"))
        ]
    if kind == "B":
        return b64decode(value, where, source=source)
    if kind == "SS":
        return {_string(item, f"{where}.{i}", source) for i, item in enumerate(_items(value, where, source, "set"))}
    if kind == "NS":
        return {_number(item, f"{where}.{i}", source) for i, item in enumerate(_items(value, where, source, "set"))}
    if kind == "BS":
        return {
            b64decode(item, f"{where}.{i}", source=source) for i, item in enumerate(_items(value, where, source, "set"))
        }
    raise _fail(path, "unknown DynamoDB attribute type", source)


def dynamodb_item(image: Any, path: str = "", *, source: str = "dynamodb-stream") -> dict[str, Any]:
    """A DynamoDB item (``NewImage``, ``OldImage``, ``Keys``) as a dict of Python values."""
    return _item(image, path, source, 0)


def _item(image: Any, path: str, source: str, depth: int) -> dict[str, Any]:
    if not isinstance(image, Mapping):
        raise _fail(path, f"a DynamoDB item must be an object, got {type(image).__name__}", source)
    return {
        name: _value(value, f"{path}.{name}" if path else str(name), source, depth) for name, value in image.items()
    }
