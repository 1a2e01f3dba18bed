"""A span opened while a batch record runs names that record: the ``RecordId`` and
``CorrelationId`` annotations (X-Ray), the ``messaging.message.id`` and
``messaging.message.conversation_id`` attributes (OpenTelemetry)."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.batch import batch
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import kinesis_event, sqs_record
from lambda_toolkit.tracing import subsegment, trace
from tests.tracing.conftest import TraceIds, XRayDaemon
from tests.tracing.test_xray import every_subsegment


def _event() -> dict[str, Any]:
    return {
        "Records": [
            sqs_record({"n": 0}, message_id="m0", message_attributes={"correlation_id": "corr-0"}),
            sqs_record({"n": 1}, message_id="m1"),
        ]
    }


@trace("record")
def traced_record(record: Any) -> None:
    with subsegment("charge"):
        pass


@trace
def handler(event: dict[str, Any], context: Any) -> Any:
    return batch("sqs")(traced_record)(event, context)


@pytest.mark.integration
def test_xray_subsegments_of_a_record_carry_its_id_and_correlation_id(
    lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    handler(_event(), FakeContext())
    documents = every_subsegment(xray_daemon.drain())
    annotated = [
        (
            document["name"],
            document.get("annotations", {}).get("RecordId"),
            document.get("annotations", {}).get("CorrelationId"),
        )
        for document in documents
    ]
    assert sorted(annotated, key=str) == sorted(
        [
            ("## handler", None, None),  # opened before any record
            ("record", "m0", "corr-0"),
            ("charge", "m0", "corr-0"),
            ("record", "m1", "m1"),  # no attribute: its message id
            ("charge", "m1", "m1"),
        ],
        key=str,
    )


@pytest.mark.integration
def test_xray_a_stream_record_has_an_id_and_no_correlation_annotation(
    lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    event = kinesis_event([{"n": 0}])
    batch("kinesis-stream")(traced_record)(event, FakeContext())
    annotations = {
        document["name"]: document.get("annotations", {}) for document in every_subsegment(xray_daemon.drain())
    }
    sequence = event["Records"][0]["kinesis"]["sequenceNumber"]
    assert annotations["record"]["RecordId"] == sequence
    assert "CorrelationId" not in annotations["record"]


def test_otel_spans_of_a_record_carry_the_messaging_attributes(otel: Any) -> None:
    handler(_event(), FakeContext())
    spans = [(span.name, dict(span.attributes)) for span in otel.get_finished_spans()]
    described = sorted(
        (name, attributes.get("messaging.message.id"), attributes.get("messaging.message.conversation_id"))
        for name, attributes in spans
    )
    assert described == sorted(
        [
            ("## handler", None, None),
            ("record", "m0", "corr-0"),
            ("charge", "m0", "corr-0"),
            ("record", "m1", "m1"),
            ("charge", "m1", "m1"),
        ],
        key=str,
    )


def test_spans_outside_records_are_not_described(otel: Any) -> None:
    @trace("alone")
    def alone() -> None:
        with subsegment("inner"):
            pass

    alone()
    for span in otel.get_finished_spans():
        assert "messaging.message.id" not in span.attributes


@pytest.mark.parametrize("runner", ["threads", "asyncio"])
def test_otel_with_concurrency_each_span_names_its_own_record(otel: Any, runner: str) -> None:
    import asyncio

    event = {
        "Records": [
            sqs_record({"n": i}, message_id=f"m{i}", message_attributes={"correlation_id": f"corr-{i}"})
            for i in range(6)
        ]
    }

    @trace("sync record")
    def sync_record(record: Any) -> None:
        with subsegment(f"inner {record.message_id}"):
            pass

    @trace("async record")
    async def async_record(record: Any) -> None:
        await asyncio.sleep(0.001)  # the tasks interleave
        with subsegment(f"inner {record.message_id}"):
            await asyncio.sleep(0)

    record_function: Any = sync_record if runner == "threads" else async_record
    batch("sqs", concurrency=3)(record_function)(event, FakeContext())
    inner = {
        span.name: (span.attributes["messaging.message.id"], span.attributes["messaging.message.conversation_id"])
        for span in otel.get_finished_spans()
        if span.name.startswith("inner ")
    }
    assert inner == {f"inner m{i}": (f"m{i}", f"corr-{i}") for i in range(6)}
