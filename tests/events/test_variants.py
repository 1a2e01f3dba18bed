"""Documented variants of real events: other eventSource spellings, older shapes, batches, missing fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lambda_toolkit.events import EventValidationError, UnknownEventError, detect, parse, parse_event
from lambda_toolkit.events.apps import AppSyncBatchResolverEvent, AppSyncResolverEvent
from lambda_toolkit.events.eventbridge import EventBridgeEvent
from lambda_toolkit.events.streams import ActiveMQEvent, KafkaEvent, RabbitMQEvent
from lambda_toolkit.testing.events import activemq_event, appsync_resolver_event, eventbridge_event, rabbitmq_event
from tests.events.core_samples import FIXTURES, fixture

BATCHES = FIXTURES / "batches"


def batch(name: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads((BATCHES / name).read_text())
    return events


# -- Amazon MQ and Kafka eventSource spellings ---------------------------------------------------


@pytest.mark.parametrize("source", ["aws:mq", "aws:amq"])
def test_activemq_is_detected_and_parsed_with_either_event_source(source: str) -> None:
    event = activemq_event(["hello"], eventSource=source)
    assert detect(event) == "activemq"
    parsed = parse(event)
    assert isinstance(parsed, ActiveMQEvent) and parsed.event_source == source
    assert parsed.messages[0].data_bytes == b"hello"


def test_the_documented_amq_example_parses() -> None:
    event = parse(fixture("activemq--amq-source.json"))
    assert isinstance(event, ActiveMQEvent)
    assert event.messages[0].json_data() == {"order_id": "o-1002"}


@pytest.mark.parametrize("source", ["aws:rmq", "aws:rabbitmq"])
def test_rabbitmq_is_detected_and_parsed_with_either_event_source(source: str) -> None:
    event = rabbitmq_event(["hello"], eventSource=source)
    assert detect(event) == "rabbitmq"
    parsed = parse(event)
    assert isinstance(parsed, RabbitMQEvent) and next(parsed.all_messages()).data_bytes == b"hello"


@pytest.mark.parametrize("source", ["aws:kafka", "SelfManagedKafka", "aws:SelfManagedKafka"])
def test_kafka_is_detected_and_parsed_with_each_event_source(source: str) -> None:
    event = fixture("kafka--self-managed-aws-prefix.json")
    event["eventSource"] = source
    assert detect(event) == "kafka"
    parsed = parse(event)
    assert isinstance(parsed, KafkaEvent) and next(parsed.all_records()).json_value() == {"payment": "p-1"}


def test_an_unknown_broker_source_is_still_rejected() -> None:
    event = activemq_event(["hello"], eventSource="aws:sqs")
    assert detect(event) is None
    with pytest.raises(EventValidationError) as caught:
        parse(event, "activemq")
    assert [e.path for e in caught.value.errors] == ["eventSource"]


# -- EventBridge without version -----------------------------------------------------------------


def test_an_eventbridge_event_without_version_parses() -> None:
    event = fixture("eventbridge--no-version.json")
    assert detect(event) == "eventbridge"
    parsed = parse(event)
    assert isinstance(parsed, EventBridgeEvent)
    assert parsed.version is None and parsed.detail == {"order_id": "o-1001", "total": 19.9}
    built = eventbridge_event({"a": 1})
    del built["version"]
    assert parse(built).detail == {"a": 1}  # type: ignore[attr-defined]


def test_an_eventbridge_event_still_needs_its_detail_type() -> None:
    event = fixture("eventbridge--no-version.json")
    del event["detail-type"]
    with pytest.raises(EventValidationError) as caught:
        parse(event, "eventbridge")
    assert [e.path for e in caught.value.errors] == ["detail-type"]


# -- AppSync: the older top-level shape and batch invocations ------------------------------------


def test_the_older_appsync_shape_with_top_level_names_is_detected_and_parsed() -> None:
    event = fixture("appsync-resolver--top-level-names.json")
    assert detect(event) == "appsync-resolver"
    parsed = parse(event)
    assert isinstance(parsed, AppSyncResolverEvent)
    assert (parsed.type_name, parsed.field_name) == ("Query", "getOrder")
    assert parsed.arguments == {"id": "o-1001"}
    assert parsed.info.selection_set_list is None


def test_the_older_appsync_shape_needs_both_names() -> None:
    event = fixture("appsync-resolver--top-level-names.json")
    del event["typeName"]
    assert detect(event) is None
    with pytest.raises(EventValidationError) as caught:
        parse(event, "appsync-resolver")
    assert [e.path for e in caught.value.errors] == ["typeName"]


def test_the_info_object_wins_over_top_level_names() -> None:
    event = appsync_resolver_event("author", parent_type_name="Post")
    event["fieldName"], event["typeName"] = "ignored", "Ignored"
    parsed = AppSyncResolverEvent.model_validate(event)
    assert (parsed.type_name, parsed.field_name) == ("Post", "author")


def test_a_batch_invocation_is_detected_and_parsed_into_its_events() -> None:
    events = batch("appsync-resolver.json")
    assert detect(events) == "appsync-resolver"
    parsed = parse(events)
    assert isinstance(parsed, AppSyncBatchResolverEvent)
    assert len(parsed) == 2
    assert [e.source for e in parsed.events] == [events[0]["source"], events[1]["source"]]
    assert parsed[1].field_name == "order" and parsed.field_name == "order"
    assert parse(events, "appsync-resolver") == parsed


def test_a_batch_error_names_the_event_index() -> None:
    events = batch("appsync-resolver.json")
    del events[1]["info"]["fieldName"]
    with pytest.raises(EventValidationError) as caught:
        parse(events, "appsync-resolver")
    assert [e.path for e in caught.value.errors] == ["1.info.fieldName"]


@pytest.mark.parametrize("value", [[], [1, 2], [{"Records": []}], ["appsync"]])
def test_lists_that_are_not_appsync_batches_are_not_events(value: list[Any]) -> None:
    assert detect(value) is None
    with pytest.raises(UnknownEventError):
        parse(value)


def test_only_appsync_resolvers_take_a_list() -> None:
    with pytest.raises(UnknownEventError, match="only appsync-resolver"):
        parse(batch("appsync-resolver.json"), "sqs")


def test_parse_event_hands_a_batch_to_a_handler_hinted_with_the_batch_model() -> None:
    seen: list[Any] = []

    @parse_event
    def handler(event: AppSyncBatchResolverEvent, context: Any) -> list[str]:
        seen.append(event)
        return [e.field_name for e in event.events]

    assert handler(batch("appsync-resolver.json"), None) == ["order", "order"]
    assert isinstance(seen[0], AppSyncBatchResolverEvent)

    @parse_event
    def detected(event: Any, context: Any) -> int:
        return len(event)

    assert detected(batch("appsync-resolver.json"), None) == 2


def test_the_batch_fixture_folder_holds_lists() -> None:
    assert all(isinstance(json.loads(p.read_text()), list) for p in Path(BATCHES).glob("*.json"))
