"""Typed parameters: path, query, headers and body from the route function's signature."""

from __future__ import annotations

import base64
import dataclasses
import inspect
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from lambda_toolkit.core import ConfigurationError, Middleware, middleware
from lambda_toolkit.events import APIGatewayHttpEvent, APIGatewayRestEvent
from lambda_toolkit.http import App, Body, Header, Path, Query
from lambda_toolkit.testing.events import (
    alb_event,
    api_gateway_http_event,
    api_gateway_rest_event,
    function_url_event,
    vpc_lattice_v2_event,
)
from tests.http._helpers import FACTORIES, body_bytes, call, json_body


class Item(BaseModel):
    sku: str
    qty: int = Field(gt=0)


class Order(BaseModel):
    customer: str
    items: list[Item]


@dataclasses.dataclass
class Note:
    text: str
    pinned: bool = False


class Tag(TypedDict):
    name: str
    weight: int


def echo_app() -> App:
    app = App()

    @app.get("/orders/{order_id}")
    def get_order(
        order_id: int,
        expand: bool = False,
        limit: Annotated[int, Query(alias="page-size")] = 10,
        tags: list[str] | None = None,
        status: Literal["open", "closed"] | None = None,
        x_tenant: Annotated[str | None, Header()] = None,
        agent: Annotated[str, Header(alias="User-Agent")] = "",
    ) -> dict[str, Any]:
        return {
            "order_id": order_id,
            "expand": expand,
            "limit": limit,
            "tags": tags,
            "status": status,
            "tenant": x_tenant,
            "agent": agent,
        }

    @app.post("/orders", status=201)
    def create(order: Order) -> dict[str, Any]:
        return {"customer": order.customer, "skus": [item.sku for item in order.items]}

    @app.post("/notes")
    def note(note: Note) -> dict[str, Any]:
        return {"text": note.text, "pinned": note.pinned}

    @app.post("/tags")
    def tag(tag: Tag) -> dict[str, Any]:
        return dict(tag)

    @app.post("/raw")
    def raw(data: Annotated[bytes, Body()]) -> dict[str, Any]:
        return {"size": len(data), "first": data[:1].hex()}

    @app.post("/text")
    def text(data: Annotated[str, Body()] = "") -> dict[str, Any]:
        return {"text": data}

    @app.post("/anything")
    def anything(payload: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"payload": payload}

    return app


@pytest.mark.parametrize("trigger", sorted(FACTORIES))
def test_path_query_and_header_are_converted(trigger: str) -> None:
    event = FACTORIES[trigger](
        "GET",
        "/orders/7",
        headers={"X-Tenant": "acme", "User-Agent": "lambda-toolkit-tests/1.0"},
        query={"expand": "true", "page-size": "3", "status": "open"},
    )
    answer = call(echo_app(), event)
    assert answer["statusCode"] == 200, answer["body"]
    assert json_body(answer) == {
        "order_id": 7,
        "expand": True,
        "limit": 3,
        "tags": None,
        "status": "open",
        "tenant": "acme",
        "agent": "lambda-toolkit-tests/1.0",
    }


def test_defaults_make_parameters_optional() -> None:
    answer = call(echo_app(), api_gateway_http_event("GET", "/orders/7"))
    assert json_body(answer)["limit"] == 10 and json_body(answer)["expand"] is False


@pytest.mark.parametrize(
    "event",
    [
        api_gateway_rest_event("GET", "/orders/1", query={"tags": ["a", "b"]}),
        api_gateway_http_event("GET", "/orders/1", query={"tags": ["a", "b"]}),
        function_url_event("GET", "/orders/1", query={"tags": ["a", "b"]}),
        alb_event("GET", "/orders/1", query={"tags": ["a", "b"]}, multi_value=True),
        vpc_lattice_v2_event("GET", "/orders/1", query={"tags": ["a", "b"]}),
    ],
    ids=["rest", "http", "url", "alb", "lattice-v2"],
)
def test_repeated_query_keys_fill_a_list(event: dict[str, Any]) -> None:
    assert json_body(call(echo_app(), event))["tags"] == ["a", "b"]


