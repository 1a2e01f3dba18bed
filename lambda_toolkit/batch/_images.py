"""DynamoDB attribute values (``{"S": "x"}``, ``{"N": "1"}``...) to plain Python values.

Used to hand a stream record's ``NewImage`` to the user's model. Numbers become ``int``
when they are integers and ``Decimal`` otherwise, so no precision is lost; binary values
are decoded from base64; sets become Python sets.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from lambda_toolkit.batch._sources import PayloadError

__all__ = ["image_to_python"]


def _number(text: Any, path: str) -> int | Decimal:
    if not isinstance(text, str):
        raise PayloadError(path, "number is not a string")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return Decimal(text)
    except InvalidOperation:
        raise PayloadError(path, "not a number") from None


def _binary(text: Any, path: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise PayloadError(path, "not valid base64") from None


def _value(attribute: Any, path: str) -> Any:
    if not isinstance(attribute, Mapping) or len(attribute) != 1:
        raise PayloadError(path, "not a DynamoDB attribute value")
    ((kind, raw),) = attribute.items()
    if kind == "S":
        return raw
    if kind == "N":
        return _number(raw, path)
    if kind == "BOOL":
        return raw
    if kind == "NULL":
        return None
    if kind == "M":
        return image_to_python(raw, path)
    if kind == "L":
        if not isinstance(raw, list):
            raise PayloadError(path, "L is not a list")
        return [_value(item, f"{path}.{index}") for index, item in enumerate(raw)]
    if kind == "B":
        return _binary(raw, path)
    if kind in ("SS", "NS", "BS") and isinstance(raw, list):
        if kind == "NS":
            return {_number(item, path) for item in raw}
        if kind == "BS":
            return {_binary(item, path) for item in raw}
        return set(raw)
    raise PayloadError(path, f"unknown attribute type {kind[:10]!r}")


def image_to_python(image: Any, path: str = "") -> dict[str, Any]:
    """Convert a DynamoDB item (a map of attribute values) to a plain dict."""
    if not isinstance(image, Mapping):
        raise PayloadError(path, "not a map of attribute values")
    return {name: _value(attribute, f"{path}.{name}" if path else str(name)) for name, attribute in image.items()}
