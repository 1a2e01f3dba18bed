"""CORS: the headers every answer carries and the preflight answer, from one CORS policy."""

from __future__ import annotations

from lambda_toolkit.core.errors import ConfigurationError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["CORS"]

_SAFE_HEADERS = ("authorization", "content-type", "x-amz-date", "x-api-key", "x-amz-security-token")


class CORS:
    """Cross-origin policy of an App.

    ``allow_origins``: exact origins (``"https://app.example.com"``) or ``["*"]``.
    ``allow_headers``: request headers a browser may send (a few common ones by default).
    ``expose_headers``: response headers scripts may read. ``allow_credentials``: cookies
    and authorization across origins (refused with ``"*"``: name the origins).
    ``max_age``: seconds browsers may cache a preflight answer.
    """

    __slots__ = ("allow_credentials", "allow_headers", "allow_origins", "any_origin", "expose_headers", "max_age")

    def __init__(
        self,
        allow_origins: Iterable[str] = ("*",),
        *,
        allow_headers: list[str] | tuple[str, ...] = _SAFE_HEADERS,
        expose_headers: list[str] | tuple[str, ...] = (),
        allow_credentials: bool = False,
        max_age: int | None = None,
    ) -> None:
        if isinstance(allow_origins, str):
            raise ConfigurationError("CORS allow_origins must be a list of origins, not one string")
        origins = [origin.rstrip("/") for origin in allow_origins]
        self.any_origin = "*" in origins
        if self.any_origin and allow_credentials:
            raise ConfigurationError(
                "CORS allow_credentials=True needs the allowed origins listed: browsers refuse '*' with credentials"
            )
        if max_age is not None and (not isinstance(max_age, int) or max_age < 0):
            raise ConfigurationError(f"CORS max_age must be a non-negative number of seconds, got {max_age!r}")
        self.allow_origins = frozenset(origins)
        self.allow_headers = tuple(allow_headers)
        self.expose_headers = tuple(expose_headers)
        self.allow_credentials = allow_credentials
        self.max_age = max_age

    def headers_for(self, origin: str | None) -> list[tuple[str, str]]:
        """Headers for an answer to a request from ``origin`` (none when it is not allowed)."""
        if origin is None:
            return []
        if self.any_origin:
            found = [("Access-Control-Allow-Origin", "*")]
        elif origin.rstrip("/") in self.allow_origins:
            found = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        else:
            return []
        if self.allow_credentials:
            found.append(("Access-Control-Allow-Credentials", "true"))
        if self.expose_headers:
            found.append(("Access-Control-Expose-Headers", ",".join(self.expose_headers)))
        return found

    def preflight_headers(self, origin: str | None, methods: list[str]) -> list[tuple[str, str]]:
        """What a preflight ``OPTIONS`` answer adds to ``headers_for`` for a path serving ``methods``."""
        if not self.headers_for(origin):
            return []
        found = [("Access-Control-Allow-Methods", ",".join(methods))]
        if self.allow_headers:
            found.append(("Access-Control-Allow-Headers", ",".join(self.allow_headers)))
        if self.max_age is not None:
            found.append(("Access-Control-Max-Age", str(self.max_age)))
        return found
