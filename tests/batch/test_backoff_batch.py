"""``@batch("sqs", backoff=Backoff(...))``: failed messages back off before the answer.

The events are built from messages really received from a moto queue (their receive
counts come from real redeliveries); what the queue does next is observed by receiving.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.batch import Backoff, BatchProcessingError, batch, process_batch
from lambda_toolkit.batch._backoff import reset_clients
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.testing import FakeContext

REGION = "us-east-1"
ALMOST_ONE = 0.999999


def always(value: float) -> Any:
    return lambda: value


@pytest.fixture
def sqs() -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        reset_clients()
        import boto3

        yield boto3.client("sqs", region_name=REGION)
    reset_clients()


def make_queue(sqs: Any, name: str = "orders", **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "0", **attributes})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def receive(sqs: Any, url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    )
    return found


def lambda_event(messages: list[dict[str, Any]], arn: str) -> dict[str, Any]:
    """The event Lambda's poller makes of the messages it received."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m["Attributes"]),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


def record_calls(client: Any) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def keep(params: dict[str, Any], **_: Any) -> None:
        calls.append(params)

    client.meta.events.register("provide-client-params.sqs.ChangeMessageVisibilityBatch", keep)
    return calls


def fail_bad(record: Any) -> None:
    if record.body.startswith("bad"):
        raise ValueError("cannot process this one")


def test_failed_messages_back_off_from_their_real_receive_count(sqs: Any) -> None:
    url, arn = make_queue(sqs)
    for body in ("good-1", "bad-1", "good-2", "bad-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    receive(sqs, url)  # first delivery; the queue's timeout of 0 gives them back at once
    redelivered = receive(sqs, url)
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in redelivered} == {"2"}
    event = lambda_event(redelivered, arn)
    calls = record_calls(sqs)
    handler = batch("sqs", backoff=Backoff(client=sqs, random=always(ALMOST_ONE)))(fail_bad)

    answer = handler(event, FakeContext())

    bad_ids = [r["messageId"] for r in event["Records"] if r["body"].startswith("bad")]
    assert answer == {"batchItemFailures": [{"itemIdentifier": i} for i in bad_ids]}
    [call] = calls
    assert [e["VisibilityTimeout"] for e in call["Entries"]] == [60, 60]  # 30 * 2 ** (2 - 1)
    # the failed ones are hidden for a minute; the others (not deleted here) come back
    assert sorted(m["Body"] for m in receive(sqs, url)) == ["good-1", "good-2"]


def test_without_backoff_failed_messages_come_back_at_the_queue_s_interval(sqs: Any) -> None:
    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="bad")
    handler = batch("sqs", all_failed="report")(fail_bad)
    assert handler(lambda_event(receive(sqs, url), arn), FakeContext())["batchItemFailures"]
    assert [m["Body"] for m in receive(sqs, url)] == ["bad"]


def test_a_failing_visibility_call_never_loses_the_failure_report(sqs: Any, caplog: pytest.LogCaptureFixture) -> None:
    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="bad-secret-body")
    event = lambda_event(receive(sqs, url), arn)
    gone = url.replace("/orders", "/deleted-queue")
    handler = batch("sqs", all_failed="report", backoff=Backoff(client=sqs, queue_url=gone))(fail_bad)
    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.batch"):
        answer = handler(event, FakeContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    lines = [r.getMessage() for r in caplog.records if "backoff" in r.getMessage()]
    assert len(lines) == 1
    assert "ChangeMessageVisibilityBatch on queue deleted-queue failed" in lines[0]
    assert all("bad-secret-body" not in r.getMessage() for r in caplog.records)


def test_when_every_message_fails_they_back_off_before_the_batch_is_retried(sqs: Any) -> None:
    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="bad-1")
    sqs.send_message(QueueUrl=url, MessageBody="bad-2")
    event = lambda_event(receive(sqs, url), arn)
    handler = batch("sqs", backoff=Backoff(client=sqs, random=always(ALMOST_ONE)))(fail_bad)
    with pytest.raises(BatchProcessingError):
        handler(event, FakeContext())
    assert receive(sqs, url) == []  # backed off although the whole batch failed


