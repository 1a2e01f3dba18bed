"""Results to JSON text for the store, and back to the type the function returns.

dicts, lists, strings, numbers, booleans and None are stored as they are; a pydantic
model as its JSON dump; a dataclass as its fields. On a replay the JSON is turned back
into the declared type (the function's return annotation, or an explicit ``output_type``)
with pydantic, imported only when a non-plain type needs it.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Callable
from typing import Any

from lambda_toolkit.idempotency._errors import IdempotencySerializationError

__all__ = ["Decoder", "dump_result", "load_result", "make_decoder", "return_type_of"]

Decoder = Callable[[Any], Any]

_PLAIN = (dict, list, str, int, float, bool, type(None))


def _default(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        return dump(mode="json", by_alias=True)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(type(value).__name__)


# Built once: ``json.dumps``/``json.loads`` with options build a new encoder per call.
_ENCODER = json.JSONEncoder(default=_default, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_encode = _ENCODER.encode
_raw_decode = json.JSONDecoder().raw_decode


def dump_result(value: Any, where: str) -> str:
    """The JSON text of a result; IdempotencySerializationError naming the type when it has none."""
    try:
        text = _encode(value)
        if not text.isascii():
            # Stores keep UTF-8 (DynamoDB does); a lone surrogate has no UTF-8 form.
            text.encode()
        return text
    except UnicodeEncodeError:
        # Not the codec's message: it quotes the character and its position in the result.
        raise IdempotencySerializationError(
            f"{where}: the result cannot be stored as JSON ({type(value).__name__} holds text that is not "
            "valid Unicode: a lone surrogate, such as half of an emoji); return well-formed strings"
        ) from None
    except (TypeError, ValueError) as exc:
        raise IdempotencySerializationError(
            f"{where}: the result cannot be stored as JSON ({type(value).__name__} holds {exc}); "
            "return JSON data, a pydantic model or a dataclass, or set output_type"
        ) from None


def load_result(text: str | None) -> Any:
    """The JSON data of a stored result (None when there is none); ValueError when it is not JSON."""
    if not text:
        return None
    try:
        # Stored results are compact JSON: skip json.loads' whitespace scans.
        value, end = _raw_decode(text)
        if end == len(text):
            return value
    except ValueError:
        pass
    return json.loads(text)  # surrounding whitespace, or the error


def return_type_of(fn: Callable[..., Any]) -> Any:
    """The return annotation of ``fn`` (resolved), or Any when it has none or it cannot be resolved."""
    target = _unwrap(fn)
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # forward references that do not resolve: no conversion
        return Any
    return hints.get("return", Any)


def _unwrap(fn: Callable[..., Any]) -> Callable[..., Any]:
    while hasattr(fn, "__wrapped__"):
        fn = fn.__wrapped__
    return fn


def _is_plain(tp: Any) -> bool:
    if tp is Any or tp is None or tp is object:
        return True
    if tp in _PLAIN:
        return True
    origin = typing.get_origin(tp)
    if origin in (dict, list):
        return all(_is_plain(arg) for arg in typing.get_args(tp))
    if origin is typing.Union:
        return all(_is_plain(arg) for arg in typing.get_args(tp))
    import types

    if isinstance(tp, types.UnionType):
        return all(_is_plain(arg) for arg in typing.get_args(tp))
    return False


def make_decoder(tp: Any, where: str) -> Decoder:
    """A function turning stored JSON data back into ``tp``.

    Plain JSON types are returned as they are; anything else (pydantic models,
    dataclasses, tuples, containers of them) goes through a pydantic TypeAdapter.
    """
    if _is_plain(tp):
        return _identity
    from pydantic import TypeAdapter, ValidationError

    try:
        adapter: Any = TypeAdapter(tp)
    except Exception:
        raise IdempotencySerializationError(
            f"{where}: cannot rebuild results of type {tp!r}; set output_type"
        ) from None

    def decode(data: Any) -> Any:
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            raise IdempotencySerializationError(
                f"{where}: the stored result does not fit {getattr(tp, '__name__', tp)!s} "
                f"({exc.error_count()} validation error(s))"
            ) from None

    return decode


def _identity(data: Any) -> Any:
    return data
