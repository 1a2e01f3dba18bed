"""Test-event factories of the HTTP, authorizer, identity, devtools, management and app triggers."""

from __future__ import annotations

import ast
import subprocess
import sys
from typing import Any

import pytest

from lambda_toolkit.events import model_for
from lambda_toolkit.testing.events import _apps, _http
from lambda_toolkit.testing.events._http import (
    alb_event,
    api_gateway_http_event,
    api_gateway_rest_event,
    api_gateway_websocket_event,
    deep_merge,
    function_url_event,
    vpc_lattice_v2_event,
)

FACTORIES: dict[str, Any] = {**_http.FACTORIES, **_apps.FACTORIES}
OURS = {
    "api-gateway-rest",
    "api-gateway-http",
    "api-gateway-websocket",
    "api-gateway-authorizer-token",
    "api-gateway-authorizer-request",
    "api-gateway-authorizer-http",
    "alb",
    "function-url",
    "vpc-lattice",
    "vpc-lattice-v2",
    "appsync-authorizer",
    "cognito-user-pool",
    "codepipeline-job",
    "codedeploy-lifecycle-hook",
    "cloudformation-custom-resource",
    "config-rule",
    "secrets-manager-rotation",
    "appsync-resolver",
    "bedrock-agent",
    "connect-contact-flow",
    "appsync-events",
    "transfer-family-authorizer",
}


def test_there_is_a_factory_for_each_of_these_triggers() -> None:
    assert set(FACTORIES) == OURS
    assert not set(_http.FACTORIES) & set(_apps.FACTORIES)


@pytest.mark.parametrize("trigger", sorted(OURS))
def test_each_factory_output_validates_with_its_model(trigger: str) -> None:
    event = FACTORIES[trigger]()
    model = model_for(trigger).model_validate(event)
    assert model.trigger == trigger  # type: ignore[attr-defined]


@pytest.mark.parametrize("trigger", sorted(OURS))
def test_each_call_builds_a_fresh_event(trigger: str) -> None:
    first, second = FACTORIES[trigger](), FACTORIES[trigger]()
    first.clear()
    assert second


@pytest.mark.parametrize("trigger", sorted(OURS))
def test_overrides_are_merged_by_aws_name(trigger: str) -> None:
    event = FACTORIES[trigger](extraTopLevel={"k": "v"})
    assert event["extraTopLevel"] == {"k": "v"}


def test_deep_merge_merges_dicts_and_replaces_the_rest() -> None:
    base = {"a": {"b": 1, "c": [1]}, "d": 1}
    assert deep_merge(base, {"a": {"c": [2], "e": 3}, "d": {"x": 1}}) == {
        "a": {"b": 1, "c": [2], "e": 3},
        "d": {"x": 1},
    }


def test_nested_override_keeps_the_rest_of_the_request_context() -> None:
    event = api_gateway_rest_event(requestContext={"stage": "dev"})
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["requestId"]


def test_json_body_sets_content_type_and_text_body_does_not() -> None:
    json_event = api_gateway_rest_event("POST", "/", body={"a": 1})
    assert json_event["headers"]["content-type"] == "application/json"
    assert json_event["body"] == '{"a": 1}'
    text_event = api_gateway_rest_event("POST", "/", body="plain")
    assert "content-type" not in text_event["headers"]
    assert text_event["isBase64Encoded"] is False


def test_bytes_body_is_base64_like_aws_sends_binary() -> None:
    event = api_gateway_http_event("POST", "/", body=b"\x00\x01")
    assert event["isBase64Encoded"] is True
    assert event["body"] == "AAE="
    assert event["headers"]["content-type"] == "application/octet-stream"


def test_explicit_content_type_is_kept() -> None:
    event = api_gateway_rest_event("POST", "/", headers={"content-type": "application/vnd.api+json"}, body={"a": 1})
    assert event["headers"]["content-type"] == "application/vnd.api+json"