def test_alb_query_values_are_percent_decoded() -> None:
    event = alb_event("GET", "/orders/1", query={"tags": "a%20b", "page-size": "2"})
    assert json_body(call(echo_app(), event))["tags"] == ["a b"]


def test_repeated_key_for_a_scalar_takes_the_last_value() -> None:
    event = api_gateway_http_event("GET", "/orders/1", query={"page-size": ["1", "2"]})
    assert json_body(call(echo_app(), event))["limit"] == 2


def test_invalid_parameters_answer_422_with_every_location_and_no_values() -> None:
    event = api_gateway_http_event("GET", "/orders/SECRET-VALUE", query={"page-size": "lots-SECRET", "status": "x"})
    answer = call(echo_app(), event)
    assert answer["statusCode"] == 422
    detail = json_body(answer)["detail"]
    assert [error["loc"] for error in detail] == [["path", "order_id"], ["query", "page-size"], ["query", "status"]]
    assert all(error["msg"] and error["type"] for error in detail)
    assert "SECRET" not in answer["body"]


def test_json_body_into_a_pydantic_model() -> None:
    body = {"customer": "c1", "items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]}
    answer = call(echo_app(), api_gateway_rest_event("POST", "/orders", body=body))
    assert answer["statusCode"] == 201
    assert json_body(answer) == {"customer": "c1", "skus": ["A", "B"]}


def test_invalid_body_gives_field_paths_without_values() -> None:
    body = {"customer": "c1", "items": [{"sku": "A", "qty": 1}, {"sku": "SECRET-SKU", "qty": -5}]}
    answer = call(echo_app(), api_gateway_http_event("POST", "/orders", body=body))
    assert answer["statusCode"] == 422
    assert [e["loc"] for e in json_body(answer)["detail"]] == [["body", "items", 1, "qty"]]
    assert "SECRET" not in answer["body"] and "-5" not in answer["body"]


def test_missing_required_body_is_422() -> None:
    answer = call(echo_app(), api_gateway_http_event("POST", "/orders"))
    assert answer["statusCode"] == 422
    assert json_body(answer)["detail"] == [{"loc": ["body", "body"], "msg": "Field required", "type": "missing"}]


def test_unparseable_json_is_400() -> None:
    answer = call(echo_app(), api_gateway_http_event("POST", "/orders", body="{not json SECRET"))
    assert answer["statusCode"] == 400
    assert json_body(answer) == {"detail": "The request body is not valid JSON."}


def test_base64_json_body_is_decoded() -> None:
    encoded = base64.b64encode(b'{"text": "hi"}').decode()
    event = api_gateway_http_event("POST", "/notes", body=encoded, isBase64Encoded=True)
    assert json_body(call(echo_app(), event)) == {"text": "hi", "pinned": False}


def test_body_flagged_base64_that_is_not_base64_is_400() -> None:
    event = api_gateway_rest_event("POST", "/raw", body="%%%not base64", isBase64Encoded=True)
    answer = call(echo_app(), event)
    assert answer["statusCode"] == 400
    assert "base64" in json_body(answer)["detail"]


def test_dataclass_and_typeddict_bodies() -> None:
    app = echo_app()
    assert json_body(call(app, alb_event("POST", "/notes", body={"text": "t", "pinned": True}))) == {
        "text": "t",
        "pinned": True,
    }
    assert json_body(call(app, alb_event("POST", "/tags", body={"name": "n", "weight": "3"}))) == {
        "name": "n",
        "weight": 3,
    }


def test_raw_bytes_and_text_bodies() -> None:
    app = echo_app()
    answer = call(app, api_gateway_http_event("POST", "/raw", body=b"\x00\xffdata"))
    assert json_body(answer) == {"size": 6, "first": "00"}
    assert json_body(call(app, api_gateway_http_event("POST", "/text", body="héllo"))) == {"text": "héllo"}
    assert json_body(call(app, api_gateway_http_event("POST", "/text"))) == {"text": ""}


def test_dict_body_optional() -> None:
    app = echo_app()
    assert json_body(call(app, api_gateway_http_event("POST", "/anything"))) == {"payload": None}
    assert json_body(call(app, api_gateway_http_event("POST", "/anything", body={"a": 1}))) == {"payload": {"a": 1}}


def test_six_megabyte_body() -> None:
    data = b"x" * (6 * 1024 * 1024)
    answer = call(echo_app(), api_gateway_rest_event("POST", "/raw", body=data))
    assert json_body(answer) == {"size": len(data), "first": "78"}


def test_header_list_values_and_header_aliases() -> None:
    app = App()

    @app.get("/h")
    def h(x_forwarded_for: Annotated[list[str], Header()] = []) -> list[str]:  # noqa: B006
        return x_forwarded_for

    event = api_gateway_rest_event("GET", "/h", multiValueHeaders={"X-Forwarded-For": ["1.1.1.1", "2.2.2.2"]})
    assert json_body(call(app, event)) == ["1.1.1.1", "2.2.2.2"]
    # a list where a single-value header map has a string: taken as several values, not a crash
    assert json_body(call(app, vpc_lattice_v2_event("GET", "/h", headers={"x-forwarded-for": ["3.3.3.3"]}))) == [
        "3.3.3.3"
    ]


def test_request_model_parameter_gets_the_whole_request() -> None:
    app = App()

    @app.get("/who")
    def who(request: APIGatewayHttpEvent | APIGatewayRestEvent) -> dict[str, str]:
        return {"type": type(request).__name__, "path": request.path}

    assert json_body(call(app, api_gateway_http_event("GET", "/who"))) == {
        "type": "APIGatewayHttpEvent",
        "path": "/who",
    }
    assert json_body(call(app, api_gateway_rest_event("GET", "/who")))["type"] == "APIGatewayRestEvent"


def test_path_marker_with_alias() -> None:
    app = App()

    @app.get("/users/{user-id}".replace("-", "_"))
    def user(uid: Annotated[int, Path(alias="user_id")]) -> int:
        return uid

    assert json_body(call(app, api_gateway_http_event("GET", "/users/12"))) == 12


def test_path_parameter_not_in_the_signature_is_ignored() -> None:
    app = App()

    @app.get("/a/{x}")
    def a() -> str:
        return "ok"

    assert body_bytes(call(app, api_gateway_http_event("GET", "/a/1"))) == b"ok"


class Unknown:
    pass


def _no_default_positional_only(x: int, /) -> None: ...


@pytest.mark.parametrize(
    ("path", "fn", "message"),
    [
        ("/a", lambda thing: None, None),
        ("/a", _no_default_positional_only, "positional-only"),
    ],
)
def test_signatures_that_cannot_be_satisfied(path: str, fn: Any, message: str | None) -> None:
    if message is None:
        App().get(path)(fn)  # an unannotated parameter is a string query parameter: fine
        return
    with pytest.raises(ConfigurationError, match=message):
        App().get(path)(fn)


def test_unknown_parameter_type_is_a_configuration_error() -> None:
    def f(thing: Unknown) -> None: ...

    with pytest.raises(ConfigurationError, match=r"'thing'.*cannot tell where"):
        App().get("/a")(f)


def test_path_marker_without_template_parameter() -> None:
    def f(x: Annotated[int, Path()]) -> None: ...

    with pytest.raises(ConfigurationError, match=r"has no parameter \{x\}"):
        App().get("/a")(f)


def test_two_bodies_are_a_configuration_error() -> None:
    def f(a: Order, b: Note) -> None: ...

    with pytest.raises(ConfigurationError, match="only one"):
        App().post("/a")(f)


def test_unresolvable_annotation_is_a_configuration_error() -> None:
    def f(a: DoesNotExist) -> None: ...  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(ConfigurationError, match="cannot read the signature"):
        App().post("/a")(f)


def test_signature_is_read_once_at_decoration(monkeypatch: pytest.MonkeyPatch) -> None:
    app = echo_app()

    def no_more(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("signature inspected per request")

    monkeypatch.setattr(inspect, "signature", no_more)
    monkeypatch.setattr("typing.get_type_hints", no_more)
    for _ in range(2):
        assert call(app, api_gateway_http_event("GET", "/orders/1"))["statusCode"] == 200


def test_route_level_middleware_from_the_core() -> None:
    seen: list[Any] = []

    @middleware
    def record() -> Middleware:
        def before(call_: Any) -> None:
            seen.append(dict(call_.kwargs))

        def after(call_: Any) -> None:
            call_.response = {**call_.response, "wrapped": True}

        return Middleware("record", before=before, after=after)

    app = App()

    @app.get("/items/{item_id}")
    @record
    def item(item_id: int, verbose: bool = False) -> dict[str, Any]:
        return {"item": item_id}

    answer = call(app, api_gateway_http_event("GET", "/items/3", query={"verbose": "1"}))
    assert json_body(answer) == {"item": 3, "wrapped": True}
    assert seen == [{"item_id": 3, "verbose": True}]


def test_types_pydantic_cannot_validate_fail_in_prepare() -> None:
    app = App()

    @app.post("/p")
    def p(body: Annotated[Any, Body()], other: Annotated[Unknown | None, Query()] = None) -> None: ...

    with pytest.raises(ConfigurationError, match=r"route POST /p: parameter 'other'"):
        app.prepare()


def test_prepare_builds_validators_ahead_of_requests() -> None:
    app = echo_app()
    app.prepare()
    [route] = [route for route in app.routes if route.template.text == "/orders/{order_id}"]
    adapters = {param.name: param.adapter is not None for param in route.plan.params}
    # text values pass as they came; everything else has its validator
    assert adapters == {
        "order_id": True,
        "expand": True,
        "limit": True,
        "tags": True,
        "status": True,
        "x_tenant": True,
        "agent": False,
    }


def test_marker_as_default_value_is_a_configuration_error() -> None:
    def f(limit: int = Query(alias="page-size")) -> None:  # type: ignore[assignment]
        ...

    with pytest.raises(ConfigurationError, match=r"Annotated\[T, Query\(...\)\]"):
        App().get("/a")(f)


def test_two_markers_on_one_parameter() -> None:
    def f(limit: Annotated[int, Query(), Header()] = 1) -> None: ...

    with pytest.raises(ConfigurationError, match="more than one"):
        App().get("/a")(f)


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{}", "[" * 100_000, '{"a": ' * 5_000 + "1" + "}" * 5_000, '{"text": ' + "9" * 5_000 + "}", "nan"],
    ids=["not-utf8", "nested-too-deep", "deep-object", "too-many-digits", "bare-nan"],
)
def test_a_body_json_cannot_parse_is_400_whatever_the_reason(body: str | bytes) -> None:
    event = api_gateway_http_event("POST", "/orders", body=body, headers={"content-type": "application/json"})
    answer = call(echo_app(), event)
    assert answer["statusCode"] == 400
    assert json_body(answer) == {"detail": "The request body is not valid JSON."}


def test_a_json_body_with_the_wrong_shape_is_still_a_422_not_a_400() -> None:
    answer = call(echo_app(), api_gateway_http_event("POST", "/orders", body="[1, 2]"))
    assert answer["statusCode"] == 422
    assert json_body(answer)["detail"][0]["loc"][0] == "body"


def test_headers_sent_in_two_cases_are_one_header_with_both_values() -> None:
    app = App()

    @app.get("/h")
    def read(x_tag: Annotated[list[str], Header()]) -> dict[str, list[str]]:
        return {"tags": x_tag}

    event = api_gateway_http_event("GET", "/h")
    event["headers"] = {"X-Tag": "a", "x-tag": "b"}
    assert json_body(call(app, event)) == {"tags": ["a", "b"]}
