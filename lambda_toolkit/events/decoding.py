"""Typed decoding of what triggers encode: base64, gzip, JSON, DynamoDB attribute values, S3 keys.

Each helper takes the field's path (``"Records.3.body"``) and raises ``EventValidationError``
naming that path, never the value, so a malformed payload never leaks into logs. The models
call these on demand (a record's body is decoded when it is read, not when it is validated),
and the envelopes call them with the full path of each record.
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
    "b64decode",
    "dynamodb_item",
    "dynamodb_value",
    "gunzip",
    "json_loads",
    "s3_key",
    "signed_bytes",
]


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


def gunzip(data: bytes, path: str = "", *, source: str = "payload") -> bytes:
    """Decompress gzip data; ``EventValidationError`` at ``path`` when it is not gzip."""
    import gzip
    import zlib

    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        raise _fail(path, "not valid gzip data", source) from None


def json_loads(text: str | bytes | bytearray, path: str = "", *, source: str = "payload") -> Any:
    """Parse JSON; ``EventValidationError`` at ``path`` (with line and column) when it is not JSON."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise _fail(path, f"expected a JSON string, got {type(text).__name__}", source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(path, f"not valid JSON (line {exc.lineno}, column {exc.colno})", source) from None
    except (UnicodeDecodeError, RecursionError):
        raise _fail(path, "not valid JSON", source) from None


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
    SS/NS/BS -> set of str/Decimal/bytes. Anything else raises ``EventValidationError``.
    """
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
    if kind == "M":
        return dynamodb_item(value, where, source=source)
    if kind == "L":
        return [
            dynamodb_value(item, f"{where}.{i}", source=source)
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
    if not isinstance(image, Mapping):
        raise _fail(path, f"a DynamoDB item must be an object, got {type(image).__name__}", source)
    return {
        name: dynamodb_value(value, f"{path}.{name}" if path else str(name), source=source)
        for name, value in image.items()
    }
