"""Response, and turning what a route returns into a status, headers and a body.

A dict, list, pydantic model or dataclass becomes JSON; ``str`` becomes text; ``bytes``
stay bytes (sent base64-encoded, as Lambda's HTTP triggers require); ``None`` is 204.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = ["JSON_TYPE", "Response", "encode_body", "to_json"]

JSON_TYPE = "application/json"


class Response:
    """A full answer: ``body`` (rendered like a route's return value), ``status``, extra
    ``headers``, ``cookies`` (``Set-Cookie`` values) and ``content_type`` (guessed from the
    body when None)."""

    __slots__ = ("body", "content_type", "cookies", "headers", "status")

    def __init__(
        self,
        body: Any = None,
        status: int = 200,
        headers: Mapping[str, str | list[str]] | None = None,
        cookies: list[str] | None = None,
        content_type: str | None = None,
    ) -> None:
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise ValueError(f"Response status must be an integer from 100 to 599, got {status!r}")
        self.body = body
        self.status = status
        self.headers: dict[str, str | list[str]] = dict(headers or {})
        self.cookies: list[str] = list(cookies or [])
        self.content_type = content_type

    def __repr__(self) -> str:
        return f"Response(status={self.status})"


def _default(value: Any) -> Any:
    # Models, dataclasses, datetimes, UUIDs, Decimals, enums, sets: pydantic knows them all.
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value)


def to_json(value: Any) -> str:
    """``value`` as compact JSON text."""
    import json  # on the first answer, not at import

    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_default)


def encode_body(body: Any, content_type: str | None) -> tuple[bytes, str | None]:
    """(bytes, content type) for a response body; the content type is guessed when None."""
    if body is None:
        return b"", content_type
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body), content_type or "application/octet-stream"
    if isinstance(body, str):
        return body.encode("utf-8"), content_type or "text/plain; charset=utf-8"
    return to_json(body).encode("utf-8"), content_type or JSON_TYPE
