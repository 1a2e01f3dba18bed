"""``validate``: one name, two forms, told apart by how it is called.

- ``validate(data, schema, envelope=None)``: the function. ``data`` and ``schema`` are
  given (positionally or by name); it validates now and returns the payload (``data``
  itself, or what the envelope found in it).
- ``@validate(inbound=..., outbound=..., envelope=..., http_errors=...)``: the decorator,
  keyword-only and without ``data``/``schema``. Built on the core middleware engine; its
  schemas are compiled when it is applied, so an invalid one fails at import.

Anything else (bare ``@validate``, ``validate(data)``, the two forms' arguments mixed) is a
``ConfigurationError`` saying which form was meant.
"""

from __future__ import annotations

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.middleware import Call, Middleware, MiddlewareDecorator
from lambda_toolkit.validation._envelope import unwrapper
from lambda_toolkit.validation._errors import ValidationError
from lambda_toolkit.validation._schema import Schema, compile_schema

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, Concatenate, ParamSpec, TypeAlias, TypeVar, overload

    from lambda_toolkit.events.envelopes import Envelope
    from lambda_toolkit.validation._envelope import Unwrap

    P = ParamSpec("P")
    R = TypeVar("R")
    SchemaLike: TypeAlias = "Schema | Mapping[str, Any] | bool"
    # The decorated handler takes any event first (with an envelope the handler's own first
    # parameter is the payload, not what its callers pass); with http_errors its result may
    # also be the error answer.
    Handler: TypeAlias = Callable[Concatenate[Any, P], R]
else:

    def overload(function: object) -> object:
        return function


__all__ = ["validate"]

_FUNCTION_ARGS = ("data", "schema", "envelope")
_DECORATOR_ARGS = ("inbound", "outbound", "envelope", "http_errors")

# The function form compiles a schema dict on its first use and keeps it by identity (the
# dict is held, so its id cannot be reused while cached): a module-level schema costs one
# compile per process. Bounded: a dict built anew on each call is compiled each time.
_MAX_CACHED = 256
_compiled: dict[int, tuple[Any, Schema]] = {}
_unwrappers: dict[Any, Unwrap] = {}


@overload
def validate(data: Any, schema: SchemaLike, envelope: Envelope | str | None = None) -> Any: ...


@overload
def validate(  # noqa: F811 (ruff cannot see the run-time overload)
    *,
    inbound: SchemaLike | None = None,
    outbound: SchemaLike | None = None,
    envelope: Envelope | str | None = None,
    http_errors: None = None,
) -> Callable[[Handler[P, R]], Handler[P, R]]: ...


@overload
def validate(  # noqa: F811
    *,
    inbound: SchemaLike | None = None,
    outbound: SchemaLike | None = None,
    envelope: Envelope | str | None = None,
    http_errors: int,
) -> Callable[[Handler[P, R]], Handler[P, R | dict[str, Any]]]: ...


def validate(*args: Any, **kwargs: Any) -> Any:  # noqa: F811
    """Validate ``data`` against ``schema`` now, or build the ``@validate(...)`` decorator.

    Function form, ``validate(data, schema, envelope=None)``: returns the validated
    payload (``data``, or the payload the envelope found: one value, or a list for a
    records envelope); raises ``ValidationError`` naming each failed rule's path, or
    ``SchemaError`` for an invalid schema.

    Decorator form, ``@validate(inbound=None, outbound=None, envelope=None,
    http_errors=None)``: ``inbound`` checks the event before the handler runs (the
    handler then receives the envelope's payload when there is one), ``outbound`` the
    handler's result; ``http_errors=422`` (or 400) answers an HTTP event that fails
    ``inbound`` with that status and a JSON list of the failures, as ``parse_event`` does.

    A schema is a JSON Schema dict (draft from ``$schema``; 2020-12 when absent), a
    boolean, or a ``Schema`` from ``compile_schema``.
    """
    if not kwargs and 2 <= len(args) <= 3:  # the common call, validate(data, schema[, envelope])
        return _run(args[0], _cached_schema(args[1]), args[2] if len(args) == 3 else None)
    if args or "data" in kwargs or "schema" in kwargs:
        return _validate_now(args, kwargs)
    return _decorator(**kwargs)


