"""Key extraction: a JMESPath expression, a list of them, or a callable, over the event.

Expressions are compiled when the decorator is set up, so a typo (or an unknown function)
fails at import time. They use the package's one JMESPath dialect
(``lambda_toolkit.core.expressions``): standard JMESPath plus ``json_decode(s)``,
``base64_decode(s)``, ``base64_gzip_decode(s)`` and ``lower_keys(obj)``, the same helpers
as every other utility's expressions. For example ``json_decode(body).order_id`` or
``lower_keys(headers)."idempotency-key"``.

Text that is not JSON finds nothing (the key is missing, handled by ``on_missing_key``);
valid JSON Python cannot parse (nested too deeply, a number past the 4,300-digit limit), or
data that does not fit the expression (a function given the wrong type), raises
``IdempotencyKeyError``: treating it as "nothing" could let the function run without
idempotency.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.expressions import ExpressionError, compile_expression
from lambda_toolkit.core.options import check_sync_callable
from lambda_toolkit.idempotency._errors import IdempotencyConfigurationError, IdempotencyKeyError

__all__ = ["MISSING", "KeySpec", "compile_key", "to_data"]

KeySpec: TypeAlias = str | Sequence[str] | Callable[[Any], Any] | None
"""What ``key`` and ``payload`` accept: a JMESPath expression, a non-empty list of them,
a callable ``data -> key material``, or None (the whole data)."""

MISSING: Any = object()
"""What an extractor returns when the key material is absent."""


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
    try:
        return compile_expression(expression).search
    except ConfigurationError as error:
        raise IdempotencyConfigurationError(f"idempotency {what}: {error}") from None


def _unreadable(what: str, error: ExpressionError) -> IdempotencyKeyError:
    # Named by the expression and the helper, never the event text.
    return IdempotencyKeyError(f"idempotency {what}: {error}")


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
            try:
                value = search(data if type(data) is dict else to_data(data))
            except ExpressionError as error:
                raise _unreadable(what, error) from None
            if value is None or (isinstance(value, (str, list, dict)) and not value):
                return MISSING
            return value

        return extract
    if callable(spec):
        check_sync_callable(f"idempotency {what}", spec, error=IdempotencyConfigurationError)
        fn = spec
        return lambda data: _or_missing(fn(data))
    if isinstance(spec, Sequence) and spec and all(isinstance(item, str) for item in spec):
        searches = [_compile_path(item, what) for item in spec]

        def search_all(data: Any) -> Any:
            plain = to_data(data)
            try:
                found = [search(plain) for search in searches]
            except ExpressionError as error:
                raise _unreadable(what, error) from None
            return MISSING if any(_is_nothing(item) for item in found) else found

        return search_all
    raise IdempotencyConfigurationError(
        f"idempotency {what} must be a JMESPath string, a non-empty list of them, or a callable"
    )


def _or_missing(value: Any) -> Any:
    return MISSING if _is_nothing(value) else value
