"""TRIGGERS, model_for() and parse(): the registry of trigger models, loaded on first use."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import pytest

import lambda_toolkit.events as events
from lambda_toolkit.events import (
    TRIGGER_NAMES,
    TRIGGERS,
    EventModel,
    EventValidationError,
    SQSEvent,
    UnknownEventError,
    model_for,
    parse,
)
from tests.events.core_samples import CORE_TRIGGERS, events_of, fixture

DESIGN_NAMES = """api-gateway-rest, api-gateway-http, api-gateway-websocket, api-gateway-authorizer-token,
api-gateway-authorizer-request, api-gateway-authorizer-http, alb, function-url, vpc-lattice,
vpc-lattice-v2, s3, s3-eventbridge, s3-batch-operation, s3-object-lambda, sqs, sns, ses,
dynamodb-stream, kinesis-stream, kinesis-firehose, kafka, activemq, rabbitmq, eventbridge,
cloudwatch-logs, cloudwatch-alarm, cognito-user-pool, cloudformation-custom-resource,
secrets-manager-rotation, appsync-resolver, appsync-authorizer, codepipeline-job,
codedeploy-lifecycle-hook, config-rule, bedrock-agent, connect-contact-flow"""


ADDED_NAMES = ["appsync-events", "transfer-family-authorizer", "dynamodb-stream-failure"]


def test_triggers_lists_the_36_names_of_the_design_then_the_added_ones() -> None:
    names = [name.strip() for name in DESIGN_NAMES.replace("\n", " ").split(",")]
    assert list(TRIGGERS) == names + ADDED_NAMES == list(TRIGGER_NAMES)
    assert len(TRIGGERS) == 39


def test_triggers_is_a_read_only_mapping_of_model_classes() -> None:
    assert isinstance(TRIGGERS, Mapping)
    assert TRIGGERS["sqs"] is SQSEvent
    assert "sqs" in TRIGGERS and "nope" not in TRIGGERS and 42 not in TRIGGERS  # type: ignore[comparison-overlap]
    with pytest.raises(KeyError):
        TRIGGERS["nope"]
    with pytest.raises(TypeError):
        TRIGGERS["sqs"] = SQSEvent  # type: ignore[index]
    assert repr(TRIGGERS) == "<TRIGGERS: 39 triggers>"


@pytest.mark.parametrize("trigger", TRIGGER_NAMES)
def test_every_trigger_has_a_model(trigger: str) -> None:
    model = TRIGGERS[trigger]
    assert issubclass(model, EventModel)
    assert model_for(trigger) is model


def test_model_for_an_unknown_trigger_names_the_known_ones() -> None:
    with pytest.raises(UnknownEventError, match="unknown trigger 'nope'; known: api-gateway-rest"):
        model_for("nope")
    with pytest.raises(UnknownEventError):
        model_for(["sqs"])  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "event"), events_of(*CORE_TRIGGERS))
def test_every_sample_and_fixture_parses_into_its_trigger_model(name: str, event: dict[str, Any]) -> None:
    model = parse(event)
    trigger = events.detect(event)
    assert trigger is not None
    assert type(model) is TRIGGERS[trigger]


def test_parse_with_an_explicit_trigger_skips_detection() -> None:
    event = fixture("sqs.json")
    assert isinstance(parse(event, "sqs"), SQSEvent)
    with pytest.raises(EventValidationError) as caught:
        parse(event, "kinesis-stream")
    assert caught.value.trigger == "kinesis-stream"
    assert ("Records.0.kinesis", "field required") in caught.value.errors


@pytest.mark.parametrize("event", [None, "x", 42, ["Records"]])
def test_parse_of_a_non_mapping_is_an_unknown_event(event: Any) -> None:
    with pytest.raises(UnknownEventError, match="an event must be a mapping"):
        parse(event)


def test_parse_of_an_undetected_event_is_an_unknown_event() -> None:
    with pytest.raises(UnknownEventError, match="not one of the known triggers"):
        parse({"hello": "world"})


def test_validation_errors_name_paths_and_never_values() -> None:
    event = fixture("sqs.json")
    event["Records"][0]["messageId"] = 12345
    event["Records"][0]["eventSource"] = "SECRET-VALUE"
    del event["Records"][0]["receiptHandle"]
    with pytest.raises(EventValidationError) as caught:
        parse(event, "sqs")
    paths = {error.path for error in caught.value.errors}
    assert paths == {"Records.0.messageId", "Records.0.eventSource", "Records.0.receiptHandle"}
    assert "SECRET-VALUE" not in str(caught.value) and "12345" not in str(caught.value)
    assert str(caught.value).startswith("invalid sqs event: Records.0.")


def test_unknown_fields_are_kept_and_models_are_read_only() -> None:
    event = fixture("sqs.json")
    event["Records"][0]["newAwsField"] = {"x": 1}
    record = parse(event).records[0]  # type: ignore[attr-defined]
    assert record.model_extra == {"newAwsField": {"x": 1}}
    with pytest.raises(Exception, match="frozen"):
        record.body = "changed"


def test_models_accept_snake_case_names_and_dump_aws_names() -> None:
    record = SQSEvent.model_validate(fixture("sqs.json")).records[0]
    again = type(record).model_validate(record.model_dump(by_alias=False))
    assert again.message_id == record.message_id
    assert "messageId" in record.model_dump() and "eventSourceARN" in record.model_dump()


def test_model_access_loads_only_that_family() -> None:
    code = (
        "import sys\n"
        "from lambda_toolkit.events import SQSEvent\n"
        "public = [m for m in sys.modules if m.startswith('lambda_toolkit.events.')]\n"
        "loaded = sorted(m for m in public if not m.split('.')[-1].startswith('_'))\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "lambda_toolkit.events.decoding,lambda_toolkit.events.queues"


def test_importing_the_events_package_imports_no_pydantic_nor_heavy_dependencies() -> None:
    code = (
        "import sys\n"
        "import lambda_toolkit.events\n"
        "import lambda_toolkit.testing.events\n"
        "heavy = ('pydantic', 'boto3', 'botocore', 'aws_xray_sdk', 'opentelemetry')\n"
        "print([m for m in sys.modules if m.split('.')[0] in heavy])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_unknown_attributes_of_the_package_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        events.Nope
    assert "SQSEvent" in dir(events) and "parse_event" in dir(events)


@pytest.mark.parametrize("name", [n for n in events.__all__ if n[0].isupper() or n in ("parse_event", "parse_payload")])
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(events, name) is not None


def test_fixture_loader_reads_documentation_fixtures() -> None:
    assert fixture("cloudwatch-alarm.json")["source"] == "aws.cloudwatch"


def test_detection_imports_no_typing_module() -> None:
    code = "import sys\nfrom lambda_toolkit.events import detect\ndetect({})\nprint('typing' in sys.modules)"
    # Without coverage's child-process measurement, which imports typing itself.
    env = {name: value for name, value in os.environ.items() if not name.startswith("COVERAGE")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert result.stdout.strip() == "False"


def test_http_triggers_are_the_request_response_triggers_defined_once() -> None:
    from lambda_toolkit.events import HTTP_TRIGGERS, TRIGGER_NAMES

    assert {
        "api-gateway-rest",
        "api-gateway-http",
        "alb",
        "function-url",
        "vpc-lattice",
        "vpc-lattice-v2",
    } == HTTP_TRIGGERS
    assert set(TRIGGER_NAMES) >= HTTP_TRIGGERS
