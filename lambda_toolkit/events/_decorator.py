"""``parse_event``: the decorator that hands the handler a validated model instead of a dict.

Without options the model comes from the type hint of the handler's first parameter: a
trigger model (``event: SQSEvent``) validates the whole event; no hint (or ``dict``) detects
the trigger and parses into its model. With an envelope, the payload goes into the user's
model (``@parse_event(envelope="sqs")`` and ``orders: list[Parsed[Order]]``). For HTTP
triggers, ``http_errors=422`` (or ``400``) answers a validation error with a JSON response
listing the failing fields instead of raising.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.middleware import Call, Middleware, MiddlewareDecorator
from lambda_toolkit.events._answers import invalid_request_response
from lambda_toolkit.events._detect import HTTP_TRIGGERS, detect
from lambda_toolkit.events._errors import EventValidationError

__all__ = ["parse_event"]

# the triggers whose answer can be an HTTP error response
_HTTP_TRIGGERS = HTTP_TRIGGERS | {"api-gateway-websocket"}
_NO_MODEL = object()

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Concatenate, ParamSpec, Protocol, TypeVar, overload

    from lambda_toolkit.events.envelopes import Envelope

    P = ParamSpec("P")
    R = TypeVar("R")

    class _ParseEvent(Protocol):
        """The type of ``parse_event``: the handler's first parameter is declared as the
        model it receives, but its callers pass the raw event (a dict, or a list for some
        triggers), so the decorated function takes ``Any`` there; with ``http_errors`` it
        may also answer with an error response instead of the handler's result."""

        # A class is always a model, never the handler (as at run time), which the type
        # system cannot say: a class is callable too, hence the overlap.
        @overload
        def __call__(  # type: ignore[overload-overlap]
            self,
            model: type[Any] | None = None,
            *,
            envelope: Envelope | str | None = None,
            http_errors: None = None,
        ) -> Callable[[Callable[Concatenate[Any, P], R]], Callable[Concatenate[Any, P], R]]: ...

        @overload
        def __call__(
            self,
            model: type[Any] | None = None,
            *,
            envelope: Envelope | str | None = None,
            http_errors: int,
        ) -> Callable[[Callable[Concatenate[Any, P], R]], Callable[Concatenate[Any, P], R | dict[str, Any]]]: ...

        @overload
        def __call__(self, handler: Callable[Concatenate[Any, P], R], /) -> Callable[Concatenate[Any, P], R]: ...


def _first_parameter_hint(target: Any) -> Any:
    """The annotation of the target's first parameter, resolved; ``_NO_MODEL`` when there is none."""
    try:
        parameters = list(inspect.signature(target, eval_str=True).parameters.values())
    except (NameError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"parse_event: cannot resolve the type hints of {target!r}: {exc}") from None
    if not parameters or parameters[0].annotation is inspect.Parameter.empty:
        return _NO_MODEL
    return parameters[0].annotation


def _payload_model(hint: Any) -> Any:
    """For a records envelope, ``list[Parsed[Order]]`` (or ``Sequence[...]``) means ``Order``."""
    from lambda_toolkit.events.envelopes import Parsed

    if typing.get_origin(hint) in (list, tuple, typing.get_origin(typing.Sequence[int])):
        (hint,) = typing.get_args(hint)[:1] or (Any,)
    if typing.get_origin(hint) is Parsed:
        (hint,) = typing.get_args(hint)[:1] or (Any,)
    return hint


def _is_plain(hint: Any) -> bool:
    return hint is _NO_MODEL or hint is Any or hint is dict or typing.get_origin(hint) in (dict, Mapping)


class _Resolved:
    """What to do with an event, resolved once per target on its first call."""

    __slots__ = ("envelope", "model")

    def __init__(self, model: Any, envelope: Any) -> None:
        self.model = model
        self.envelope = envelope

    def apply(self, event: Any) -> Any:
        from lambda_toolkit.events._registry import parse, validate

        if self.envelope is not None:
            return self.envelope.parse(event, self.model)
        if self.model is None:
            return parse(event)
        from lambda_toolkit.events._base import EventModel
        from lambda_toolkit.events._errors import UnknownEventError

        if isinstance(self.model, type) and issubclass(self.model, EventModel):
            if isinstance(event, list) and getattr(self.model, "takes_a_list", False):
                return parse(event, getattr(self.model, "trigger", None))
            if not isinstance(event, Mapping):
                raise UnknownEventError(f"an event must be a mapping (a JSON object), got {type(event).__name__}")
            return validate(self.model, event, getattr(self.model, "__name__", "event"))
        from lambda_toolkit.events.envelopes import validate_payload

        return validate_payload(self.model, event, json_text=False, path="", source=_name(self.model))


def _name(model: Any) -> str:
    return str(getattr(model, "__name__", model))


def _parse_event_layer(
    model: type[Any] | None = None, *, envelope: Envelope | str | None = None, http_errors: int | None = None
) -> Middleware:
    """Validate the event before the handler runs and pass the result instead of the dict.

    ``model``: a trigger model (``SQSEvent``), or with ``envelope`` the user's payload model;
    when None it comes from the type hint of the handler's first parameter (no hint: the
    trigger is detected and its model used). ``envelope``: an envelope of
    ``lambda_toolkit.events.envelopes`` or its name (``"sqs"``, ``"api-gateway-rest"``...).
    ``http_errors``: 400 or 422 to answer an invalid HTTP request with that status and a
    JSON body ``{"message": ..., "errors": [{"path": ..., "message": ...}]}``.
    Raises ``EventValidationError`` / ``UnknownEventError`` otherwise.
    """
    if http_errors is not None and http_errors not in (400, 422):
        raise ConfigurationError(f"parse_event: http_errors must be 400, 422 or None, got {http_errors!r}")
    found_envelope = None
    if envelope is not None:
        from lambda_toolkit.events.envelopes import envelope_for

        found_envelope = envelope_for(envelope)
    resolved: dict[Any, _Resolved] = {}

    def resolve(target: Any) -> _Resolved:
        chosen = model
        if chosen is None:
            hint = _first_parameter_hint(target)
            if found_envelope is not None:
                chosen = dict if hint is _NO_MODEL else _payload_model(hint)
            elif not _is_plain(hint):
                chosen = hint
        result = _Resolved(chosen, found_envelope)
        resolved[target] = result
        return result

    def before(call: Call) -> None:
        plan = resolved.get(call.target) or resolve(call.target)
        index = len(call.args) - 2 if call.is_handler_call else 0
        if index < 0 or not call.args:
            raise ConfigurationError("parse_event: the handler was called without an event")
        event = call.args[index]
        try:
            parsed = plan.apply(event)
        except EventValidationError as error:
            trigger = detect(event)
            if http_errors is None or trigger not in _HTTP_TRIGGERS:
                raise
            call.respond(
                invalid_request_response(
                    trigger, http_errors, [{"path": e.path, "message": e.message} for e in error.errors]
                )
            )
            return
        call.args = (*call.args[:index], parsed, *call.args[index + 1 :])

    return Middleware("parse_event", before=before, replaces_call=True)


# The core types a decorator as keeping the signature it wraps; parse_event changes what
# the first parameter receives, so it is typed by _ParseEvent instead (a cast: mypy cannot
# match the core's generic overloads against these).
parse_event = typing.cast("_ParseEvent", MiddlewareDecorator(_parse_event_layer, "parse_event"))
