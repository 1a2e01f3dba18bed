"""Errors: HTTPError, exception handlers, library errors with an HTTP meaning, and 500s."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lambda_toolkit.core import InvocationTimeout, Middleware, middleware
from lambda_toolkit.http import App, HTTPError, Response
from lambda_toolkit.idempotency import (
    IdempotencyInProgressError,
    IdempotencyKeyError,
    IdempotencyPayloadMismatchError,
)
from lambda_toolkit.testing.events import alb_event, api_gateway_http_event, api_gateway_rest_event
from tests.http._helpers import call, header, json_body


class OutOfStockError(Exception):
    pass


class SoldOutError(OutOfStockError):
    pass


class ThrottledError(Exception):
    http_status = 429
    retry_after = 30


def raising_app(exc: BaseException, **options: Any) -> App:
    app = App(**options)

    def deep() -> None:
        raise exc

    @app.get("/orders/{order_id}")
    def get_order(order_id: str) -> None:
        deep()

    return app


def test_http_error_anywhere_becomes_the_answer() -> None:
    app = raising_app(HTTPError(404, "order not found", headers={"X-Reason": "gone"}))
    answer = call(app, api_gateway_http_event("GET", "/orders/1"))
    assert answer["statusCode"] == 404
    assert json_body(answer) == {"detail": "order not found"}
    assert header(answer, "x-reason") == "gone"


def test_http_error_detail_defaults_to_the_reason_phrase() -> None:
    answer = call(raising_app(HTTPError(409)), alb_event("GET", "/orders/1"))
    assert json_body(answer) == {"detail": "Conflict"}
    assert answer["statusDescription"] == "409 Conflict"


def test_http_error_refuses_a_bad_status() -> None:
    with pytest.raises(ValueError, match="status"):
        HTTPError(1000)


def test_exception_handler_maps_user_exceptions_by_class_hierarchy() -> None:
    app = raising_app(SoldOutError("sku-1"))

    @app.exception_handler(OutOfStockError)
    def out_of_stock(exc: OutOfStockError) -> Response:
        return Response({"error": "out of stock", "kind": type(exc).__name__}, status=409)

    answer = call(app, api_gateway_rest_event("GET", "/orders/1"))
    assert answer["statusCode"] == 409
    assert json_body(answer) == {"error": "out of stock", "kind": "SoldOutError"}


def test_exception_handler_may_raise_http_error_or_return_a_value() -> None:
    app = raising_app(OutOfStockError())

    @app.exception_handler(OutOfStockError)
    def out_of_stock(exc: OutOfStockError) -> None:
        raise HTTPError(410, "gone")

    assert call(app, api_gateway_http_event("GET", "/orders/1"))["statusCode"] == 410

    other = raising_app(OutOfStockError())
    other.exception_handler(OutOfStockError)(lambda exc: {"fine": True})
    answer = call(other, api_gateway_http_event("GET", "/orders/1"))
    assert (answer["statusCode"], json_body(answer)) == (200, {"fine": True})


def test_exception_handler_can_map_http_errors_too() -> None:
    app = App()

    @app.exception_handler(HTTPError)
    def problem(exc: HTTPError) -> Response:
        return Response(
            {"title": exc.detail, "status": exc.status}, status=exc.status, content_type="application/problem+json"
        )

    answer = call(app, api_gateway_http_event("GET", "/missing"))
    assert answer["statusCode"] == 404
    assert header(answer, "content-type") == "application/problem+json"
    assert json_body(answer) == {"title": "Not Found", "status": 404}


def test_unexpected_exception_is_a_bare_500_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    app = raising_app(RuntimeError("database password is SECRET"))
    with caplog.at_level(logging.ERROR, logger="lambda_toolkit.http"):
        answer = call(app, api_gateway_http_event("GET", "/orders/ID-123"))
    assert answer["statusCode"] == 500
    assert json_body(answer) == {"detail": "Internal Server Error"}
    assert "SECRET" not in answer["body"] and "RuntimeError" not in answer["body"]
    [record] = [r for r in caplog.records if r.name == "lambda_toolkit.http"]
    assert record.getMessage() == "unhandled RuntimeError while answering GET /orders/{order_id}"
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


def test_raise_unhandled_lets_layers_around_the_app_see_it() -> None:
    seen: list[BaseException] = []

    @middleware
    def watch() -> Middleware:
        def on_error(call_: Any) -> None:
            assert call_.error is not None
            seen.append(call_.error)

        return Middleware("watch", on_error=on_error)

    error = RuntimeError("boom")
    handler = watch(raising_app(error, raise_unhandled=True))
    with pytest.raises(RuntimeError, match="boom"):
        call(handler, api_gateway_http_event("GET", "/orders/1"))
    assert seen == [error]
    # expected errors are still answers, not exceptions
    answer = call(handler, api_gateway_http_event("GET", "/nowhere"))
    assert answer["statusCode"] == 404


@pytest.mark.parametrize(
    ("exc", "status", "retry_after"),
    [
        (IdempotencyKeyError("no key at body.order_id"), 400, None),
        (IdempotencyPayloadMismatchError("mismatch", key_hash="abc"), 422, None),
        (IdempotencyInProgressError("in progress", key_hash="abc"), 409, "1"),
        (InvocationTimeout(remaining_ms=10), 503, None),
        (ThrottledError(), 429, "30"),
    ],
)
def test_errors_with_an_http_meaning(exc: Exception, status: int, retry_after: str | None) -> None:
    answer = call(raising_app(exc), api_gateway_http_event("GET", "/orders/1"))
    assert answer["statusCode"] == status
    assert header(answer, "retry-after") == retry_after
    assert "abc" not in answer["body"] and "order_id" not in answer["body"]


def test_user_handler_wins_over_the_builtin_mapping() -> None:
    app = raising_app(InvocationTimeout())
    app.exception_handler(InvocationTimeout)(lambda exc: Response("later", status=504))
    assert call(app, api_gateway_http_event("GET", "/orders/1"))["statusCode"] == 504


def test_exception_handler_needs_an_exception_class() -> None:
    from lambda_toolkit.core import ConfigurationError

    with pytest.raises(ConfigurationError):
        App().exception_handler("ValueError")  # type: ignore[arg-type]


def test_exception_handler_that_fails_is_a_500(caplog: pytest.LogCaptureFixture) -> None:
    app = raising_app(OutOfStockError())

    @app.exception_handler(OutOfStockError)
    def broken(exc: OutOfStockError) -> None:
        raise KeyError("oops")

    with caplog.at_level(logging.ERROR, logger="lambda_toolkit.http"):
        answer = call(app, api_gateway_http_event("GET", "/orders/1"))
    assert answer["statusCode"] == 500
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [KeyError]