def _validate_now(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    mixed = sorted(set(kwargs) & {"inbound", "outbound", "http_errors"})
    if mixed:
        raise ConfigurationError(
            f"validate: the function form validate(data, schema, envelope=None) and the decorator form "
            f"@validate(inbound=..., outbound=...) cannot be mixed; got data/schema with {', '.join(mixed)}"
        )
    if len(args) > len(_FUNCTION_ARGS):
        raise ConfigurationError(f"validate(data, schema, envelope=None) takes 3 arguments, got {len(args)}")
    given = dict(zip(_FUNCTION_ARGS, args, strict=False))
    for name, value in kwargs.items():
        if name not in _FUNCTION_ARGS:
            raise ConfigurationError(f"validate: unknown argument {name!r}")
        if name in given:
            raise ConfigurationError(f"validate: {name} given twice")
        given[name] = value
    if "schema" not in given:
        if len(args) == 1 and not kwargs and callable(args[0]):
            raise ConfigurationError(
                "validate: the decorator needs its schemas, @validate(inbound=SCHEMA) "
                "(or validate(data, schema) to validate now)"
            )
        raise ConfigurationError("validate(data, schema): the schema is missing")
    if "data" not in given:
        raise ConfigurationError("validate(data, schema): the data is missing")
    return _run(given["data"], _cached_schema(given["schema"]), given.get("envelope"))


def _run(data: Any, schema: Schema, envelope: Any) -> Any:
    if envelope is None:
        schema.validate(data)
        return data
    return _check(schema, _cached_unwrapper(envelope), data, "data")


def _cached_schema(schema: Any) -> Schema:
    if isinstance(schema, Schema):
        return schema
    found = _compiled.get(id(schema))
    if found is not None and found[0] is schema:
        return found[1]
    compiled = compile_schema(schema)
    if len(_compiled) >= _MAX_CACHED:
        _compiled.clear()
    _compiled[id(schema)] = (schema, compiled)
    return compiled


def _cached_unwrapper(envelope: Any) -> Unwrap:
    try:
        return _unwrappers[envelope]
    except KeyError:
        pass
    except TypeError:  # an unhashable envelope: refused by unwrapper
        return unwrapper(envelope, "data")
    found = unwrapper(envelope, "data")
    if len(_unwrappers) < _MAX_CACHED:
        _unwrappers[envelope] = found
    return found


def _check(schema: Schema, unwrap: Unwrap, event: Any, source: str) -> Any:
    payload, located = unwrap(event)
    violations = []
    for path, value in located:
        violations.extend(schema.violations(value, path))
    if violations:
        raise ValidationError(source, violations)
    return payload


# -- the decorator ---------------------------------------------------------------------------

# the triggers whose answer can be an HTTP error response (as parse_event's)
_WEBSOCKET = "api-gateway-websocket"


def _validate_layer(
    *,
    inbound: SchemaLike | None = None,
    outbound: SchemaLike | None = None,
    envelope: Envelope | str | None = None,
    http_errors: int | None = None,
) -> Middleware:
    """Check the event against ``inbound`` before the handler, its result against
    ``outbound`` after it (see ``validate``)."""
    if inbound is None and outbound is None:
        raise ConfigurationError("validate: give inbound=, outbound= or both (the schemas to check)")
    if http_errors is not None and (http_errors not in (400, 422) or isinstance(http_errors, bool)):
        raise ConfigurationError(f"validate: http_errors must be 400, 422 or None, got {http_errors!r}")
    if inbound is None and (envelope is not None or http_errors is not None):
        raise ConfigurationError("validate: envelope and http_errors apply to the inbound event; give inbound=")
    inbound_schema = None if inbound is None else compile_schema(inbound, name="inbound schema")
    outbound_schema = None if outbound is None else compile_schema(outbound, name="outbound schema")
    unwrap = None if envelope is None else unwrapper(envelope, "inbound")
    is_http: Callable[[Any], str | None] | None = None
    if http_errors is not None:
        from lambda_toolkit.events import HTTP_TRIGGERS, detect

        http_triggers = HTTP_TRIGGERS | {_WEBSOCKET}

        def is_http(event: Any) -> str | None:
            trigger = detect(event)
            return trigger if trigger in http_triggers else None

    before = None
    if inbound_schema is not None:
        checked = inbound_schema

        def before(call: Call) -> None:
            index = len(call.args) - 2 if call.is_handler_call else 0
            if not call.args:
                raise ConfigurationError("validate: the handler was called without an event")
            event = call.args[index]
            try:
                if unwrap is None:
                    checked.validate(event, source="inbound")
                    return
                payload = _check(checked, unwrap, event, "inbound")
            except ValidationError as error:
                trigger = None if is_http is None else is_http(event)
                if trigger is None or http_errors is None:
                    raise
                from lambda_toolkit.events import invalid_request_response

                errors = [{"path": e.path, "message": e.message, "rule": e.rule} for e in error.errors]
                call.respond(invalid_request_response(trigger, http_errors, errors))
                return
            call.args = (*call.args[:index], payload, *call.args[index + 1 :])

    after = None
    if outbound_schema is not None:
        returned = outbound_schema

        def after(call: Call) -> None:
            returned.validate(call.response, source="outbound")

    # With an envelope the handler receives the payload: the layers below it must see that.
    return Middleware("validate", before=before, after=after, replaces_call=unwrap is not None)


_decorator = MiddlewareDecorator(_validate_layer, "validate")
