"""The triggers added after the design's list: AppSync Events, Transfer Family authorizer, DynamoDB on-failure."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from lambda_toolkit.events import TRIGGERS, EventValidationError, detect, parse
from lambda_toolkit.events.apps import AppSyncEventsEvent
from lambda_toolkit.events.identity import TransferFamilyAuthorizerEvent
from lambda_toolkit.events.streams import DynamoDBStreamFailureEvent
from lambda_toolkit.testing.events import (
    appsync_events_event,
    dynamodb_stream_failure_event,
    make_event,
    transfer_family_authorizer_event,
)
from tests.events.model_samples import required_keys, sample_ids, samples_for, strip_optional

MODELS: dict[str, Any] = {
    "appsync-events": AppSyncEventsEvent,
    "transfer-family-authorizer": TransferFamilyAuthorizerEvent,
    "dynamodb-stream-failure": DynamoDBStreamFailureEvent,
}
SAMPLES = samples_for(*MODELS)


def test_each_added_trigger_is_registered_with_fixtures() -> None:
    assert {trigger for trigger, _, _ in SAMPLES} == set(MODELS)
    assert all(TRIGGERS[trigger] is model for trigger, model in MODELS.items())


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_every_fixture_is_detected_and_parsed(trigger: str, name: str, event: dict[str, Any]) -> None:
    assert detect(event) == trigger
    assert type(parse(event)) is MODELS[trigger]


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_only_what_aws_always_sends_is_required(trigger: str, name: str, event: dict[str, Any]) -> None:
    MODELS[trigger].model_validate(strip_optional(MODELS[trigger], event))


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_a_missing_required_field_is_named(trigger: str, name: str, event: dict[str, Any]) -> None:
    for key in required_keys(MODELS[trigger]):
        with pytest.raises(EventValidationError) as info:
            parse({k: v for k, v in event.items() if k != key}, trigger)
        assert key in [error.path for error in info.value.errors]


@pytest.mark.parametrize("trigger", sorted(MODELS))
def test_each_factory_builds_an_event_of_its_trigger(trigger: str) -> None:
    event = make_event(trigger)
    assert detect(event) == trigger
    assert type(parse(event)) is MODELS[trigger]


# -- AppSync Events ------------------------------------------------------------------------------


def test_appsync_events_publish() -> None:
    event = parse(next(e for _, n, e in SAMPLES if n == "fixtures/appsync-events.json"))
    assert isinstance(event, AppSyncEventsEvent)
    assert (event.operation, event.channel_path) == ("PUBLISH", "/chat/rooms/42")
    assert event.info.channel_namespace.name == "chat" and event.info.channel.segments == ["chat", "rooms", "42"]
    assert [e.payload for e in event.published] == [{"text": "hello", "from": "ana"}, "plain text message"]
    assert event.identity is not None and event.identity.groups == ["support"]
    assert "hello" not in repr(event)


def test_appsync_events_subscribe_has_no_events() -> None:
    event = parse(next(e for _, n, e in SAMPLES if n == "fixtures/appsync-events--subscribe.json"))
    assert isinstance(event, AppSyncEventsEvent)
    assert event.operation == "SUBSCRIBE" and event.published == [] and event.identity is None


def test_appsync_events_operation_is_checked() -> None:
    event = appsync_events_event()
    event["info"]["operation"] = "DELETE"
    with pytest.raises(EventValidationError) as caught:
        parse(event)
    assert [e.path for e in caught.value.errors] == ["info.operation"]


def test_appsync_events_factory() -> None:
    event = AppSyncEventsEvent.model_validate(appsync_events_event([1, 2], channel="/news/sport"))
    assert [e.payload for e in event.published] == [1, 2]
    assert event.info.channel_namespace.name == "news"
    subscribe = AppSyncEventsEvent.model_validate(appsync_events_event(operation="SUBSCRIBE"))
    assert subscribe.events is None


def test_an_appsync_events_look_alike_without_the_namespace_is_not_detected() -> None:
    event = appsync_events_event()
    del event["info"]["channelNamespace"]
    assert detect(event) is None


# -- Transfer Family -----------------------------------------------------------------------------


def test_transfer_family_password_authentication_keeps_the_password_out_of_repr() -> None:
    event = parse(next(e for _, n, e in SAMPLES if n == "fixtures/transfer-family-authorizer.json"))
    assert isinstance(event, TransferFamilyAuthorizerEvent)
    assert (event.username, event.server_id, event.protocol, event.source_ip) == (
        "partner-upload",
        "s-0123456789abcdef0",
        "SFTP",
        "198.51.100.7",
    )
    assert event.uses_password and event.password == "example-sftp-password"
    assert "example-sftp-password" not in repr(event)


def test_transfer_family_key_authentication_has_no_password() -> None:
    event = parse(next(e for _, n, e in SAMPLES if n == "fixtures/transfer-family-authorizer--ssh-key.json"))
    assert isinstance(event, TransferFamilyAuthorizerEvent)
    assert event.password is None and not event.uses_password
    empty = TransferFamilyAuthorizerEvent.model_validate(transfer_family_authorizer_event(password=""))
    assert not empty.uses_password


def test_transfer_family_needs_all_four_identifying_fields_to_be_detected() -> None:
    event = transfer_family_authorizer_event()
    del event["serverId"]
    assert detect(event) is None


# -- DynamoDB Streams on-failure destination -----------------------------------------------------


def test_dynamodb_stream_failure_record_locates_the_batch() -> None:
    event = parse(next(e for _, n, e in SAMPLES if n == "fixtures/dynamodb-stream-failure.json"))
    assert isinstance(event, DynamoDBStreamFailureEvent)
    info = event.batch_info
    assert (info.start_sequence_number, info.end_sequence_number, info.batch_size) == (
        "100000000000000000001",
        "100000000000000000003",
        3,
    )
    assert info.approximate_arrival_of_first_record == datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
    assert info.stream_arn.endswith("/stream/2024-06-01T00:00:00.000")
    assert event.request_context.condition == "RetryAttemptsExhausted"
    assert event.request_context.approximate_invoke_count == 3
    assert event.response_context.function_error == "Unhandled"


def test_dynamodb_stream_failure_factory() -> None:
    event = DynamoDBStreamFailureEvent.model_validate(
        dynamodb_stream_failure_event(
            table="orders", batch_size=5, condition="MaximumRecordAgeExceeded", function_error=None
        )
    )
    assert event.batch_info.batch_size == 5 and "table/orders/" in event.batch_info.stream_arn
    assert int(event.batch_info.end_sequence_number) - int(event.batch_info.start_sequence_number) == 4
    assert event.request_context.condition == "MaximumRecordAgeExceeded"
    assert event.response_context.function_error is None


def test_a_failure_record_is_not_taken_for_an_http_event() -> None:
    event = dynamodb_stream_failure_event()
    event["requestContext"]["http"] = {"method": "GET"}
    event["rawPath"] = "/"
    assert detect(event) == "dynamodb-stream-failure"
