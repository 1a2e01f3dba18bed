"""CORS: preflights answered before routing, headers on every answer, errors included."""

from __future__ import annotations

import pytest

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.http import CORS, App, HTTPError
from lambda_toolkit.testing.events import api_gateway_http_event, api_gateway_rest_event
from tests.http._helpers import FACTORIES, call, header, headers_of

ORIGIN = "https://app.example.com"


def make_app(cors: CORS) -> App:
    app = App(cors=cors)

    @app.get("/orders/{order_id}")
    def get_order(order_id: int) -> dict[str, int]:
        return {"id": order_id}

    @app.post("/orders/{order_id}")
    def update(order_id: int) -> None:
        raise RuntimeError("boom")

    @app.options("/orders/{order_id}")
    def never() -> None:
        raise AssertionError("a preflight reached a route")

    @app.delete("/orders/{order_id}")
    def refuse(order_id: int) -> None:
        raise HTTPError(403, "no")

    return app


def preflight(path: str = "/orders/1", origin: str = ORIGIN, trigger: str = "api-gateway-http") -> dict[str, object]:
    return FACTORIES[trigger]("OPTIONS", path, headers={"Origin": origin, "Access-Control-Request-Method": "POST"})


@pytest.mark.parametrize("trigger", sorted(FACTORIES))
def test_preflight_is_answered_without_reaching_routes(trigger: str) -> None:
    app = make_app(CORS([ORIGIN], allow_headers=["content-type", "x-api-key"], max_age=600))
    answer = call(app, preflight(trigger=trigger))
    assert answer["statusCode"] == 204
    assert header(answer, "access-control-allow-origin") == ORIGIN
    assert header(answer, "access-control-allow-methods") == "DELETE,GET,OPTIONS,POST"
    assert header(answer, "access-control-allow-headers") == "content-type,x-api-key"
    assert header(answer, "access-control-max-age") == "600"
    assert header(answer, "vary") == "Origin"


def test_preflight_for_unknown_path_is_404() -> None:
    answer = call(make_app(CORS([ORIGIN])), preflight("/nowhere"))
    assert answer["statusCode"] == 404


def test_preflight_from_a_foreign_origin_gets_no_cors_headers() -> None:
    answer = call(make_app(CORS([ORIGIN])), preflight(origin="https://evil.example"))
    assert not [name for name in headers_of(answer) if name.startswith("access-control")]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/orders/1", 200),
        ("GET", "/orders/x", 422),
        ("GET", "/none", 404),
        ("POST", "/orders/1", 500),
        ("DELETE", "/orders/1", 403),
        ("PUT", "/orders/1", 405),
    ],
)
def test_every_answer_carries_the_headers(method: str, path: str, status: int) -> None:
    app = make_app(CORS([ORIGIN], allow_credentials=True, expose_headers=["x-request-id"]))
    answer = call(app, api_gateway_rest_event(method, path, headers={"Origin": ORIGIN}))
    assert answer["statusCode"] == status
    assert header(answer, "access-control-allow-origin") == ORIGIN
    assert header(answer, "access-control-allow-credentials") == "true"
    assert header(answer, "access-control-expose-headers") == "x-request-id"


def test_wildcard_origin() -> None:
    answer = call(make_app(CORS(["*"])), api_gateway_http_event("GET", "/orders/1", headers={"Origin": ORIGIN}))
    assert header(answer, "access-control-allow-origin") == "*"
    assert header(answer, "vary") is None


def test_no_origin_no_headers() -> None:
    answer = call(make_app(CORS(["*"])), api_gateway_http_event("GET", "/orders/1"))
    assert header(answer, "access-control-allow-origin") is None


def test_plain_options_without_preflight_headers_is_routed() -> None:
    app = App(cors=CORS(["*"]))
    app.options("/ping")(lambda: "pong")
    answer = call(app, api_gateway_http_event("OPTIONS", "/ping", headers={"Origin": ORIGIN}))
    assert answer["body"] == "pong"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"allow_origins": ["*"], "allow_credentials": True}, "credentials"),
        ({"allow_origins": "https://a.example"}, "list of origins"),
        ({"allow_origins": ["https://a.example"], "max_age": -1}, "max_age"),
    ],
)
def test_bad_policies_fail_at_setup(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        CORS(**kwargs)  # type: ignore[arg-type]


def test_cors_option_must_be_a_policy() -> None:
    with pytest.raises(ConfigurationError, match="CORS"):
        App(cors={"allow_origins": ["*"]})  # type: ignore[arg-type]
