"""What every HTTP-shaped trigger model shares: body decoding, headers and query strings.

API Gateway (REST, HTTP, WebSocket), ALB, Function URLs and VPC Lattice spell their request
differently, but a handler asks the same questions of all of them: the body as bytes or as
JSON, a header by name (case-insensitive), a query parameter. The mixins here answer them
lazily: nothing is decoded at validation time, and each answer is computed once per event.

A model opts in by inheriting the mixin and, where its fields are not called ``headers`` /
``multi_value_headers`` / ``query_string_parameters`` / ``multi_value_query_string_parameters``,
by overriding ``_raw_headers`` / ``_raw_query``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import BeforeValidator

from lambda_toolkit.events._errors import EventValidationError
from lambda_toolkit.events.decoding import b64decode, json_loads, utf8_encode

__all__ = [
    "EpochMicros",
    "HttpBodyMixin",
    "HttpRequestMixin",
    "MultiValueMap",
]

_NO_VALUES: tuple[str, ...] = ()
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _as_value_lists(value: Any) -> Any:
    """Accept ``{"k": "v"}`` where ``{"k": ["v"]}`` is expected (VPC Lattice sends both)."""
    if isinstance(value, Mapping):
        return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
    return value


MultiValueMap = Annotated[dict[str, list[str]], BeforeValidator(_as_value_lists)]
"""A name -> list of values mapping; a plain string value is taken as a one-item list."""


def _micros_to_datetime(value: Any) -> Any:
    """VPC Lattice sends ``timeEpoch`` as a string of microseconds since the epoch."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return _EPOCH + timedelta(microseconds=value)
        except OverflowError:
            raise ValueError("timestamp out of range") from None
    return value


EpochMicros = Annotated[datetime, BeforeValidator(_micros_to_datetime)]
"""A timestamp given as microseconds since the epoch (a number or a digit string)."""


def _index(single: Mapping[str, str] | None, multi: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """Merge single- and multi-value maps into lower-cased name -> values (multi wins)."""
    merged: dict[str, list[str]] = {}
    if single:
        for name, value in single.items():
            merged.setdefault(name.lower(), []).append(value)
    if multi:
        from_multi: dict[str, list[str]] = {}
        for name, values in multi.items():
            if values:
                from_multi.setdefault(name.lower(), []).extend(values)
        merged.update(from_multi)
    return merged


class HttpRequestMixin:
    """Header and query-string access for models shaped like an HTTP request.

    ``header(name)`` is case-insensitive and looks in the single-value and the multi-value
    headers; ``query(name)`` is case-sensitive (query names are). When a name has several
    values, ``header``/``query`` return the last one (what API Gateway puts in its
    single-value maps) and ``header_values``/``query_values`` return all of them.
    """

    def _raw_headers(self) -> tuple[Mapping[str, str] | None, Mapping[str, Sequence[str]] | None]:
        return getattr(self, "headers", None), getattr(self, "multi_value_headers", None)

    def _raw_query(self) -> tuple[Mapping[str, str] | None, Mapping[str, Sequence[str]] | None]:
        return getattr(self, "query_string_parameters", None), getattr(
            self, "multi_value_query_string_parameters", None
        )

    @cached_property
    def _header_index(self) -> dict[str, list[str]]:
        return _index(*self._raw_headers())

    @cached_property
    def _query_index(self) -> dict[str, list[str]]:
        single, multi = self._raw_query()
        merged: dict[str, list[str]] = {name: [value] for name, value in (single or {}).items() if value is not None}
        merged.update({name: list(values) for name, values in (multi or {}).items() if values})
        return merged

    def header(self, name: str, default: str | None = None) -> str | None:
        """The value of header ``name`` (any case), or ``default`` when it is absent."""
        values = self._header_index.get(name.lower())
        return values[-1] if values else default

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` (any case), in order; empty when absent."""
        return list(self._header_index.get(name.lower(), _NO_VALUES))

    def query(self, name: str, default: str | None = None) -> str | None:
        """The value of query parameter ``name``, or ``default`` when it is absent."""
        values = self._query_index.get(name)
        return values[-1] if values else default

    def query_values(self, name: str) -> list[str]:
        """Every value of query parameter ``name``, in order; empty when absent."""
        return list(self._query_index.get(name, _NO_VALUES))


class HttpBodyMixin(HttpRequestMixin):
    """Body access for models with ``body`` and ``is_base64_encoded`` fields.

    ``decoded_body()`` gives bytes (base64-decoded when the event says so) and
    ``json_body()`` the parsed JSON; both are computed on first use and cached. Errors
    are ``EventValidationError`` on path ``body``, never showing the body itself.
    """

    if TYPE_CHECKING:  # provided by the model's fields; annotations here would become fields
        trigger: ClassVar[str]
        body: str | None
        is_base64_encoded: bool

    @cached_property
    def _decoded_body(self) -> bytes:
        body = self.body
        if body is None:
            return b""
        if self.is_base64_encoded:
            return b64decode(body, "body", source=self.trigger)
        return utf8_encode(body, "body", source=self.trigger)

    @cached_property
    def _json_body(self) -> Any:
        if self.body is None:
            raise EventValidationError(self.trigger, [("body", "missing (JSON expected)")])
        raw: str | bytes = self._decoded_body if self.is_base64_encoded else self.body
        return json_loads(raw, "body", source=self.trigger)

    def decoded_body(self) -> bytes:
        """The body as bytes: base64-decoded when ``is_base64_encoded``, UTF-8 otherwise.

        An absent body is ``b""``. Raises ``EventValidationError`` (path ``body``) on bad base64
        or on text that cannot be UTF-8 (lone surrogates).
        """
        return self._decoded_body

    def text_body(self) -> str:
        """The body as text (UTF-8); ``EventValidationError`` when it is not UTF-8."""
        if not self.is_base64_encoded:
            return self.body or ""
        try:
            return self._decoded_body.decode("utf-8")
        except UnicodeDecodeError:
            raise EventValidationError(self.trigger, [("body", "not valid UTF-8")]) from None

    def json_body(self) -> Any:
        """The body parsed as JSON (cached: the same object on every call).

        Raises ``EventValidationError`` (path ``body``) when the body is absent, not valid
        base64 (when flagged) or not valid JSON (including JSON nested too deeply and numbers
        past Python's digit limit); the message never contains the body.
        """
        return self._json_body
