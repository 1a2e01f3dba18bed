"""Key extraction: a JMESPath expression, a list of them, or a callable, over the event.

Expressions are compiled when the decorator is set up, so a typo fails at import time.
They may use helper functions on top of standard JMESPath:

- ``json_decode(s)``: parse a JSON string (an API Gateway or SQS ``body``); text that is not
  JSON gives null (nothing found); valid JSON Python cannot parse (nested too deeply, a number
  past the 4,300-digit limit) raises ``IdempotencyKeyError``;
- ``base64_decode(s)``: decode base64 text to a UTF-8 string;
- ``lower_keys(obj)``: the object with lower-cased keys (HTTP headers, whatever the case).

For example ``json_decode(body).order_id`` or ``lower_keys(headers)."idempotency-key"``.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from lambda_toolkit.idempotency._errors import IdempotencyConfigurationError, IdempotencyKeyError

__all__ = ["MISSING", "KeySpec", "compile_key", "to_data"]

KeySpec: TypeAlias = "str | Sequence[str] | Callable[[Any], Any] | None"

MISSING: Any = object()
"""What an extractor returns when the key material is absent."""

_options: Any = None


def _jmespath_options() -> Any:
    """Build (once) the jmespath Options carrying the helper functions."""
    global _options
    if _options is None:
        import jmespath
        from jmespath import functions

        class _Helpers(functions.Functions):
            @functions.signature({"types": ["string"]})
            def _func_json_decode(self, text: str) -> Any:
                try:
                    return json.loads(text)
                except json.JSONDecodeError:
                    return None
                except RecursionError:
                    raise _unreadable("nested too deeply") from None
                except ValueError:  # besides JSONDecodeError: a number past Python's digit limit
                    raise _unreadable("a number has too many digits") from None

            @functions.signature({"types": ["string"]})
            def _func_base64_decode(self, text: str) -> Any:
                try:
                    return base64.b64decode(text, validate=True).decode("utf-8")
                except ValueError:
                    return None

            @functions.signature({"types": ["object"]})
            def _func_lower_keys(self, obj: dict[str, Any]) -> Any:
                return {str(k).lower(): v for k, v in obj.items()}

        _options = jmespath.Options(custom_functions=_Helpers())
    return _options


def _unreadable(why: str) -> IdempotencyKeyError:
    # Valid JSON that Python cannot read: finding "nothing" could let the function run
    # without idempotency, so the call fails instead (naming the helper, never the text).
    return IdempotencyKeyError(f"idempotency: json_decode() got JSON it cannot parse ({why})")


def to_data(value: Any) -> Any:
    """Plain JSON-like data of ``value``: a pydantic model is dumped, a dataclass made a dict."""
    if type(value) is dict:  # the usual event: nothing to convert
        return value
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        return dump(mode="json", by_alias=True)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def _is_nothing(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not value)


def _compile_path(expression: str, what: str) -> Callable[[Any], Any]:
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        compiled = jmespath.compile(expression)
    except JMESPathError:
        raise IdempotencyConfigurationError(
            f"idempotency {what}: {expression!r} is not a valid JMESPath expression"
        ) from None
    parsed: Any = compiled.parsed
    fields = _field_names(parsed)
    if fields is not None:
        return _field_search(fields)
    # One interpreter per expression (``search`` builds one per call); it keeps no
    # per-call state, so threads can share it.
    from jmespath.visitor import TreeInterpreter

    visit = TreeInterpreter(_jmespath_options()).visit

    def search(data: Any) -> Any:
        return visit(parsed, data)

    return search


def _field_names(parsed: dict[str, Any]) -> tuple[str, ...] | None:
    """The names of a plain field path (``a``, ``a.b."c-d"``), or None for any other expression."""
    if parsed["type"] == "field":
        return (parsed["value"],)
    if parsed["type"] == "subexpression" and all(child["type"] == "field" for child in parsed["children"]):
        return tuple(child["value"] for child in parsed["children"])
    return None


def _field_search(names: tuple[str, ...]) -> Callable[[Any], Any]:
    """A plain field path evaluated as JMESPath does (``.get`` per step; None where a step cannot)."""
    if len(names) == 1:
        name = names[0]

        def one(data: Any) -> Any:
            try:
                return data.get(name)
            except AttributeError:
                return None

        return one

    def path(data: Any) -> Any:
        for name in names:
            try:
                data = data.get(name)
            except AttributeError:
                return None
        return data

    return path


def compile_key(spec: KeySpec, what: str = "key") -> Callable[[Any], Any]:
    """An extractor ``data -> key material`` (or MISSING) for ``spec``.

    None takes the whole data; a string is one JMESPath expression; a sequence of strings
    gives a list of results (missing when any of them finds nothing). Expressions see a
    pydantic model or a dataclass as its JSON data. A callable is called with the data as
    it is (None or an empty value counts as nothing).
    """
    if spec is None:
        return lambda data: _or_missing(to_data(data))
    if isinstance(spec, str):
        search = _compile_path(spec, what)

        def extract(data: Any) -> Any:
            value = search(data if type(data) is dict else to_data(data))
            if value is None or (isinstance(value, (str, list, dict)) and not value):
                return MISSING
            return value

        return extract
    if callable(spec):
        fn = spec
        return lambda data: _or_missing(fn(data))
    if isinstance(spec, Sequence) and spec and all(isinstance(item, str) for item in spec):
        searches = [_compile_path(item, what) for item in spec]

        def search_all(data: Any) -> Any:
            plain = to_data(data)
            found = [search(plain) for search in searches]
            return MISSING if any(_is_nothing(item) for item in found) else found

        return search_all
    raise IdempotencyConfigurationError(
        f"idempotency {what} must be a JMESPath string, a non-empty list of them, or a callable"
    )


def _or_missing(value: Any) -> Any:
    return MISSING if _is_nothing(value) else value
