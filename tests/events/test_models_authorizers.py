"""The authorizer models: API Gateway token / request (REST and HTTP payload 1.0) / HTTP 2.0, AppSync."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.events import EventValidationError, parse
from lambda_toolkit.events.authorizers import (
    APIGatewayHttpAuthorizerEvent,
    APIGatewayRequestAuthorizerEvent,
    APIGatewayTokenAuthorizerEvent,
    AppSyncAuthorizerEvent,
)
from lambda_toolkit.testing.events._http import (
    api_gateway_http_authorizer_event,
    api_gateway_request_authorizer_event,
    api_gateway_token_authorizer_event,
    appsync_authorizer_event,
)
from tests.events.model_samples import required_keys, sample_ids, samples_for, strip_optional

MODELS: dict[str, Any] = {
    "api-gateway-authorizer-token": APIGatewayTokenAuthorizerEvent,
    "api-gateway-authorizer-request": APIGatewayRequestAuthorizerEvent,
    "api-gateway-authorizer-http": APIGatewayHttpAuthorizerEvent,
    "appsync-authorizer": AppSyncAuthorizerEvent,
}
SAMPLES = samples_for(*MODELS)


def test_every_authorizer_trigger_has_samples() -> None:
    assert {trigger for trigger, _, _ in SAMPLES} == set(MODELS)


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_every_sample_validates(trigger: str, name: str, event: dict[str, Any]) -> None:
    assert type(MODELS[trigger].model_validate(event)) is MODELS[trigger]


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_only_what_aws_always_sends_is_required(trigger: str, name: str, event: dict[str, Any]) -> None:
    MODELS[trigger].model_validate(strip_optional(MODELS[trigger], event))


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_a_missing_required_field_is_named(trigger: str, name: str, event: dict[str, Any]) -> None:
    for key in required_keys(MODELS[trigger]):
        with pytest.raises(EventValidationError) as info:
            parse({k: v for k, v in event.items() if k != key}, trigger)
        assert key in [error.path for error in info.value.errors]


def test_token_authorizer_keeps_the_token_out_of_repr() -> None:
    model = APIGatewayTokenAuthorizerEvent.model_validate(api_gateway_token_authorizer_event("s3cr3t-token"))
    assert model.authorization_token == "s3cr3t-token"
    assert "s3cr3t-token" not in repr(model)


def test_token_authorizer_type_is_a_literal() -> None:
    event = api_gateway_token_authorizer_event()
    event["type"] = "REQUEST"
    with pytest.raises(EventValidationError) as info:
        parse(event, "api-gateway-authorizer-token")
    assert [e.path for e in info.value.errors] == ["type"]


def test_request_authorizer_has_header_and_query_helpers() -> None:
    model = APIGatewayRequestAuthorizerEvent.model_validate(
        api_gateway_request_authorizer_event(headers={"Authorization": "Bearer t"}, query={"k": "v"})
    )
    assert model.header("authorization") == "Bearer t"
    assert model.query("k") == "v"
    assert model.request_context is not None and model.request_context.request_id


def test_http_api_payload_1_0_authorizer_has_version_and_identity_source() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/api-gateway-authorizer-request--http-api-v1.json")
    model = APIGatewayRequestAuthorizerEvent.model_validate(event)
    assert model.version == "1.0"
    assert model.identity_source == "tenant-a,42"
    assert "tenant-a,42" not in repr(model).replace("identity_source='tenant-a,42'", "")


def test_http_api_payload_2_0_authorizer() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/api-gateway-authorizer-http.json")
    model = APIGatewayHttpAuthorizerEvent.model_validate(event)
    assert model.identity_source == ["tenant-a", "42"]
    assert model.header("x-tenant") == "tenant-a"
    assert model.query("tag") == "x"
    assert model.request_context is not None and model.request_context.http.method == "GET"


def test_http_authorizer_factory_identity_source() -> None:
    model = APIGatewayHttpAuthorizerEvent.model_validate(api_gateway_http_authorizer_event(identity_source=["k"]))
    assert model.identity_source == ["k"]
    assert model.header("authorization") == "Bearer example-token"


def test_appsync_authorizer() -> None:
    model = AppSyncAuthorizerEvent.model_validate(appsync_authorizer_event("tok-123", "ListItems"))
    assert model.request_context.operation_name == "ListItems"
    assert model.header("Content-Type") == "application/json"
    assert model.header("missing", "d") == "d"
    assert "tok-123" not in repr(model).replace("'authorization': 'tok-123'", "")
    sample = AppSyncAuthorizerEvent.model_validate(next(e for t, _, e in SAMPLES if t == "appsync-authorizer"))
    assert sample.request_headers is None
    assert sample.header("authorization") is None
