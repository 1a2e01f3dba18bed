"""Where each parameter of a route function comes from, decided once from its signature.

``plan_route(fn, path_names, label)`` reads the signature and type hints at decoration
time and fails there (ConfigurationError) when a parameter cannot be satisfied. The
pydantic validators are built on the route's first request (pydantic is not imported by
``import lambda_toolkit.http``, nor for a route until it is called), then reused.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from uuid import UUID

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.http._errors import HTTPError, RequestValidationError
from lambda_toolkit.http._markers import Body, Header, Path, Query, Source

if typing.TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from lambda_toolkit.http._request import HttpRequest

__all__ = ["Param", "RoutePlan", "plan_route"]

_SIMPLE = (str, int, float, bool, Decimal, UUID, date, datetime, time, timedelta)
_SEQUENCES = (list, tuple, set, frozenset)
_NO_VALIDATION = (typing.Any, object, inspect.Parameter.empty, None, type(None))
_MISSING: Any = inspect.Parameter.empty


class Param:
    """One parameter of a route function and where its value comes from."""

    __slots__ = ("adapter", "annotation", "default", "kind", "many", "name", "wire")

    def __init__(self, name: str, kind: str, wire: str, annotation: Any, default: Any, *, many: bool = False) -> None:
        self.name = name
        self.kind = kind  # path, query, header, body, raw-body, text-body, request
        self.wire = wire
        self.annotation = annotation
        self.default = default
        self.many = many
        self.adapter: Any = None

    @property
    def required(self) -> bool:
        """True when the parameter has no default."""
        return self.default is _MISSING

    def __repr__(self) -> str:
        return f"Param({self.name!r}, {self.kind}, wire={self.wire!r})"


class RoutePlan:
    """The parameters of one route function, and its response type."""

    __slots__ = ("_ready", "label", "params", "response_adapter", "response_type", "returns")

    def __init__(self, label: str, params: list[Param], response_type: Any, returns: Any = None) -> None:
        self.label = label
        self.params = params
        self.response_type = response_type  # what validates and filters results, or None
        self.returns = returns  # the return annotation, resolved
        self.response_adapter: Any = None
        self._ready = False

    def prepare(self) -> None:
        """Build the validators (once); ConfigurationError when pydantic cannot handle a type."""
        if self._ready:
            return
        validated = [param for param in self.params if _needs_validation(param)]
        if not validated and self.response_type is None:
            # text parameters and plain results: this route never needs pydantic
            self._ready = True
            return
        from pydantic import PydanticUserError, TypeAdapter
        from pydantic.errors import PydanticSchemaGenerationError

        for param in validated:
            try:
                param.adapter = TypeAdapter(param.annotation)
            except (PydanticSchemaGenerationError, PydanticUserError) as exc:
                raise ConfigurationError(f"route {self.label}: parameter {param.name!r}: {exc}") from None
        if self.response_type is not None:
            try:
                self.response_adapter = TypeAdapter(self.response_type)
            except (PydanticSchemaGenerationError, PydanticUserError) as exc:
                raise ConfigurationError(f"route {self.label}: return annotation: {exc}") from None
        self._ready = True

    def bind(self, request: HttpRequest, path_values: dict[str, str]) -> dict[str, Any]:
        """The keyword arguments for the route function; RequestValidationError (422) lists
        every problem, HTTPError 400 when the body is not JSON."""
        if not self._ready:
            self.prepare()
        kwargs: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for param in self.params:
            kind = param.kind
            if kind == "request":
                kwargs[param.name] = _request_model(request, param.annotation, self.label)
                continue
            if kind == "raw-body":
                kwargs[param.name] = request.raw_body()
                continue
            if kind == "text-body":
                try:
                    kwargs[param.name] = request.raw_body().decode("utf-8")
                except UnicodeDecodeError:
                    raise HTTPError(400, "The request body is not valid UTF-8 text.") from None
                continue
            raw = _raw_value(param, request, path_values)
            if raw is _MISSING:
                if param.required:
                    errors.append({"loc": [kind, param.wire], "msg": "Field required", "type": "missing"})
                else:
                    kwargs[param.name] = param.default
                continue
            adapter = param.adapter
            if adapter is None:  # a text parameter: the value as it came
                kwargs[param.name] = raw
                continue
            try:
                # A body is parsed and validated in one pass (pydantic's JSON mode).
                kwargs[param.name] = adapter.validate_json(raw) if kind == "body" else adapter.validate_python(raw)
            except ValueError as exc:  # pydantic's ValidationError is a ValueError
                if not hasattr(exc, "error_count"):
                    raise
                prefix = [kind] if kind == "body" else [kind, param.wire]
                failure: Any = exc
                found = failure.errors(include_url=False, include_context=False, include_input=False)
                if kind == "body" and any(error["type"] == "json_invalid" for error in found):
                    raise HTTPError(400, "The request body is not valid JSON.") from None
                for error in found:
                    errors.append({"loc": [*prefix, *error["loc"]], "msg": error["msg"], "type": error["type"]})
        if errors:
            raise RequestValidationError(errors)
        return kwargs

    def render(self, value: Any) -> Any:
        """The route's return value validated and filtered by its return annotation."""
        if self.response_adapter is None:
            return value
        return self.response_adapter.dump_python(
            self.response_adapter.validate_python(value, from_attributes=True), mode="json"
        )

    def render_json(self, value: Any) -> bytes | None:
        """``render`` written straight to JSON bytes (one pass in pydantic), or None when the
        route has no return annotation to apply or the value renders as text or bytes."""
        adapter = self.response_adapter
        if adapter is None:
            return None
        validated = adapter.validate_python(value, from_attributes=True)
        if isinstance(validated, (str, bytes, bytearray)):
            return None
        data: bytes = adapter.dump_json(validated)
        return data