def test_rest_event_query_and_path_parameters() -> None:
    event = api_gateway_rest_event("GET", "/items/7", query={"tag": ["a", "b"]}, path_parameters={"id": "7"})
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["pathParameters"] == {"id": "7"}
    bare = api_gateway_rest_event()
    assert bare["queryStringParameters"] is None and bare["pathParameters"] is None


def test_rest_event_authorizer_context() -> None:
    event = api_gateway_rest_event(authorizer={"claims": {"sub": "u1"}})
    model = model_for("api-gateway-rest").model_validate(event)
    assert model.request_context.authorizer == {"claims": {"sub": "u1"}}  # type: ignore[attr-defined]


def test_http_api_event_options() -> None:
    event = api_gateway_http_event(
        "GET", "/a", query={"x": ["1", "2"]}, path_parameters={"p": "1"}, jwt_claims={"sub": "u"}
    )
    assert event["rawQueryString"] == "x=1&x=2"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["routeKey"] == "GET /a"
    assert event["pathParameters"] == {"p": "1"}
    assert event["requestContext"]["authorizer"]["jwt"]["claims"] == {"sub": "u"}


def test_function_url_event_with_iam() -> None:
    event = function_url_event(iam=True, cookies=["c=1"])
    assert event["requestContext"]["authorizer"]["iam"]["accountId"] == "123456789012"
    assert event["cookies"] == ["c=1"]
    assert ".lambda-url." in event["requestContext"]["domainName"]


@pytest.mark.parametrize(
    ("route", "kind"), [("$connect", "CONNECT"), ("$disconnect", "DISCONNECT"), ("send", "MESSAGE")]
)
def test_websocket_event_kinds(route: str, kind: str) -> None:
    event = api_gateway_websocket_event(route, body={"m": 1})
    assert event["requestContext"]["eventType"] == kind
    assert ("body" in event) == (kind == "MESSAGE")
    assert ("headers" in event) == (kind == "CONNECT" or kind == "DISCONNECT")


def test_alb_event_single_or_multi_value() -> None:
    single = alb_event(query={"q": "1"})
    assert single["queryStringParameters"] == {"q": "1"} and "multiValueHeaders" not in single
    multi = alb_event(query={"q": ["1", "2"]}, multi_value=True)
    assert multi["multiValueQueryStringParameters"] == {"q": ["1", "2"]} and "headers" not in multi
    assert multi["body"] == ""


def test_factories_do_not_import_pydantic() -> None:
    code = (
        "import sys; import lambda_toolkit.testing.events._http, lambda_toolkit.testing.events._apps; "
        "print('pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_one_family_does_not_import_the_others() -> None:
    code = (
        "import sys; import lambda_toolkit.events.http; "
        "print(sorted(m for m in sys.modules if m.startswith('lambda_toolkit.events.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(ast.literal_eval(out))
    assert "lambda_toolkit.events.http" in loaded
    assert not loaded & {
        "lambda_toolkit.events.identity",
        "lambda_toolkit.events.apps",
        "lambda_toolkit.events.management",
        "lambda_toolkit.events.devtools",
        "lambda_toolkit.events.authorizers",
    }


def test_given_headers_replace_defaults_whatever_their_case() -> None:
    event = api_gateway_rest_event(
        "POST", "/", headers={"Host": "api.example.com", "Content-Type": "text/json"}, body={}
    )
    assert [name for name in event["headers"] if name.lower() == "host"] == ["Host"]
    assert [name for name in event["headers"] if name.lower() == "content-type"] == ["Content-Type"]
    assert event["requestContext"]["domainName"] == "api.example.com"
    lattice = vpc_lattice_v2_event(headers={"Host": "svc.example.com", "x-multi": ["1", "2"]})
    assert {name for name in lattice["headers"] if name.lower() == "host"} == {"Host"}
    assert lattice["headers"]["x-multi"] == ["1", "2"]
