"""detect(): the trigger of an event, exact on real events, None for anything else."""

from __future__ import annotations

import copy
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
from tests.events.core_samples import LABELS, fixture, fixtures, labelled, sample


@pytest.mark.parametrize(("name", "label"), labelled())
def test_every_labelled_sample_is_detected_as_its_label(name: str, label: str | None) -> None:
    assert detect(sample(name)) == label


@pytest.mark.parametrize(("name", "trigger"), fixtures())
def test_every_documentation_fixture_is_detected_as_its_trigger(name: str, trigger: str) -> None:
    assert detect(fixture(name)) == trigger


def test_the_labels_use_only_trigger_names() -> None:
    assert {label for label in LABELS.values() if label not in (None, "invalid-json")} <= set(TRIGGER_NAMES)


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
    assert detect(sample("apigw-v2-custom-authorizer-v1-request.json")) == "api-gateway-authorizer-request"
    assert detect(sample("apigw-v2-custom-authorizer-v2-request.json")) == "api-gateway-authorizer-http"
    assert detect(api_gateway_request_authorizer_event()) == "api-gateway-authorizer-request"
    assert detect(api_gateway_http_authorizer_event()) == "api-gateway-authorizer-http"


def test_function_urls_are_told_from_http_apis_by_their_domain() -> None:
    assert detect(function_url_event()) == "function-url"
    event = sample("apigw-v2-request-no-authorizer.json")
    assert detect(event) == "api-gateway-http"
    event["requestContext"]["domainName"] = "abc.lambda-url.us-east-1.on.aws"
    assert detect(event) == "function-url"


def test_a_payload_2_event_without_route_key_nor_known_domain_is_a_function_url() -> None:
    event = sample("apigw-v2-request-no-authorizer.json")
    del event["routeKey"], event["requestContext"]["routeKey"]
    event["requestContext"]["domainName"] = "example.com"
    assert detect(event) == "function-url"


def test_records_without_event_source_are_told_by_their_content() -> None:
    for name, trigger in [
        ("sqs-event.json", "sqs"),
        ("sns-event.json", "sns"),
        ("kinesis-event.json", "kinesis-stream"),
        ("dynamodb-event.json", "dynamodb-stream"),
        ("ses-lambda-event.json", "ses"),
        ("s3-event.json", "s3"),
    ]:
        event = copy.deepcopy(sample(name))
        for record in event["Records"]:
            record.pop("eventSource", None)
            record.pop("EventSource", None)
        assert detect(event) == trigger, name


def test_kafka_mq_and_rabbitmq_are_told_by_their_event_source() -> None:
    assert detect(sample("kafka-event.json")) == "kafka"
    assert detect(fixture("kafka--self-managed.json")) == "kafka"
    assert detect(sample("activemq-event.json")) == "activemq"
    assert detect(sample("rabbitmq-event.json")) == "rabbitmq"


def test_detect_does_not_import_pydantic() -> None:
    code = (
        "import sys, json\n"
        "from lambda_toolkit.events import detect\n"
        f"assert detect(json.loads({json.dumps(json.dumps(sample('sqs-event.json')))})) == 'sqs'\n"
        "print('pydantic' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_invalid_json_samples_are_bad_input() -> None:
    from lambda_toolkit.events import EventValidationError
    from lambda_toolkit.events.decoding import json_loads
    from tests.events.core_samples import SHARED_SAMPLES

    broken = [name for name, label in LABELS.items() if label == "invalid-json"]
    assert broken
    for name in broken:
        with pytest.raises(EventValidationError) as caught:
            json_loads((SHARED_SAMPLES / name).read_bytes(), "event")
        assert caught.value.errors[0].path == "event"
