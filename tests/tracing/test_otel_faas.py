"""The OpenTelemetry handler span carries the FaaS semantic-convention attributes."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import api_gateway_http_event
from lambda_toolkit.tracing import trace

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders-fn"


@trace
def handler(event: Any, context: Any) -> dict[str, bool]:
    return {"ok": True}


def context(**overrides: Any) -> FakeContext:
    options: dict[str, Any] = {
        "function_name": "orders-fn",
        "function_version": "7",
        "aws_request_id": "af9d5aa4-a685-4c5f-a22b-444f80b3cc28",
        "invoked_function_arn": ARN,
        "memory_mb": 512,
    }
    options.update(overrides)
    return FakeContext(**options)


def test_the_handler_span_carries_the_faas_attributes(otel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    handler({}, context())
    handler({}, context(aws_request_id="second"))
    first, second = otel.get_finished_spans()
    attributes = dict(first.attributes)
    assert {key: attributes[key] for key in attributes if key.startswith(("faas.", "cloud."))} == {
        "faas.invocation_id": "af9d5aa4-a685-4c5f-a22b-444f80b3cc28",
        "faas.coldstart": True,
        "faas.trigger": "other",
        "faas.name": "orders-fn",
        "faas.version": "7",
        "faas.max_memory": 512 * 1024 * 1024,
        "cloud.provider": "aws",
        "cloud.region": "eu-west-1",
        "cloud.resource_id": ARN,
    }
    assert second.attributes["faas.coldstart"] is False
    assert second.attributes["faas.invocation_id"] == "second"


def test_an_alias_in_the_invoked_arn_is_replaced_by_the_version_run(otel: Any) -> None:
    handler({}, context(invoked_function_arn=f"{ARN}:live"))
    [span] = otel.get_finished_spans()
    assert span.attributes["cloud.resource_id"] == f"{ARN}:7"
    assert span.attributes["cloud.region"] == "eu-west-1"


@pytest.mark.parametrize(
    ("event", "trigger"),
    [
        (api_gateway_http_event(), "http"),
        ({"Records": [{"eventSource": "aws:sqs", "messageId": "m", "body": "{}"}]}, "pubsub"),
        (
            {"Records": [{"eventSource": "aws:dynamodb", "eventName": "INSERT", "dynamodb": {}}]},
            "datasource",
        ),
        (
            {
                "version": "0",
                "id": "e",
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": "123456789012",
                "time": "2026-01-01T00:00:00Z",
                "region": "eu-west-1",
                "resources": [],
                "detail": {},
            },
            "timer",
        ),
        ({"anything": 1}, "other"),
    ],
)
def test_the_trigger_follows_the_detected_event(otel: Any, event: Any, trigger: str) -> None:
    handler(event, context())
    [span] = otel.get_finished_spans()
    assert span.attributes["faas.trigger"] == trigger
