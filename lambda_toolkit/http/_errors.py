"""HTTPError, and how exceptions from anywhere become answers.

Exceptions from other utilities are recognised without importing them: an exception with
an integer ``http_status`` attribute answers that status (and ``retry_after`` seconds, when
set, a ``Retry-After`` header); the toolkit's own errors that have an HTTP meaning are
known by class name (idempotency's and the core's ``InvocationTimeout``).
"""

from __future__ import annotations

from lambda_toolkit.core.errors import InvocationTimeout, LambdaToolkitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["HTTPError", "RequestValidationError", "status_of"]


class HTTPError(LambdaToolkitError):
    """Raise it anywhere in a route to answer ``status`` with ``{"detail": detail}``.

    ``detail`` is sent to the client as given (a string or anything JSON can hold), so it
    must not carry secrets; ``headers`` are added to the answer.
    """

    def __init__(self, status: int, detail: Any = None, headers: Mapping[str, str] | None = None) -> None:
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise ValueError(f"HTTPError status must be an integer from 100 to 599, got {status!r}")
        self.status = status
        self.detail = detail if detail is not None else _reason(status)
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(f"HTTP {status}")


class RequestValidationError(HTTPError):
    """The request's parameters or body failed validation (422): ``errors`` lists each
    problem's location (``["query", "limit"]``), message and type, never the input value."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(422, errors)
        self.errors = errors


# class name -> (status, detail, Retry-After seconds or None), for errors of other utilities.
_KNOWN_BY_NAME: dict[str, tuple[int, str, int | None]] = {
    "IdempotencyKeyError": (400, "The request lacks the data that identifies it (idempotency key).", None),
    "IdempotencyPayloadMismatchError": (
        422,
        "This idempotency key was already used with a different request.",
        None,
    ),
    "IdempotencyInProgressError": (409, "A request with the same idempotency key is in progress.", 1),
}


def status_of(exc: BaseException) -> tuple[int, str, int | None] | None:
    """(status, detail, retry-after) for an exception with an HTTP meaning, else None."""
    status = getattr(exc, "http_status", None)
    if isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599:
        retry = getattr(exc, "retry_after", None)
        retry_after = retry if isinstance(retry, int) and not isinstance(retry, bool) else None
        return status, _reason(status), retry_after
    if isinstance(exc, InvocationTimeout):
        return 503, "The request could not be completed in time.", None
    for cls in type(exc).__mro__:
        known = _KNOWN_BY_NAME.get(cls.__name__)
        if known is not None:
            return known
    return None


def _reason(status: int) -> str:
    from http import HTTPStatus  # the stdlib http package (an absolute import)

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
