"""Lines written while a batch record is current carry the record's own correlation id;
the invocation's id of an SQS event follows the same rules as each record's."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from lambda_toolkit.core import RecordInFlight
from lambda_toolkit.core.state import begin_record, end_record
from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import eventbridge_event, sns_notification, sqs_event, sqs_record
from tests.logging.conftest import Capture


def test_a_current_record_with_its_own_id_is_the_lines_correlation_id(out: Capture) -> None:
    log = Logger(service="worker", stream=out)

    @log.inject_context(correlation_id=lambda event: "invocation-id")
    def handler(event: Any, context: Any) -> None:
        log.info("before")
        token = begin_record(RecordInFlight(0, "m0", "record-id"))
        log.info("in the record")
        end_record(token)
        token = begin_record(RecordInFlight(1, "m1"))  # no own id: the invocation's
        log.info("in a record without an id")
        end_record(token)
        log.info("after")

    handler({}, FakeContext())
    assert [(line["message"], line["correlation_id"]) for line in out.lines()] == [
        ("before", "invocation-id"),
        ("in the record", "record-id"),
        ("in a record without an id", "invocation-id"),
        ("after", "invocation-id"),
    ]


def test_threads_and_tasks_each_write_their_own_records_id(out: Capture) -> None:
    log = Logger(service="worker", stream=out)
    barrier = threading.Barrier(3)

    def in_thread(index: int) -> None:
        token = begin_record(RecordInFlight(index, f"m{index}", f"thread-{index}"))
        barrier.wait(timeout=10)  # every thread's record is current at the same time
        for _ in range(5):
            log.info("thread", index=index)
        end_record(token)

    async def in_task(index: int) -> None:
        token = begin_record(RecordInFlight(index, f"m{index}", f"task-{index}"))
        for _ in range(3):
            await asyncio.sleep(0)  # the tasks interleave
            log.info("task", index=index)
        end_record(token)

    async def tasks() -> None:
        await asyncio.gather(*(in_task(i) for i in range(3)))

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        from lambda_toolkit.core import bind_context

        threads = [threading.Thread(target=bind_context(in_thread), args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        asyncio.run(tasks())

    handler({}, FakeContext())
    lines = out.lines()
    assert len(lines) == 15 + 9
    for line in lines:
        assert line["correlation_id"] == f"{line['message']}-{line['index']}"


def test_buffered_lines_keep_the_id_of_the_record_they_were_written_in(out: Capture) -> None:
    log = Logger(service="worker", stream=out, level="INFO", buffer_size=10)

    @log.inject_context(correlation_id=lambda event: "invocation-id")
    def handler(event: Any, context: Any) -> None:
        token = begin_record(RecordInFlight(0, "m0", "record-id"))
        log.debug("buffered in the record")
        end_record(token)
        log.error("flushes the buffer")

    handler({}, FakeContext())
    assert [(line["message"], line["correlation_id"]) for line in out.lines()] == [
        ("buffered in the record", "record-id"),
        ("flushes the buffer", "invocation-id"),
    ]


def _invocation_id(event: dict[str, Any], out: Capture) -> str:
    log = Logger(service="worker", stream=out)
    log.inject_context(lambda event, context: log.info("x"))(event, FakeContext())
    value: str = out.last()["correlation_id"]
    return value


def test_sns_through_sqs_the_invocation_takes_the_attribute_inside_the_first_body(out: Capture) -> None:
    body = json.dumps(sns_notification("x", message_attributes={"correlation_id": "from-sns"}))
    assert _invocation_id({"Records": [sqs_record(body, message_id="m0")]}, out) == "from-sns"


def test_eventbridge_through_sqs_the_invocation_takes_the_first_events_id(out: Capture) -> None:
    rule_event = eventbridge_event({"order": 1})
    event = sqs_event([json.dumps(rule_event)])
    assert _invocation_id(event, out) == rule_event["id"]


def test_a_plain_sqs_body_still_gives_the_message_id(out: Capture) -> None:
    event = sqs_event([{"MessageAttributes": "looks like one, is not a notification"}])
    assert _invocation_id(event, out) == event["Records"][0]["messageId"]
