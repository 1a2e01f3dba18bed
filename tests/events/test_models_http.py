"""The HTTP trigger models: API Gateway REST/HTTP/WebSocket, ALB, Function URL, VPC Lattice v1/v2."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from lambda_toolkit.events import EventValidationError, parse
from lambda_toolkit.events.http import (
    ALBEvent,
    APIGatewayHttpEvent,
    APIGatewayRestEvent,
    APIGatewayWebSocketEvent,
    FunctionURLEvent,
    VPCLatticeEvent,
    VPCLatticeV2Event,
)
from lambda_toolkit.testing.events._http import (
    alb_event,
    api_gateway_http_event,
    api_gateway_rest_event,
    api_gateway_websocket_event,
    function_url_event,
    vpc_lattice_event,
    vpc_lattice_v2_event,
)
from tests.events.model_samples import required_keys, sample_ids, samples_for, strip_optional

MODELS: dict[str, Any] = {
    "api-gateway-rest": APIGatewayRestEvent,
    "api-gateway-http": APIGatewayHttpEvent,
    "api-gateway-websocket": APIGatewayWebSocketEvent,
    "alb": ALBEvent,
    "function-url": FunctionURLEvent,
    "vpc-lattice": VPCLatticeEvent,
    "vpc-lattice-v2": VPCLatticeV2Event,
}
SAMPLES = samples_for(*MODELS)
HTTP_FACTORIES = {
    "api-gateway-rest": api_gateway_rest_event,
    "api-gateway-http": api_gateway_http_event,
    "alb": alb_event,
    "function-url": function_url_event,
    "vpc-lattice": vpc_lattice_event,
    "vpc-lattice-v2": vpc_lattice_v2_event,
}


def test_every_http_trigger_has_samples_or_fixtures() -> None:
    assert {trigger for trigger, _, _ in SAMPLES} == set(MODELS)


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_every_sample_validates(trigger: str, name: str, event: dict[str, Any]) -> None:
    model = MODELS[trigger].model_validate(event)
    assert type(model) is MODELS[trigger]
    assert model.trigger == trigger


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_only_what_aws_always_sends_is_required(trigger: str, name: str, event: dict[str, Any]) -> None:
    model = MODELS[trigger].model_validate(strip_optional(MODELS[trigger], event))
    assert model.body is None
    assert model.is_base64_encoded is False
    assert model.decoded_body() == b""
    assert model.header("host") is None
    assert model.header_values("host") == []
    assert model.query("anything") is None
    assert model.query_values("anything") == []


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_a_missing_required_field_is_named(trigger: str, name: str, event: dict[str, Any]) -> None:
    for key in required_keys(MODELS[trigger]):
        broken = {k: v for k, v in event.items() if k != key}
        with pytest.raises(EventValidationError) as info:
            parse(broken, trigger)
        assert key in [error.path for error in info.value.errors]


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_unknown_fields_are_kept(trigger: str, name: str, event: dict[str, Any]) -> None:
    model = MODELS[trigger].model_validate({**event, "fieldAwsAddsLater": {"x": 1}})
    assert model.model_extra is not None and model.model_extra["fieldAwsAddsLater"] == {"x": 1}


def test_models_are_read_only() -> None:
    model = APIGatewayRestEvent.model_validate(api_gateway_rest_event())
    with pytest.raises(ValidationError):
        model.path = "/other"


def test_fields_are_snake_case_and_also_accepted_by_name() -> None:
    by_alias = APIGatewayRestEvent.model_validate(api_gateway_rest_event("POST", "/x"))
    by_name = APIGatewayRestEvent.model_validate(by_alias.model_dump(by_alias=False))
    assert by_name.http_method == "POST"
    assert by_alias.model_dump(by_alias=True)["httpMethod"] == "POST"


# --- typing ------------------------------------------------------------------------------


def test_rest_event_types() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/api-gateway-rest.json")
    model = APIGatewayRestEvent.model_validate(event)
    assert model.request_context.request_time_epoch == datetime(2024, 6, 1, 12, 0, 0, 123000, tzinfo=timezone.utc)
    assert model.multi_value_headers is not None and model.multi_value_headers["Accept"] == ["application/json"]
    assert model.path_parameters == {"proxy": "o-1001/items"}
    assert model.query("expand") == "items" and model.query_values("expand") == ["lines", "items"]
    identity = model.request_context.identity
    assert identity is not None and identity.client_cert is not None
    assert identity.client_cert.subject_dn == "CN=client.example.org"
    assert model.request_context.authorizer == {"principalId": "user-42", "tenant": "acme", "scopeCount": 2}


def test_api_keys_stay_out_of_repr() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/api-gateway-rest.json")
    assert "example-api-key-value" not in repr(APIGatewayRestEvent.model_validate(event))


def test_http_api_authorizer_contexts_are_typed() -> None:
    by_name = {name: event for _, name, event in SAMPLES}
    jwt = APIGatewayHttpEvent.model_validate(by_name["fixtures/api-gateway-http--jwt-authorizer.json"]).request_context
    assert jwt.authorizer is not None and jwt.authorizer.jwt is not None
    assert jwt.authorizer.jwt.scopes == ["orders/read", "orders/write"]
    iam = APIGatewayHttpEvent.model_validate(by_name["fixtures/api-gateway-http--iam.json"]).request_context
    assert iam.authorizer is not None and iam.authorizer.iam is not None
    assert iam.authorizer.iam.cognito_identity is not None
    assert iam.authorizer.iam.cognito_identity.amr is not None
    assert iam.authorizer.iam.cognito_identity.amr[0] == "authenticated"
    lam = APIGatewayHttpEvent.model_validate(
        by_name["fixtures/api-gateway-http--lambda-authorizer.json"]
    ).request_context
    assert lam.authorizer is not None and lam.authorizer.lambda_ == {"tenant": "acme", "plan": "gold"}
    assert lam.time_epoch == datetime(2024, 6, 1, 12, 0, 0, 456000, tzinfo=timezone.utc)


def test_websocket_event_type_and_ids() -> None:
    by_name = {name: event for _, name, event in SAMPLES}
    gone = APIGatewayWebSocketEvent.model_validate(by_name["fixtures/api-gateway-websocket--disconnect.json"])
    assert gone.request_context.event_type == "DISCONNECT"
    assert gone.request_context.disconnect_status_code == 1001
    assert gone.route_key == "$disconnect"
    assert gone.connection_id == "Zm9vYmFyQ29ubj0="
    assert gone.request_context.connected_at == datetime(2024, 6, 1, 11, 58, 20, 250000, tzinfo=timezone.utc)
    bad = {**by_name["fixtures/api-gateway-websocket--disconnect.json"]}
    bad["requestContext"] = {**bad["requestContext"], "eventType": "RECONNECT"}
    with pytest.raises(EventValidationError) as info:
        parse(bad, "api-gateway-websocket")
    assert [e.path for e in info.value.errors] == ["requestContext.eventType"]


def test_vpc_lattice_v1_uses_snake_case_keys_on_the_wire() -> None:
    model = VPCLatticeEvent.model_validate(vpc_lattice_event("POST", "/orders", body={"a": 1}, query={"q": "1"}))
    assert (model.http_method, model.path, model.raw_path) == ("POST", "/orders", "/orders")
    assert model.json_body() == {"a": 1}
    assert model.query("q") == "1"
    assert model.model_dump(by_alias=True)["is_base64_encoded"] is False


def test_vpc_lattice_v1_documented_sample_is_base64() -> None:
    model = VPCLatticeEvent.model_validate(next(e for _, n, e in SAMPLES if n == "fixtures/vpc-lattice.json"))
    assert model.json_body() == {"test": "event"}
    assert model.header("USER_AGENT") == "curl/7.64.1"


def test_vpc_lattice_v2_is_multi_value_and_has_microsecond_time() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/vpc-lattice-v2.json")
    model = VPCLatticeV2Event.model_validate(event)
    assert model.request_context.time_epoch == datetime(2023, 7, 27, 22, 39, 59, 177430, tzinfo=timezone.utc)
    assert model.query_values("tag") == ["a", "b"]
    assert model.query("tag") == "b"
    assert model.header("Accept") == "*/*"
    identity = model.request_context.identity
    assert identity is not None and identity.principal_org_id == "o-50dc6c495c0c9188"
    assert identity.x509_san_dns == "example.com"
    assert model.http_method == "GET"


def test_vpc_lattice_v2_accepts_single_string_header_values() -> None:
    event = vpc_lattice_v2_event(headers={"x-one": "1"})
    event["headers"]["x-plain"] = "plain"
    event["requestContext"]["timeEpoch"] = 1690497599177430
    model = VPCLatticeV2Event.model_validate(event)
    assert model.headers is not None and model.headers["x-plain"] == ["plain"]
    assert model.header("X-One") == "1"
    assert model.request_context.time_epoch is not None


def test_vpc_lattice_v2_time_must_be_a_number() -> None:
    event = vpc_lattice_v2_event()
    event["requestContext"]["timeEpoch"] = "yesterday"
    with pytest.raises(EventValidationError) as info:
        parse(event, "vpc-lattice-v2")
    assert [e.path for e in info.value.errors] == ["requestContext.timeEpoch"]
    assert "yesterday" not in str(info.value)


def test_method_and_path_are_uniform_across_http_models() -> None:
    for trigger, factory in HTTP_FACTORIES.items():
        model = MODELS[trigger].model_validate(factory("PATCH", "/items/7"))
        assert (model.http_method, model.path) == ("PATCH", "/items/7"), trigger


# --- body -----------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", sorted(HTTP_FACTORIES))
def test_json_body_is_parsed_on_demand_and_cached(trigger: str) -> None:
    model = MODELS[trigger].model_validate(HTTP_FACTORIES[trigger]("POST", "/", body={"order": 1}))
    assert "_json_body" not in model.__dict__
    first = model.json_body()
    assert first == {"order": 1}
    assert model.json_body() is first
    assert model.text_body() == '{"order": 1}'


@pytest.mark.parametrize("trigger", sorted(HTTP_FACTORIES))
def test_binary_body_is_base64_decoded(trigger: str) -> None:
    model = MODELS[trigger].model_validate(HTTP_FACTORIES[trigger]("POST", "/", body=b"\x00\xffdata"))
    assert model.is_base64_encoded is True
    assert model.decoded_body() == b"\x00\xffdata"
    assert model.decoded_body() is model.decoded_body()


def test_base64_json_body_is_decoded_then_parsed() -> None:
    event = api_gateway_rest_event("POST", "/", body=b'{"a": [1, 2]}')
    assert APIGatewayRestEvent.model_validate(event).json_body() == {"a": [1, 2]}


def test_plain_body_is_utf8_bytes() -> None:
    model = APIGatewayRestEvent.model_validate(api_gateway_rest_event("POST", "/", body="héllo"))
    assert model.decoded_body() == "héllo".encode()
    assert model.text_body() == "héllo"


def test_absent_body_is_empty() -> None:
    model = APIGatewayHttpEvent.model_validate(api_gateway_http_event())
    assert model.body is None
    assert model.decoded_body() == b""
    assert model.text_body() == ""


def test_bad_base64_is_an_event_validation_error_on_body() -> None:
    event = api_gateway_rest_event("POST", "/")
    event.update(body="not*base64*secret-value", isBase64Encoded=True)
    model = APIGatewayRestEvent.model_validate(event)  # decoding waits until asked
    with pytest.raises(EventValidationError) as info:
        model.decoded_body()
    assert info.value.errors == [("body", "not valid base64")]
    assert info.value.trigger == "api-gateway-rest"
    assert "secret-value" not in str(info.value)
    with pytest.raises(EventValidationError, match="body: not valid base64"):
        model.json_body()


def test_bad_json_is_an_event_validation_error_without_the_body() -> None:
    model = ALBEvent.model_validate(alb_event("POST", "/", body="{'card': '4111-1111'"))
    with pytest.raises(EventValidationError) as info:
        model.json_body()
    assert info.value.errors == [("body", "not valid JSON (line 1, column 2)")]
    assert "4111" not in str(info.value)
    assert str(info.value) == "invalid alb event: body: not valid JSON (line 1, column 2)"


def test_json_of_an_absent_body_is_an_error() -> None:
    model = FunctionURLEvent.model_validate(function_url_event())
    with pytest.raises(EventValidationError) as info:
        model.json_body()
    assert [e.path for e in info.value.errors] == ["body"]


def test_base64_body_that_is_not_utf8_is_an_error_as_text() -> None:
    model = APIGatewayRestEvent.model_validate(api_gateway_rest_event("POST", "/", body=b"\xff\xfe"))
    with pytest.raises(EventValidationError, match="body: not valid UTF-8"):
        model.text_body()
    with pytest.raises(EventValidationError, match="body: not valid JSON"):
        model.json_body()


def test_wrong_body_type_is_named() -> None:
    event = api_gateway_rest_event()
    event["body"] = {"already": "parsed"}
    with pytest.raises(EventValidationError) as info:
        parse(event, "api-gateway-rest")
    assert [e.path for e in info.value.errors] == ["body"]
    assert "already" not in str(info.value)


# --- headers and query strings ----------------------------------------------------------------


def test_header_lookup_is_case_insensitive_over_single_and_multi_values() -> None:
    event = api_gateway_rest_event(headers={"X-Request-Id": "abc"})
    event["multiValueHeaders"]["Accept"] = ["text/html", "application/json"]
    model = APIGatewayRestEvent.model_validate(event)
    assert model.header("x-request-id") == "abc"
    assert model.header("X-REQUEST-ID") == "abc"
    assert model.header("accept") == "application/json"
    assert model.header_values("ACCEPT") == ["text/html", "application/json"]
    assert model.header("missing") is None
    assert model.header("missing", "fallback") == "fallback"


def test_alb_multi_value_headers_only() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/alb--multi-value-headers.json")
    model = ALBEvent.model_validate(event)
    assert model.headers is None
    assert model.header("User-Agent") == "curl/8.0"
    assert model.query("tag") == "b"
    assert model.query_values("tag") == ["a", "b"]


def test_rest_query_single_and_multi_values() -> None:
    model = APIGatewayRestEvent.model_validate(api_gateway_rest_event(query={"tag": ["a", "b"], "page": "2"}))
    assert model.query("page") == "2"
    assert model.query("tag") == "b"
    assert model.query_values("tag") == ["a", "b"]
    assert model.query("Page") is None  # query names are case-sensitive
    assert model.query("missing", "1") == "1"


def test_payload_v2_query_comes_from_the_raw_query_string() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/api-gateway-http--iam.json")
    model = APIGatewayHttpEvent.model_validate(event)
    assert model.query("tag") == "a,b"  # as API Gateway gives it
    assert model.query_values("tag") == ["a", "b"]
    assert model.query_values("expand") == ["items"]
    assert model.query("nope") is None
    assert model.query("nope", "d") == "d"


def test_payload_v2_without_raw_query_string_uses_the_parameters() -> None:
    event = function_url_event(query={"a": "1"})
    event["rawQueryString"] = ""
    model = FunctionURLEvent.model_validate(event)
    assert model.query_values("a") == ["1"]


def test_payload_v2_query_only_in_raw_string() -> None:
    event = api_gateway_http_event(query={"a": ["1", "2"]})
    del event["queryStringParameters"]
    model = APIGatewayHttpEvent.model_validate(event)
    assert model.query("a") == "1,2"


def test_payload_v2_headers_and_cookies() -> None:
    model = APIGatewayHttpEvent.model_validate(api_gateway_http_event(headers={"X-Mixed": "v"}, cookies=["a=1"]))
    assert model.header("x-mixed") == "v"
    assert model.cookies == ["a=1"]
    assert model.route_key == "GET /"
    assert model.version == "2.0"


def test_websocket_message_has_no_headers() -> None:
    model = APIGatewayWebSocketEvent.model_validate(api_gateway_websocket_event("sendMessage", body={"m": 1}))
    assert model.header("host") is None
    assert model.json_body() == {"m": 1}
    assert model.request_context.event_type == "MESSAGE"


def test_null_header_values_are_skipped() -> None:
    event = api_gateway_rest_event()
    event["multiValueHeaders"]["x-empty"] = []
    model = APIGatewayRestEvent.model_validate(event)
    assert model.header_values("x-empty") == []


def test_bad_json_in_body_gives_same_error_through_base64() -> None:
    event = api_gateway_rest_event("POST", "/")
    event.update(body=base64.b64encode(b"{nope").decode(), isBase64Encoded=True)
    with pytest.raises(EventValidationError, match="body: not valid JSON"):
        APIGatewayRestEvent.model_validate(event).json_body()


def test_header_values_of_wrong_type_are_named() -> None:
    event = api_gateway_rest_event()
    event["headers"] = {"x": ["list", "not", "string"]}
    with pytest.raises(EventValidationError) as info:
        parse(event, "api-gateway-rest")
    assert [e.path for e in info.value.errors] == ["headers.x"]


def test_event_json_round_trip_keeps_aws_names() -> None:
    event = api_gateway_rest_event("POST", "/", body={"a": 1})
    model = APIGatewayRestEvent.model_validate(event)
    again = APIGatewayRestEvent.model_validate(json.loads(model.model_dump_json(by_alias=True)))
    assert again.json_body() == {"a": 1}
    assert again.request_context.request_id == model.request_context.request_id


def test_vpc_lattice_v2_headers_must_be_a_mapping() -> None:
    event = vpc_lattice_v2_event()
    event["headers"] = ["host: x"]
    with pytest.raises(EventValidationError) as info:
        parse(event, "vpc-lattice-v2")
    assert [e.path for e in info.value.errors] == ["headers"]


@pytest.mark.parametrize("epoch", ["9" * 30, 10**30, "²³"])
def test_vpc_lattice_v2_time_out_of_range_is_a_validation_error(epoch: Any) -> None:
    event = vpc_lattice_v2_event()
    event["requestContext"]["timeEpoch"] = epoch
    with pytest.raises(EventValidationError) as info:
        parse(event, "vpc-lattice-v2")
    assert [e.path for e in info.value.errors] == ["requestContext.timeEpoch"]
