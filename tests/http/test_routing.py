"""Routing: templates, static-over-parameter priority, 404/405, conflicts, every trigger."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError, InvalidEventError
from lambda_toolkit.http import App, Router
from lambda_toolkit.testing.events import api_gateway_http_event, api_gateway_rest_event, sqs_event
from tests.http._helpers import FACTORIES, body_bytes, call, header, headers_of, json_body


def make_app() -> App:
    app = App()

    @app.get("/orders")
    def list_orders() -> list[str]:
        return ["all"]

    @app.get("/orders/{order_id}")
    def get_order(order_id: str) -> dict[str, str]:
        return {"route": "param", "order_id": order_id}

    @app.get("/orders/latest")
    def latest() -> dict[str, str]:
        return {"route": "static"}

    @app.post("/orders")
    def create() -> dict[str, str]:
        return {"route": "create"}

    @app.get("/files/{key+}")
    def files(key: str) -> dict[str, str]:
        return {"key": key}

    @app.route("/things/{name}", methods=["PUT", "patch"])
    def things(name: str) -> dict[str, str]:
        return {"name": name}

    return app


@pytest.mark.parametrize("trigger", sorted(FACTORIES))
def test_every_trigger_round_trips(trigger: str) -> None:
    app = make_app()
    answer = call(app, FACTORIES[trigger]("GET", "/orders/42"))
    assert answer["statusCode"] == 200
    assert json_body(answer) == {"route": "param", "order_id": "42"}
    assert header(answer, "content-type") == "application/json"
    assert answer["isBase64Encoded"] is False


@pytest.mark.parametrize("trigger", sorted(FACTORIES))
def test_answer_shape_per_trigger(trigger: str) -> None:
    answer = call(make_app(), FACTORIES[trigger]("GET", "/orders"))
    keys = set(answer)
    if trigger in ("alb", "alb-multi-value", "vpc-lattice", "vpc-lattice-v2"):
        assert answer["statusDescription"] == "200 OK"
    else:
        assert "statusDescription" not in keys
    if trigger in ("api-gateway-rest", "alb-multi-value"):
        assert "multiValueHeaders" in keys and "headers" not in keys
    else:
        assert "headers" in keys and "multiValueHeaders" not in keys


def test_static_segment_wins_over_parameter_in_any_registration_order() -> None:
    app = make_app()
    assert json_body(call(app, api_gateway_http_event("GET", "/orders/latest"))) == {"route": "static"}
    assert json_body(call(app, api_gateway_http_event("GET", "/orders/other")))["route"] == "param"


def test_parameter_wins_over_greedy_and_backtracks() -> None:
    app = App()

    @app.get("/a/{x}/c")
    def param(x: str) -> str:
        return "param"

    @app.get("/a/{rest+}")
    def greedy(rest: str) -> str:
        return "greedy:" + rest

    assert body_bytes(call(app, api_gateway_http_event("GET", "/a/b/c"))) == b"param"
    # /a/b/d: the parameter branch fails at "d", the greedy route takes it
    assert body_bytes(call(app, api_gateway_http_event("GET", "/a/b/d"))) == b"greedy:b/d"


def test_greedy_parameter_takes_the_rest_of_the_path() -> None:
    answer = call(make_app(), api_gateway_http_event("GET", "/files/a/b/c.txt"))
    assert json_body(answer) == {"key": "a/b/c.txt"}


def test_greedy_parameter_needs_at_least_one_segment() -> None:
    assert call(make_app(), api_gateway_http_event("GET", "/files"))["statusCode"] == 404


def test_trailing_and_doubled_slashes_are_ignored() -> None:
    app = make_app()
    assert json_body(call(app, api_gateway_http_event("GET", "/orders/"))) == ["all"]
    assert json_body(call(app, api_gateway_http_event("GET", "//orders//7")))["order_id"] == "7"


def test_percent_encoded_segments_are_decoded_after_splitting() -> None:
    app = make_app()
    answer = call(app, api_gateway_http_event("GET", "/orders/a%2Fb%20c"))
    assert json_body(answer) == {"route": "param", "order_id": "a/b c"}


def test_missing_route_is_404() -> None:
    answer = call(make_app(), api_gateway_rest_event("GET", "/nothing/here"))
    assert answer["statusCode"] == 404
    assert json_body(answer) == {"detail": "Not Found"}


def test_wrong_method_is_405_with_allow() -> None:
    answer = call(make_app(), api_gateway_rest_event("DELETE", "/orders"))
    assert answer["statusCode"] == 405
    assert header(answer, "allow") == "GET, HEAD, POST"


def test_405_allow_lists_every_matching_template() -> None:
    answer = call(make_app(), api_gateway_http_event("DELETE", "/things/x"))
    assert header(answer, "allow") == "PATCH, PUT"


def test_route_with_several_methods() -> None:
    app = make_app()
    for method in ("PUT", "PATCH"):
        assert json_body(call(app, api_gateway_http_event(method, "/things/t"))) == {"name": "t"}


def test_head_is_answered_by_get_without_body() -> None:
    answer = call(make_app(), api_gateway_http_event("HEAD", "/orders"))
    assert answer["statusCode"] == 200
    assert answer["body"] == ""
    assert header(answer, "content-type") == "application/json"


def test_method_is_case_insensitive_on_the_wire() -> None:
    assert call(make_app(), api_gateway_http_event("get", "/orders"))["statusCode"] == 200


@pytest.mark.parametrize(
    "paths",
    [
        ("/a/{x}", "/a/{y}"),
        ("/a/{x}/b", "/a/{y}/b"),
        ("/a/{rest+}", "/a/{other+}"),
        ("/a", "/a/"),
    ],
)
def test_conflicting_routes_fail_at_decoration(paths: tuple[str, str]) -> None:
    app = App()
    app.get(paths[0])(lambda **kw: None)
    with pytest.raises(ConfigurationError, match="conflicts with"):
        app.get(paths[1])(lambda **kw: None)


def test_same_template_with_other_methods_is_no_conflict() -> None:
    app = App()
    app.get("/a/{x}")(lambda x: None)
    app.post("/a/{y}")(lambda y: None)
    assert [r.methods for r in app.routes] == [("GET",), ("POST",)]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("orders", "starting with '/'"),
        ("/a/{rest+}/b", "must be the last segment"),
        ("/a/x{y}", "whole {name} parameter"),
        ("/a/{1x}", "not a Python identifier"),
        ("/a/{x}/{x}", "appears twice"),
    ],
)
def test_bad_templates_fail_at_decoration(path: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        App().get(path)


def test_unknown_method_fails_at_decoration() -> None:
    with pytest.raises(ConfigurationError, match="methods"):
        App().route("/a", methods=["FETCH"])


def test_async_route_fails_at_decoration() -> None:
    async def handler() -> None:
        return None

    with pytest.raises(ConfigurationError, match="async"):
        App().get("/a")(handler)


def test_decorator_returns_the_function_unchanged() -> None:
    app = App()

    def f() -> int:
        return 1

    assert app.get("/f")(f) is f


def test_non_http_event_is_a_typed_error() -> None:
    with pytest.raises(InvalidEventError, match=r"not an HTTP request.*sqs"):
        call(make_app(), sqs_event())


def test_non_mapping_event_is_a_typed_error() -> None:
    with pytest.raises(InvalidEventError):
        call(make_app(), ["not", "an", "event"])  # type: ignore[arg-type]


def test_router_included_under_prefix() -> None:
    router = Router()

    @router.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"item": item_id}

    app = App()
    app.include(router, prefix="/v1")
    app.include(router, prefix="/v2/")
    assert json_body(call(app, api_gateway_http_event("GET", "/v1/items/3"))) == {"item": 3}
    assert json_body(call(app, api_gateway_http_event("GET", "/v2/items/4"))) == {"item": 4}
    assert call(app, api_gateway_http_event("GET", "/items/3"))["statusCode"] == 404


def test_include_conflict_is_a_configuration_error() -> None:
    router = Router()
    router.get("/items")(lambda: None)
    app = App()
    app.get("/v1/items")(lambda: None)
    with pytest.raises(ConfigurationError, match="conflicts"):
        app.include(router, prefix="/v1")


def test_include_prefix_cannot_have_parameters() -> None:
    with pytest.raises(ConfigurationError, match="prefix"):
        App().include(Router(), prefix="/{tenant}")


def test_alb_multi_value_request_gets_multi_value_answer() -> None:
    app = App()

    @app.get("/c")
    def cookies() -> Any:
        from lambda_toolkit.http import Response

        return Response({"ok": True}, cookies=["a=1", "b=2"])

    answer = call(app, FACTORIES["alb-multi-value"]("GET", "/c"))
    assert answer["multiValueHeaders"]["Set-Cookie"] == ["a=1", "b=2"]
    single = call(app, FACTORIES["alb"]("GET", "/c"))
    assert single["headers"]["Set-Cookie"] == "b=2"
    v2 = call(app, FACTORIES["api-gateway-http"]("GET", "/c"))
    assert v2["cookies"] == ["a=1", "b=2"] and "set-cookie" not in headers_of(v2)
    rest = call(app, FACTORIES["api-gateway-rest"]("GET", "/c"))
    assert rest["multiValueHeaders"]["Set-Cookie"] == ["a=1", "b=2"]


def test_root_route_and_root_under_a_prefix() -> None:
    app = App()
    app.get("/")(lambda: "root")
    router = Router()
    router.get("/")(lambda: "v1 root")
    app.include(router, prefix="/v1")
    assert body_bytes(call(app, api_gateway_http_event("GET", "/"))) == b"root"
    assert body_bytes(call(app, api_gateway_http_event("GET", "/v1"))) == b"v1 root"
    assert body_bytes(call(app, api_gateway_http_event("GET", "/v1/"))) == b"v1 root"
