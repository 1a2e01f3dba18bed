"""The application models: AppSync resolver, Bedrock agent action group, Connect contact flow."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.events import EventValidationError, parse
from lambda_toolkit.events.apps import AppSyncResolverEvent, BedrockAgentEvent, ConnectContactFlowEvent
from lambda_toolkit.testing.events._apps import (
    appsync_resolver_event,
    bedrock_agent_event,
    connect_contact_flow_event,
)
from tests.events.model_samples import required_keys, sample_ids, samples_for, strip_optional

MODELS: dict[str, Any] = {
    "appsync-resolver": AppSyncResolverEvent,
    "bedrock-agent": BedrockAgentEvent,
    "connect-contact-flow": ConnectContactFlowEvent,
}
SAMPLES = samples_for(*MODELS)
# The older AppSync shape (names at the top level, no ``info``) has its own tests in test_variants.py.
CURRENT_SHAPES = [s for s in SAMPLES if not (s[0] == "appsync-resolver" and "info" not in s[2])]


def test_every_app_trigger_has_samples() -> None:
    assert {trigger for trigger, _, _ in SAMPLES} == set(MODELS)


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_every_sample_validates(trigger: str, name: str, event: dict[str, Any]) -> None:
    assert type(MODELS[trigger].model_validate(event)) is MODELS[trigger]


@pytest.mark.parametrize(("trigger", "name", "event"), CURRENT_SHAPES, ids=sample_ids(CURRENT_SHAPES))
def test_only_what_aws_always_sends_is_required(trigger: str, name: str, event: dict[str, Any]) -> None:
    MODELS[trigger].model_validate(strip_optional(MODELS[trigger], event))


@pytest.mark.parametrize(("trigger", "name", "event"), CURRENT_SHAPES, ids=sample_ids(CURRENT_SHAPES))
def test_a_missing_required_field_is_named(trigger: str, name: str, event: dict[str, Any]) -> None:
    for key in required_keys(MODELS[trigger]):
        with pytest.raises(EventValidationError) as info:
            parse({k: v for k, v in event.items() if k != key}, trigger)
        assert key in [error.path for error in info.value.errors]


def test_appsync_resolver_documented_sample() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/appsync-resolver.json")
    model = AppSyncResolverEvent.model_validate(event)
    assert (model.type_name, model.field_name) == ("Mutation", "createSomething")
    assert model.arguments == {"id": "my identifier"}
    assert model.info.selection_set_graphql == "{\n  id\n  field1\n  field2\n}"
    assert model.identity is not None and model.identity.username == "jdoe"
    assert model.request is not None and model.request.headers is not None


def test_appsync_resolver_with_api_key_has_no_identity() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/appsync-resolver--api-key.json")
    model = AppSyncResolverEvent.model_validate(event)
    assert model.identity is None
    assert model.source == {"id": "post-1", "authorId": "a-9"}


def test_appsync_identity_shapes() -> None:
    iam = {
        "accountId": "111122223333",
        "cognitoIdentityAuthProvider": "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE",
        "cognitoIdentityAuthType": "authenticated",
        "cognitoIdentityId": "eu-west-1:0a1b2c3d-0000-4000-8000-0123456789ab",
        "cognitoIdentityPoolId": "eu-west-1:9f8e7d6c-0000-4000-8000-0123456789ab",
        "sourceIp": ["203.0.113.10"],
        "username": "AROAEXAMPLEROLEID1234:caller",
        "userArn": "arn:aws:sts::111122223333:assumed-role/caller/session",
    }
    model = AppSyncResolverEvent.model_validate(appsync_resolver_event(identity=iam)).identity
    assert model is not None and model.cognito_identity_auth_type == "authenticated"
    assert model.user_arn == "arn:aws:sts::111122223333:assumed-role/caller/session"
    cognito = AppSyncResolverEvent.model_validate(appsync_resolver_event()).identity
    assert cognito is not None and cognito.source_ip == ["203.0.113.10"]
    lam = AppSyncResolverEvent.model_validate(appsync_resolver_event(identity={"resolverContext": {"tenant": "t1"}}))
    assert lam.identity is not None and lam.identity.resolver_context == {"tenant": "t1"}


def test_appsync_resolver_factory() -> None:
    model = AppSyncResolverEvent.model_validate(
        appsync_resolver_event("author", {"limit": 5}, parent_type_name="Post", source={"id": "p1"})
    )
    assert (model.type_name, model.field_name, model.arguments) == ("Post", "author", {"limit": 5})
    assert model.source == {"id": "p1"}


def test_appsync_resolver_without_field_name_is_named() -> None:
    event = appsync_resolver_event()
    del event["info"]["fieldName"]
    with pytest.raises(EventValidationError) as info:
        parse(event, "appsync-resolver")
    assert [e.path for e in info.value.errors] == ["info.fieldName"]


def test_bedrock_agent_api_schema_form() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/bedrock-agent.json")
    model = BedrockAgentEvent.model_validate(event)
    assert (model.api_path, model.http_method, model.function) == ("/bookings", "POST", None)
    assert model.parameter("restaurant") == "Chez Lambda"
    assert model.parameter("absent") is None
    assert model.parameter("absent", "x") == "x"
    assert model.body_properties() == {"date": "2024-06-07", "guests": "2"}
    assert model.body_properties("text/plain") == {}
    assert model.agent.alias == "TSTALIASID"


def test_bedrock_agent_function_form() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/bedrock-agent--function.json")
    model = BedrockAgentEvent.model_validate(event)
    assert (model.function, model.api_path) == ("cancel_booking", None)
    assert model.parameter("booking_id") == "b-7"
    assert model.body_properties() == {}


def test_bedrock_agent_factory() -> None:
    model = BedrockAgentEvent.model_validate(bedrock_agent_event("/items", {"id": "42"}, body={"note": "hi"}))
    assert model.parameter("id") == "42"
    assert model.body_properties() == {"note": "hi"}
    function = BedrockAgentEvent.model_validate(bedrock_agent_event(function="lookup"))
    assert function.function == "lookup" and function.api_path is None


def test_bedrock_parameter_value_must_be_a_string() -> None:
    event = bedrock_agent_event(parameters={"id": "42"})
    event["parameters"][0]["value"] = 42
    with pytest.raises(EventValidationError) as info:
        parse(event, "bedrock-agent")
    assert [e.path for e in info.value.errors] == ["parameters.0.value"]


def test_connect_documented_sample() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/connect-contact-flow.json")
    model = ConnectContactFlowEvent.model_validate(event)
    data = model.details.contact_data
    assert data.channel == "VOICE"
    assert data.queue is not None and data.queue.name == "PasswordReset" and data.queue.arn
    assert data.customer_endpoint is not None and data.customer_endpoint.address == "+1234567890"
    assert data.instance_arn is not None and data.instance_arn.startswith("arn:aws:connect:")
    assert model.details.parameters["exampleParameterKey1"] == "exampleParameterValue1"


def test_connect_chat_without_queue_or_endpoints() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/connect-contact-flow--chat-no-queue.json")
    data = ConnectContactFlowEvent.model_validate(event).details.contact_data
    assert data.queue is None and data.customer_endpoint is None


def test_connect_factory() -> None:
    model = ConnectContactFlowEvent.model_validate(connect_contact_flow_event({"lang": "fr"}, {"vip": "yes"}))
    assert model.details.parameters == {"lang": "fr"}
    assert model.details.contact_data.attributes == {"vip": "yes"}


def test_connect_without_contact_id_is_named() -> None:
    event = connect_contact_flow_event()
    del event["Details"]["ContactData"]["ContactId"]
    with pytest.raises(EventValidationError) as info:
        parse(event, "connect-contact-flow")
    assert [e.path for e in info.value.errors] == ["Details.ContactData.ContactId"]
