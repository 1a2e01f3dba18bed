"""What a route returns becomes an answer of the trigger's shape."""

from __future__ import annotations

import dataclasses
import gzip
import logging
from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import BaseModel

from lambda_toolkit.http import App, Response
from lambda_toolkit.testing.events import api_gateway_http_event, api_gateway_rest_event
from tests.http._helpers import FACTORIES, body_bytes, call, header, headers_of, json_body


class Public(BaseModel):
    id: int
    name: str


class Private(Public):
    password: str


@dataclasses.dataclass
class Point:
    x: int
    y: int


def make_app(**options: Any) -> App:
    app = App(**options)

    @app.get("/dict")
    def as_dict() -> dict[str, Any]:
        return {"at": datetime(2024, 1, 2, tzinfo=timezone.utc), "n": 1}

    @app.get("/list")
    def as_list() -> list[int]:
        return [1, 2]

    @app.get("/model")
    def model() -> Public:
        return Private(id=1, name="n", password="hunter2")

    @app.get("/filtered")
    def filtered() -> Public:
        return {"id": "2", "name": "m", "password": "hunter2"}  # type: ignore[return-value]

    @app.get("/broken")
    def broken() -> Public:
        return {"id": 2}  # type: ignore[return-value]

    @app.get("/dataclass")
    def dataclass() -> Any:
        return Point(1, 2)

    @app.post("/created", status=201)
    def created() -> dict[str, bool]:
        return {"ok": True}

    @app.delete("/nothing")
    def nothing() -> None:
        return None

    @app.get("/text")
    def text() -> str:
        return "héllo"

    @app.get("/bytes")
    def raw() -> bytes:
        return b"\x89PNG\x00\xff"

    @app.get("/full")
    def full() -> Response:
        return Response(
            "<p>hi</p>",
            status=202,
            headers={"X-One": "1", "X-Many": ["a", "b"]},
            cookies=["session=abc; HttpOnly"],
            content_type="text/html; charset=utf-8",
        )

    @app.get("/big")
    def big() -> dict[str, str]:
        return {"data": "x" * 5000}

    return app


def test_dict_becomes_json_with_200() -> None:
    answer = call(make_app(), api_gateway_http_event("GET", "/dict"))
    assert answer["statusCode"] == 200
    assert header(answer, "content-type") == "application/json"
    assert json_body(answer) == {"at": "2024-01-02T00:00:00Z", "n": 1}


def test_list_and_dataclass_become_json() -> None:
    app = make_app()
    assert json_body(call(app, api_gateway_http_event("GET", "/list"))) == [1, 2]
    assert json_body(call(app, api_gateway_http_event("GET", "/dataclass"))) == {"x": 1, "y": 2}


def test_return_annotation_filters_the_response() -> None:
    app = make_app()
    assert json_body(call(app, api_gateway_http_event("GET", "/model"))) == {"id": 1, "name": "n"}
    assert json_body(call(app, api_gateway_http_event("GET", "/filtered"))) == {"id": 2, "name": "m"}


def test_response_that_fails_its_annotation_is_a_500(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="lambda_toolkit.http"):
        answer = call(make_app(), api_gateway_http_event("GET", "/broken"))
    assert answer["statusCode"] == 500
    assert json_body(answer) == {"detail": "Internal Server Error"}


def test_route_status() -> None:
    assert call(make_app(), api_gateway_http_event("POST", "/created"))["statusCode"] == 201


@pytest.mark.parametrize("trigger", sorted(FACTORIES))
def test_none_is_204_without_body(trigger: str) -> None:
    answer = call(make_app(), FACTORIES[trigger]("DELETE", "/nothing"))
    assert answer["statusCode"] == 204
    assert answer["body"] == ""
    assert "content-type" not in headers_of(answer)


def test_text_is_text_plain() -> None:
    answer = call(make_app(), api_gateway_http_event("GET", "/text"))
    assert header(answer, "content-type") == "text/plain; charset=utf-8"
    assert answer["body"] == "héllo" and answer["isBase64Encoded"] is False


@pytest.mark.parametrize("trigger", sorted(FACTORIES))
def test_bytes_are_base64_encoded_for_every_trigger(trigger: str) -> None:
    answer = call(make_app(), FACTORIES[trigger]("GET", "/bytes"))
    assert answer["isBase64Encoded"] is True
    assert body_bytes(answer) == b"\x89PNG\x00\xff"
    assert header(answer, "content-type") == "application/octet-stream"


def test_full_response() -> None:
    answer = call(make_app(), api_gateway_rest_event("GET", "/full"))
    assert answer["statusCode"] == 202
    assert answer["multiValueHeaders"] == {
        "Content-Type": ["text/html; charset=utf-8"],
        "X-One": ["1"],
        "X-Many": ["a", "b"],
        "Set-Cookie": ["session=abc; HttpOnly"],
    }
    assert answer["body"] == "<p>hi</p>"
    v2 = call(make_app(), api_gateway_http_event("GET", "/full"))
    assert v2["headers"]["X-Many"] == "a,b"
    assert v2["cookies"] == ["session=abc; HttpOnly"]


def test_response_content_type_from_headers() -> None:
    app = App()

    @app.get("/csv")
    def csv() -> Response:
        return Response("a,b\n", headers={"content-type": "text/csv"})

    answer = call(app, api_gateway_http_event("GET", "/csv"))
    assert answer["headers"] == {"Content-Type": "text/csv"} and answer["body"] == "a,b\n"


def test_response_rejects_bad_status() -> None:
    with pytest.raises(ValueError, match="status"):
        Response(status=99)


def test_gzip_when_accepted_and_large() -> None:
    app = make_app(compress=True)
    answer = call(app, api_gateway_http_event("GET", "/big", headers={"Accept-Encoding": "gzip, br"}))
    assert header(answer, "content-encoding") == "gzip"
    assert answer["isBase64Encoded"] is True
    assert gzip.decompress(body_bytes(answer)) == b'{"data":"' + b"x" * 5000 + b'"}'


def test_no_gzip_when_small_not_accepted_or_off() -> None:
    on = make_app(compress=True)
    small = call(on, api_gateway_http_event("GET", "/list", headers={"Accept-Encoding": "gzip"}))
    assert "content-encoding" not in headers_of(small)
    not_accepted = call(on, api_gateway_http_event("GET", "/big"))
    assert "content-encoding" not in headers_of(not_accepted)
    off = call(make_app(), api_gateway_http_event("GET", "/big", headers={"Accept-Encoding": "gzip"}))
    assert "content-encoding" not in headers_of(off)


def test_a_text_result_under_an_optional_text_annotation_stays_text() -> None:
    app = App()

    @app.get("/maybe")
    def maybe() -> str | None:
        return "plain words"

    answer = call(app, api_gateway_http_event("GET", "/maybe"))
    assert answer["body"] == "plain words"
    assert header(answer, "content-type") == "text/plain; charset=utf-8"


def test_an_annotated_result_is_written_as_compact_json_with_non_ascii_kept() -> None:
    app = App()

    @app.get("/user")
    def user() -> Public:
        return Private(id=1, name="Zoë", password="x")

    assert call(app, api_gateway_http_event("GET", "/user"))["body"] == '{"id":1,"name":"Zoë"}'
