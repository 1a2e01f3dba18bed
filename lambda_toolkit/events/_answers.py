"""The HTTP answer to a request whose event failed validation (400 or 422, JSON body).

``parse_event(..., http_errors=...)`` and ``validation.validate(..., http_errors=...)``
answer the same way, so a client sees one error shape whichever layer refused it.
"""

from __future__ import annotations

# Detection must not import typing (a cold-start cost): the annotations stay strings.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

__all__ = ["invalid_request_response"]

_REASONS = {400: "Bad Request", 422: "Unprocessable Entity"}


def invalid_request_response(trigger: str, status: int, errors: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """The response for an HTTP ``trigger`` (a name of ``HTTP_TRIGGERS`` or the WebSocket
    API) whose request is not valid: ``status`` (400 or 422) and a JSON body listing
    ``errors`` (each a mapping such as ``{"path": ..., "message": ...}``: never the values
    that were refused). ALB answers also carry the status line it requires."""
    import json  # only on the error path

    body = json.dumps({"message": "the request is not valid", "errors": [dict(e) for e in errors]})
    response: dict[str, Any] = {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": body,
        "isBase64Encoded": False,
    }
    if trigger == "alb":
        response["statusDescription"] = f"{status} {_REASONS.get(status, 'Error')}"
    return response