_VALIDATED_KINDS = frozenset({"path", "query", "header", "body"})


def _needs_validation(param: Param) -> bool:
    """False for a single text value (``str`` or unannotated): it is passed as it came."""
    if param.kind not in _VALIDATED_KINDS:
        return False
    return param.kind == "body" or param.many or param.annotation not in (str, typing.Any)


def _raw_value(param: Param, request: HttpRequest, path_values: dict[str, str]) -> Any:
    kind = param.kind
    if kind == "path":
        return path_values.get(param.wire, _MISSING)
    if kind == "body":
        # the bytes: bind parses them with the parameter's validator
        return request.raw_body() if request.body else _MISSING
    values = request.query.get(param.wire) if kind == "query" else request.headers.get(param.wire)
    if not values:
        return _MISSING
    return values if param.many else values[-1]


def _request_model(request: HttpRequest, annotation: Any, label: str) -> Any:
    from lambda_toolkit.events import parse

    try:
        model = parse(request.event)
    except ValueError:
        raise HTTPError(400, "Malformed request: the event does not match its trigger's model.") from None
    allowed = tuple(_union_members(annotation))
    if not isinstance(model, allowed):
        raise ConfigurationError(
            f"route {label}: parameter typed {_name(annotation)} received a {request.trigger} event"
        )
    return model


