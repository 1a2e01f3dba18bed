"""A minimal handler on the middleware core: the seed of the example application."""

from __future__ import annotations

import time
from typing import Any

from lambda_toolkit.core import Call, Middleware, current_invocation, middleware


@middleware
def stopwatch(*, field: str = "elapsed_ms") -> Middleware:
    """Add the handler's run time to a dict response."""

    def before(call: Call) -> None:
        call.data["started"] = time.perf_counter()

    def after(call: Call) -> None:
        if isinstance(call.response, dict):
            call.response[field] = round((time.perf_counter() - call.data["started"]) * 1000, 3)

    return Middleware("stopwatch", before=before, after=after)


@stopwatch
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Greet whoever the event names."""
    invocation = current_invocation()
    assert invocation is not None
    return {
        "message": f"hello, {event.get('name', 'world')}",
        "request_id": invocation.request_id,
        "cold_start": invocation.cold_start,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
