"""detect(): the trigger of an event, exact on real events, None for anything else."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from lambda_toolkit.events import TRIGGER_NAMES, detect
from lambda_toolkit.testing.events import (
    api_gateway_http_authorizer_event,
    api_gateway_request_authorizer_event,
    eventbridge_event,
    function_url_event,
    s3_event,
    s3_eventbridge_event,
    sns_notification,
    sqs_event,
)
from tests.events.core_samples import fixture, fixtures, malformed, not_event, not_events


@pytest.mark.parametrize(("name", "trigger"), fixtures())
def test_every_documentation_fixture_is_detected_as_its_trigger(name: str, trigger: str) -> None:
    assert detect(fixture(name)) == trigger


def test_the_fixtures_are_named_after_triggers() -> None:
    assert {trigger for _, trigger in fixtures()} <= set(TRIGGER_NAMES)
    assert len({trigger for _, trigger in fixtures()}) == len(TRIGGER_NAMES)


@pytest.mark.parametrize("name", not_events())
def test_payloads_that_are_not_trigger_events_are_none(name: str) -> None:
    assert detect(not_event(name)) is None


@pytest.mark.parametrize("event", [None, "Records", 42, 1.5, ["Records"], b"{}", object()])
def test_anything_that_is_not_a_mapping_is_none(event: Any) -> None:
    assert detect(event) is None


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"Records": []},
        {"Records": "not a list"},
        {"Records": ["not a record"]},
        {"Records": [{"eventSource": "aws:codecommit", "codecommit": {}}]},
        {"requestContext": "not a mapping", "httpMethod": "GET"},
        {"requestContext": {}, "httpMethod": "GET"},
        {"detail-type": "x", "source": "y"},
        {"eventSource": "aws:unknown", "records": {}},
        {"type": "TOKEN"},
        {"type": "REQUEST"},
        {"info": {"fieldName": "x"}},
        {"info": "x", "arguments": {}},
        {"raw_path": "/"},
        {"awslogs": "not a mapping"},
        {"requestContext": {"serviceNetworkArn": "arn"}},
        {"Details": "x", "Name": "ContactFlowEvent"},
    ],
)
def test_look_alikes_without_the_distinguishing_fields_are_none(event: dict[str, Any]) -> None:
    assert detect(event) is None


def test_unhashable_values_where_names_are_expected_are_none() -> None:
    assert detect({"RequestType": ["Create"], "ResponseURL": "x", "StackId": "y"}) is None
    assert detect({"eventSource": ["aws:kafka"], "records": {}}) is None


def test_s3_through_eventbridge_is_s3_eventbridge_but_cloudtrail_s3_calls_are_eventbridge() -> None:
    assert detect(s3_eventbridge_event()) == "s3-eventbridge"
    assert detect(s3_eventbridge_event(detail_type="Object Deleted")) == "s3-eventbridge"
    assert detect(fixture("eventbridge--cloudtrail-s3-api-call.json")) == "eventbridge"
    assert detect(eventbridge_event(source="aws.s3", detail_type="AWS API Call via CloudTrail")) == "eventbridge"


def test_schedules_and_custom_buses_are_eventbridge() -> None:
    assert detect(fixture("eventbridge--scheduled.json")) == "eventbridge"
    assert detect(eventbridge_event({"order": 1})) == "eventbridge"


def test_sqs_carrying_sns_or_s3_notifications_is_still_sqs() -> None:
    assert detect(sqs_event([sns_notification({"order": 1})])) == "sqs"
    assert detect(sqs_event([s3_event()])) == "sqs"


def test_http_api_authorizer_payload_1_is_request_and_2_is_http() -> None:
    assert detect(fixture("api-gateway-authorizer-request--http-api-v1.json")) == "api-gateway-authorizer-request"
    assert detect(fixture("api-gateway-authorizer-http.json")) == "api-gateway-authorizer-http"
    assert detect(api_gateway_request_authorizer_event()) == "api-gateway-authorizer-request"
    assert detect(api_gateway_http_authorizer_event()) == "api-gateway-authorizer-http"


def test_function_urls_are_told_from_http_apis_by_their_domain() -> None:
    assert detect(function_url_event()) == "function-url"
    event = fixture("api-gateway-http.json")
    assert detect(event) == "api-gateway-http"
    event["requestContext"]["domainName"] = "abc.lambda-url.us-east-1.on.aws"
    assert detect(event) == "function-url"


def test_a_payload_2_event_without_route_key_nor_known_domain_is_a_function_url() -> None:
    event = fixture("api-gateway-http.json")
    del event["routeKey"], event["requestContext"]["routeKey"]
    event["requestContext"]["domainName"] = "example.com"
    assert detect(event) == "function-url"


def test_records_without_event_source_are_told_by_their_content() -> None:
    for name, trigger in [
        ("sqs.json", "sqs"),
        ("sns.json", "sns"),
        ("kinesis-stream.json", "kinesis-stream"),
        ("dynamodb-stream.json", "dynamodb-stream"),
        ("ses.json", "ses"),
        ("s3.json", "s3"),
    ]:
        event = fixture(name)
        for record in event["Records"]:
            record.pop("eventSource", None)
            record.pop("EventSource", None)
        assert detect(event) == trigger, name


def test_kafka_mq_and_rabbitmq_are_told_by_their_event_source() -> None:
    assert detect(fixture("kafka.json")) == "kafka"
    assert detect(fixture("kafka--self-managed.json")) == "kafka"
    assert detect(fixture("activemq.json")) == "activemq"
    assert detect(fixture("rabbitmq.json")) == "rabbitmq"


def test_detect_does_not_import_pydantic() -> None:
    code = (
        "import sys, json\n"
        "from lambda_toolkit.events import detect\n"
        f"assert detect(json.loads({json.dumps(json.dumps(fixture('sqs.json')))})) == 'sqs'\n"
        "print('pydantic' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_invalid_json_samples_are_bad_input() -> None:
    from lambda_toolkit.events import EventValidationError
    from lambda_toolkit.events.decoding import json_loads

    broken = malformed()
    assert broken
    for path in broken:
        with pytest.raises(EventValidationError) as caught:
            json_loads(path.read_bytes(), "event")
        assert caught.value.errors[0].path == "event"
