"""The App tells the invocation state which route it serves (logging and tracing read it)."""

from __future__ import annotations

from typing import Any

from lambda_toolkit.core import Invocation, Middleware, current_invocation, middleware
from lambda_toolkit.http import App
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import api_gateway_http_event


def test_the_matched_route_template_is_set_on_the_invocation() -> None:
    app = App()
    seen: list[Invocation | None] = []

    @app.get("/orders/{order_id}")
    def get_order(order_id: int) -> dict[str, Any]:
        seen.append(current_invocation())
        return {"id": order_id}

    answer = app(api_gateway_http_event("GET", "/orders/42"), FakeContext())
    assert answer["statusCode"] == 200
    assert seen[0] is not None and seen[0].route == "GET /orders/{order_id}"  # the template, not the path


def test_no_route_is_set_when_none_matches() -> None:
    app = App()

    @app.get("/orders")
    def list_orders() -> list[Any]:
        return []

    invocations: list[Invocation | None] = []

    def after(call: Any) -> None:
        invocations.append(call.invocation)

    spy = middleware(lambda: Middleware("spy", after=after))
    handler = spy(app)
    answer = handler(api_gateway_http_event("GET", "/missing"), FakeContext())
    assert answer["statusCode"] == 404
    assert invocations[0] is not None and invocations[0].route is None