def test_fifo_only_the_failed_message_backs_off_and_its_group_waits_in_order(sqs: Any) -> None:
    url, arn = make_queue(sqs, "jobs.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    for body, group in (("bad-a1", "a"), ("a2", "a"), ("b1", "b")):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    event = lambda_event(receive(sqs, url), arn)
    calls = record_calls(sqs)
    handler = batch("sqs", fifo_stop="group", backoff=Backoff(client=sqs, random=always(ALMOST_ONE)))(fail_bad)

    answer = handler(event, FakeContext())

    ids = {r["body"]: r["messageId"] for r in event["Records"]}
    assert answer == {"batchItemFailures": [{"itemIdentifier": ids["bad-a1"]}, {"itemIdentifier": ids["a2"]}]}
    # a2 was skipped behind bad-a1, not at fault: only bad-a1 backs off
    [call] = calls
    assert [e["ReceiptHandle"] for e in call["Entries"]] == [event["Records"][0]["receiptHandle"]]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=event["Records"][2]["receiptHandle"])  # b1 succeeded
    assert receive(sqs, url) == []  # a2 waits behind bad-a1: group "a" keeps its order


def test_process_batch_takes_the_same_option(sqs: Any) -> None:
    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="bad")
    event = lambda_event(receive(sqs, url), arn)
    outcome = process_batch(
        event, fail_bad, source="sqs", all_failed="report", backoff=Backoff(client=sqs, random=always(ALMOST_ONE))
    )
    assert outcome.failed_count == 1
    assert receive(sqs, url) == []


def test_no_failure_makes_no_call() -> None:
    class Unused:
        def change_message_visibility_batch(self, **_: Any) -> Any:
            raise AssertionError("no call expected")

    from lambda_toolkit.testing.events import sqs_event

    handler = batch("sqs", backoff=Backoff(client=Unused()))(lambda record: None)
    assert handler(sqs_event([{"n": 1}]), FakeContext()) == {"batchItemFailures": []}


@pytest.mark.parametrize(
    ("source", "backoff", "message"),
    [
        ("kinesis-stream", Backoff(), "backoff is for SQS"),
        ("sqs", 30, "backoff must be a Backoff"),
        ("sqs", True, "backoff must be a Backoff"),
    ],
)
def test_bad_backoff_options_fail_at_setup(source: str, backoff: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        batch(source, backoff=backoff)  # type: ignore[arg-type]


def test_an_interruption_during_the_visibility_call_still_answers_with_the_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from lambda_toolkit.core.errors import InvocationTimeout
    from lambda_toolkit.testing.events import sqs_event

    class Interrupted:
        calls = 0

        def change_message_visibility_batch(self, **_: Any) -> Any:
            Interrupted.calls += 1
            raise InvocationTimeout("the guard's margin was reached")

    def fail_two(record: Any) -> None:
        if record.json_body()["n"] == 2:
            raise ValueError("no")

    event = sqs_event([{"n": 1}, {"n": 2}])
    handler = batch("sqs", backoff=Backoff(client=Interrupted()))(fail_two)
    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.batch"):
        answer = handler(event, FakeContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert Interrupted.calls == 1  # tried once, never again
    assert any("(InvocationTimeout)" in r.getMessage() for r in caplog.records)


def test_records_that_do_not_fit_the_model_back_off_too(sqs: Any) -> None:
    from pydantic import BaseModel

    class Order(BaseModel):
        n: int

    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody='{"n": 1}')
    sqs.send_message(QueueUrl=url, MessageBody='{"n": "not a number"}')
    event = lambda_event(receive(sqs, url), arn)
    calls = record_calls(sqs)
    handler = batch("sqs", Order, backoff=Backoff(client=sqs, random=always(ALMOST_ONE)))(lambda order: None)
    answer = handler(event, FakeContext())
    invalid = next(r for r in event["Records"] if "not a number" in r["body"])
    assert answer == {"batchItemFailures": [{"itemIdentifier": invalid["messageId"]}]}
    assert [e["ReceiptHandle"] for e in calls[0]["Entries"]] == [invalid["receiptHandle"]]


def test_process_batch_async_backs_off_too(sqs: Any) -> None:
    import asyncio

    from lambda_toolkit.batch import process_batch_async

    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="bad")
    sqs.send_message(QueueUrl=url, MessageBody="good")
    event = lambda_event(receive(sqs, url), arn)

    async def fail_bad_async(record: Any) -> None:
        fail_bad(record)

    outcome = asyncio.run(
        process_batch_async(event, fail_bad_async, source="sqs", backoff=Backoff(client=sqs, random=always(ALMOST_ONE)))
    )
    assert outcome.failed_count == 1
    assert [m["Body"] for m in receive(sqs, url)] == ["good"]