def _union_members(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (typing.Union, _UnionType):
        return [member for member in typing.get_args(annotation) if member is not type(None)]
    return [annotation]


_UnionType: Any = type(int | str)


def _name(annotation: Any) -> str:
    return getattr(annotation, "__name__", repr(annotation))


def _is_request_model(annotation: Any) -> bool:
    members = _union_members(annotation)
    return all(
        isinstance(m, type) and m.__module__.startswith("lambda_toolkit.events") and hasattr(m, "trigger")
        for m in members
    )


def _is_simple(annotation: Any) -> bool:
    if annotation in (inspect.Parameter.empty, typing.Any):
        return True
    if isinstance(annotation, type):
        return issubclass(annotation, (*_SIMPLE, Enum))
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return True
    if origin is typing.Annotated:
        return _is_simple(typing.get_args(annotation)[0])
    if origin in (typing.Union, _UnionType):
        return all(m is type(None) or _is_simple(m) for m in typing.get_args(annotation))
    return False


def _is_many(annotation: Any) -> bool:
    for member in _union_members(annotation):
        origin = typing.get_origin(member) or member
        if isinstance(origin, type) and issubclass(origin, _SEQUENCES):
            return True
    return False


def _is_sequence_of_simple(annotation: Any) -> bool:
    members = _union_members(annotation)
    for member in members:
        origin = typing.get_origin(member)
        if not (isinstance(origin, type) and issubclass(origin, _SEQUENCES)):
            return False
        if not all(_is_simple(arg) for arg in typing.get_args(member) if arg is not Ellipsis):
            return False
    return True


def _is_body_type(annotation: Any) -> bool:
    for member in _union_members(annotation):
        origin = typing.get_origin(member) or member
        if origin in (dict, list) or dataclasses.is_dataclass(member) or _is_typeddict(member):
            continue
        if isinstance(member, type) and hasattr(member, "model_validate") and hasattr(member, "model_fields"):
            continue  # a pydantic model (checked without importing pydantic)
        return False
    return True


def _is_typeddict(annotation: Any) -> bool:
    # typing's and typing_extensions' TypedDicts alike (is_typeddict knows only its own)
    return isinstance(annotation, type) and issubclass(annotation, dict) and hasattr(annotation, "__total__")


def _split_annotated(annotation: Any) -> tuple[Any, Source | None]:
    """(annotation without our marker, the marker or None)."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return annotation, None
    inner, *extras = typing.get_args(annotation)
    markers = [extra for extra in extras if isinstance(extra, Source)]
    others = [extra for extra in extras if not isinstance(extra, Source)]
    if len(markers) > 1:
        raise ConfigurationError("more than one of Query/Header/Body/Path on one parameter")
    annotated: Any = typing.Annotated
    arguments = (inner, *others)
    kept = annotated[arguments] if others else inner
    return kept, (markers[0] if markers else None)


def plan_route(fn: Callable[..., Any], path_names: list[str], label: str) -> RoutePlan:
    """Read ``fn``'s signature once; ConfigurationError when a parameter cannot be satisfied."""
    try:
        signature = inspect.signature(fn)
        hints = typing.get_type_hints(inspect.unwrap(fn), include_extras=True)
    except (NameError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"route {label}: cannot read the signature of its function ({exc})") from None
    params: list[Param] = []
    bodies: list[str] = []
    for name, parameter in signature.parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise ConfigurationError(f"route {label}: parameter {name!r} is positional-only; routes get keywords")
        if isinstance(parameter.default, Source):
            raise ConfigurationError(
                f"route {label}: parameter {name!r}: put {parameter.default!r} in the annotation, "
                f"Annotated[T, {type(parameter.default).__name__}(...)], and keep the default a value"
            )
        try:
            annotation, marker = _split_annotated(hints.get(name, parameter.annotation))
        except ConfigurationError as exc:
            raise ConfigurationError(f"route {label}: parameter {name!r}: {exc}") from None
        param = _classify(name, annotation, marker, parameter.default, path_names, label)
        if param.kind in ("body", "raw-body", "text-body"):
            bodies.append(name)
        params.append(param)
    if len(bodies) > 1:
        raise ConfigurationError(f"route {label}: parameters {bodies} all read the body; only one can")
    declared = {param.wire for param in params if param.kind == "path"}
    if any(parameter.kind is parameter.VAR_KEYWORD for parameter in signature.parameters.values()):
        for missing in path_names:
            if missing not in declared:
                params.append(Param(missing, "path", missing, str, _MISSING))
    returned = hints.get("return", signature.return_annotation)
    response_type = None
    # bytes and text are sent as they are; a Response is the user's full control
    if returned not in _NO_VALIDATION and returned not in (bytes, str) and not _returns_response(returned):
        response_type = returned
    return RoutePlan(label, params, response_type, returned)


def _returns_response(annotation: Any) -> bool:
    from lambda_toolkit.http._response import Response

    return any(member is Response for member in _union_members(annotation))


def _classify(
    name: str, annotation: Any, marker: Source | None, default: Any, path_names: list[str], label: str
) -> Param:
    where = f"route {label}: parameter {name!r}"
    if marker is None:
        if name in path_names:
            marker = Path()
        elif annotation is not inspect.Parameter.empty and _is_request_model(annotation):
            return Param(name, "request", name, annotation, default)
        elif _is_simple(annotation) or _is_sequence_of_simple(annotation):
            marker = Query()
        elif _is_body_type(annotation):
            marker = Body()
        else:
            raise ConfigurationError(
                f"{where}: cannot tell where a {_name(annotation)} comes from; "
                "mark it with Annotated[..., Query()/Header()/Body()/Path()]"
            )
    if annotation is inspect.Parameter.empty:
        annotation = typing.Any
    if isinstance(marker, Path):
        wire = marker.alias or name
        if wire not in path_names:
            raise ConfigurationError(f"{where}: the path has no parameter {{{wire}}}")
        if not _is_simple(annotation):
            raise ConfigurationError(f"{where}: a path parameter must have a simple type")
        return Param(name, "path", wire, annotation, default)
    if isinstance(marker, Body):
        if annotation is bytes:
            return Param(name, "raw-body", "body", annotation, default)
        if annotation is str:
            return Param(name, "text-body", "body", annotation, default)
        return Param(name, "body", "body", annotation, default)
    if isinstance(marker, Header):
        wire = (marker.alias or name.replace("_", "-")).lower()
        return Param(name, "header", wire, annotation, default, many=_is_many(annotation))
    if isinstance(marker, Query):
        return Param(name, "query", marker.alias or name, annotation, default, many=_is_many(annotation))
    raise ConfigurationError(f"{where}: unknown marker {marker!r}")  # pragma: no cover (Source is closed)
