"""Composition: routers, route-level middleware, and the other utilities around the app."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError, current_invocation
from lambda_toolkit.http import App, HTTPError, Response, Router
from lambda_toolkit.idempotency import MemoryStore, idempotent
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import api_gateway_http_event
from tests.http._helpers import call, json_body


def test_router_has_every_decorator_and_nests() -> None:
    inner = Router()
    for method in ("get", "post", "put", "patch", "delete", "head", "options"):
        getattr(inner, method)("/thing")(lambda _m=method: {"method": _m})
    outer = Router()
    outer.include(inner, prefix="/inner")
    app = App()
    app.include(outer, prefix="/api")
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        answer = call(app, api_gateway_http_event(method, "/api/inner/thing"))
        assert json_body(answer) == {"method": method.lower()}, method
    assert call(app, api_gateway_http_event("HEAD", "/api/inner/thing"))["statusCode"] == 200


def test_include_refuses_apps_and_itself() -> None:
    router = Router()
    with pytest.raises(ConfigurationError):
        router.include(router)
    with pytest.raises(ConfigurationError):
        App().include(App())


def test_routes_run_inside_the_invocation_state() -> None:
    app = App()

    @app.get("/id")
    def request_id() -> dict[str, Any]:
        invocation = current_invocation()
        assert invocation is not None
        return {"request_id": invocation.request_id}

    answer = app(api_gateway_http_event("GET", "/id"), FakeContext(aws_request_id="req-1"))
    assert json_body(answer) == {"request_id": "req-1"}


def make_counting_app(fail: list[bool]) -> tuple[App, list[int]]:
    calls: list[int] = []
    app = App()

    @app.post("/orders")
    def create(order: dict[str, Any]) -> dict[str, int]:
        calls.append(1)
        if fail[0]:
            raise RuntimeError("database down")
        if order.get("bad"):
            raise HTTPError(409, "no")
        return {"order": len(calls)}

    return app, calls


def test_idempotency_around_the_app_replays_answers() -> None:
    app, calls = make_counting_app([False])
    handler = idempotent(store=MemoryStore(), key="json_decode(body).id")(app)
    event = api_gateway_http_event("POST", "/orders", body={"id": "o-1"})
    first = handler(event, FakeContext())
    again = handler(event, FakeContext())
    assert json_body(first) == json_body(again) == {"order": 1}
    assert len(calls) == 1


def test_idempotency_around_the_app_does_not_keep_a_500() -> None:
    fail = [True]
    app, calls = make_counting_app(fail)
    handler = idempotent(store=MemoryStore(), key="json_decode(body).id")(app)
    event = api_gateway_http_event("POST", "/orders", body={"id": "o-2"})
    assert handler(event, FakeContext())["statusCode"] == 500
    fail[0] = False
    retry = handler(event, FakeContext())
    assert retry["statusCode"] == 200 and len(calls) == 2


def test_idempotency_does_not_keep_client_errors() -> None:
    app, calls = make_counting_app([False])
    handler = idempotent(store=MemoryStore(), key="json_decode(body).id")(app)
    event = api_gateway_http_event("POST", "/orders", body={"id": "o-3", "bad": True})
    assert handler(event, FakeContext())["statusCode"] == 409
    assert handler(event, FakeContext())["statusCode"] == 409
    assert len(calls) == 2  # the retry ran again: a 4xx is not stored as the result


def test_idempotency_does_not_keep_an_error_status_a_route_returns() -> None:
    app = App()
    calls: list[int] = []

    @app.post("/orders")
    def create() -> Response:
        calls.append(1)
        return Response({"detail": "slow down"}, status=429) if len(calls) == 1 else Response({"ok": True}, status=201)

    handler = idempotent(store=MemoryStore(), key="json_decode(body).id")(app)
    event = api_gateway_http_event("POST", "/orders", body={"id": "o-4"})
    assert handler(event, FakeContext())["statusCode"] == 429
    assert handler(event, FakeContext())["statusCode"] == 201
    assert handler(event, FakeContext())["statusCode"] == 201  # the success is kept
    assert len(calls) == 2


def test_timeout_guard_around_the_app_gets_a_503_from_the_app() -> None:
    import time

    from lambda_toolkit.timeout import timeout_guard

    app = App()

    @app.get("/slow")
    def slow() -> dict[str, bool]:
        time.sleep(5)
        return {"ok": True}

    fallbacks: list[object] = []

    def fallback(info: object) -> dict[str, int]:
        fallbacks.append(info)
        return {"statusCode": 599}

    handler = timeout_guard(margin_ms=100, on_timeout=fallback)(app)
    answer = handler(api_gateway_http_event("GET", "/slow"), FakeContext(timeout_ms=300))
    assert answer["statusCode"] == 503
    assert json_body(answer) == {"detail": "The request could not be completed in time."}
    assert fallbacks == []  # the app answered: the guard's fallback was not needed
