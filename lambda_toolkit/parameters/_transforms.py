"""Turning a fetched value into what the caller asked for: JSON, base64 binary or a model.

A transform is ``None`` (the value as fetched), ``"json"``, ``"binary"`` (base64 text to
bytes), a pydantic model class or ``TypeAdapter`` (the value is JSON validated into it:
typed configuration), or any callable taking the value. Pydantic is never imported here:
a caller passing a model has imported it already.

A failure raises ``TransformError`` naming the parameter and what failed, never the value:
the underlying exception is summarised (position, field path, error type) and not chained,
because the messages of ``json`` and pydantic may quote the input.
"""

from __future__ import annotations

import sys

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.options import check_sync_callable
from lambda_toolkit.parameters._errors import TransformError
from lambda_toolkit.parameters._masked import MaskedBytes, MaskedStr

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from lambda_toolkit.parameters._protocols import Transform

__all__ = ["apply_transform", "check_transform", "describe_transform"]

_NAMED = frozenset({"json", "binary"})


def check_transform(transform: Transform) -> None:
    """Reject, at call time and before any request, a transform that cannot be applied."""
    if transform is None:
        return
    if isinstance(transform, str):
        if transform in _NAMED:
            return
        raise ConfigurationError(f"unknown transform {transform!r}: use 'json', 'binary', a model or a callable")
    if _is_model(transform) or _is_type_adapter(transform):
        return
    if callable(transform):
        check_sync_callable("transform", transform)
        return
    raise ConfigurationError(
        f"transform must be 'json', 'binary', a model or a callable, got {type(transform).__name__}"
    )


def describe_transform(transform: Transform) -> str:
    """A short name of the transform for messages."""
    if transform is None or isinstance(transform, str):
        return str(transform)
    return getattr(transform, "__name__", None) or type(transform).__name__


def apply_transform(value: Any, transform: Transform, *, name: str, what: str = "parameter") -> Any:
    """Apply ``transform`` to the value of ``name`` (a ``what``: parameter, secret...);
    raise ``TransformError`` on failure."""
    if transform is None:
        return value
    import base64
    import binascii
    import json

    problem = None
    try:
        if transform == "json":
            return json.loads(value)
        if transform == "binary":
            decoded = base64.b64decode(value, validate=True)
            return MaskedBytes(decoded) if isinstance(value, (MaskedStr, MaskedBytes)) else decoded
        model: Any = transform  # a model class or TypeAdapter, as the checks below tell
        if _is_model(model):
            return model.model_validate_json(value)
        if _is_type_adapter(model):
            return model.validate_json(value)
        return transform(value)
    except json.JSONDecodeError as exc:
        problem = f"invalid JSON at line {exc.lineno} column {exc.colno}"
    except (binascii.Error, ValueError, TypeError) as exc:
        problem = _summarise(exc, transform)
    except Exception as exc:  # a user's callable may raise anything
        problem = f"{type(exc).__name__} in {describe_transform(transform)}"
    raise TransformError(
        f"{what} {name!r}: transform {describe_transform(transform)} failed: {problem} (value not shown)",
        name=name,
    )


def _summarise(exc: Exception, transform: Transform) -> str:
    if transform == "binary":
        return "invalid base64"
    errors = getattr(exc, "errors", None)
    if callable(errors) and _pydantic_loaded():
        try:
            details = errors(include_input=False, include_url=False, include_context=False)
        except TypeError:  # pragma: no cover - older pydantic signature
            details = []
        parts = [f"{'.'.join(str(p) for p in d.get('loc', ())) or '(root)'}: {d.get('type')}" for d in details[:5]]
        more = f" and {len(details) - 5} more" if len(details) > 5 else ""
        return f"validation failed ({'; '.join(parts)}{more})"
    return f"{type(exc).__name__} in {describe_transform(transform)}"


def _pydantic_loaded() -> bool:
    return "pydantic" in sys.modules


def _is_model(transform: Any) -> bool:
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(transform, type) and issubclass(transform, pydantic.BaseModel)


def _is_type_adapter(transform: Any) -> bool:
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(transform, pydantic.TypeAdapter)
