"""Malformed events answer a clear 4xx or raise a typed error, never anything else."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_toolkit.core import InvalidEventError, LambdaToolkitError
from lambda_toolkit.http import App
from lambda_toolkit.testing.events import (
    alb_event,
    api_gateway_http_event,
    api_gateway_rest_event,
    function_url_event,
)
from tests.http._helpers import FACTORIES, call, json_body


def make_app() -> App:
    app = App()

    @app.post("/items/{item_id}")
    def item(item_id: int, q: str | None = None, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"item_id": item_id, "q": q, "payload": payload}

    @app.get("/files/{key+}")
    def files(key: str) -> str:
        return key

    return app


@pytest.mark.parametrize(
    "event",
    [
        {k: v for k, v in api_gateway_rest_event("POST", "/items/1").items() if k != "requestContext"},
        {k: v for k, v in alb_event("POST", "/items/1").items() if k != "requestContext"},
        api_gateway_http_event("POST", "/items/1", requestContext={"http": "not a map"}),
        {},
    ],
    ids=["rest-no-context", "alb-no-context", "v2-bad-http", "empty"],
)
def test_events_that_are_not_http_requests_raise_a_typed_error(event: dict[str, Any]) -> None:
    with pytest.raises(InvalidEventError, match="not an HTTP request"):
        call(make_app(), event)


@pytest.mark.parametrize(
    ("event", "what"),
    [
        (api_gateway_rest_event("POST", "/items/1", headers={"X-Count": 3}), "not text"),  # type: ignore[dict-item]
        (api_gateway_rest_event("POST", "/items/1", multiValueHeaders="x"), "not a map"),
        (api_gateway_http_event("POST", "/items/1", body={"a": 1}, isBase64Encoded="yes"), "isBase64Encoded"),
        (api_gateway_http_event("POST", "/items/1", rawQueryString=5), "rawQueryString"),
        ({**api_gateway_http_event("POST", "/items/1"), "cookies": "a=1"}, "cookies"),
        ({**function_url_event("POST", "/items/1"), "body": {"not": "a string"}}, "body"),
        (alb_event("POST", "/items/1", queryStringParameters={"q": ["a", 1]}), "not text"),
        (api_gateway_rest_event("POST", "/items/1", httpMethod=None), "httpMethod"),
    ],
    ids=[
        "header-int",
        "headers-not-map",
        "flag-not-bool",
        "raw-query-int",
        "cookies-str",
        "body-dict",
        "query-int",
        "method-none",
    ],
)
def test_malformed_fields_answer_400(event: dict[str, Any], what: str) -> None:
    answer = call(make_app(), event)
    assert answer["statusCode"] == 400
    assert what in json_body(answer)["detail"]


def test_header_given_as_a_list_in_a_single_value_map() -> None:
    event = api_gateway_http_event("POST", "/items/1", headers={"accept": ["a", "b"]})  # type: ignore[dict-item]
    assert call(make_app(), event)["statusCode"] == 200


def test_very_long_path_is_414() -> None:
    answer = call(make_app(), api_gateway_http_event("GET", "/files/" + "a/" * 10_000))
    assert answer["statusCode"] == 414


def test_deep_path_under_a_greedy_route() -> None:
    answer = call(make_app(), api_gateway_http_event("GET", "/files/" + "a/" * 2000))
    assert answer["statusCode"] == 200


def test_encoded_slash_stays_in_its_segment() -> None:
    answer = call(make_app(), api_gateway_http_event("POST", "/items/1%2F2"))
    # "1/2" is one segment: it reached the route and failed validation as an integer
    assert answer["statusCode"] == 422


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    return found


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(FACTORIES)), st.data())
def test_mutated_events_never_crash(trigger: str, data: st.DataObject) -> None:
    event = FACTORIES[trigger]("POST", "/items/7", query={"q": "x"}, body={"a": 1})
    event = copy.deepcopy(event)
    path = data.draw(st.sampled_from(_paths(event)))
    parent = event
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(JSON)
    try:
        answer = call(make_app(), event)
    except LambdaToolkitError:
        return
    assert isinstance(answer, dict)
    assert 200 <= answer["statusCode"] < 500, answer
