"""Per-message SQS retry backoff (lambda_toolkit.batch._backoff), against moto.

The Lambda records are built from messages really received from a moto queue: the
receive counts come from real redeliveries, and the visibility changes are observed by
receiving again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.batch._backoff import (
    MAX_VISIBILITY_S,
    Backoff,
    apply_backoff,
    queue_url_from_arn,
    reset_clients,
)
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.state import begin_invocation, end_invocation
from lambda_toolkit.testing import FakeClock, FakeContext

REGION = "us-east-1"
ALMOST_ONE = 0.999999


def always(value: float) -> Any:
    return lambda: value


# -- the delay ---------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "ceiling"), [(1, 30), (2, 60), (3, 120), (4, 240), (10, 15360)])
def test_the_ceiling_doubles_with_each_receive(count: int, ceiling: int) -> None:
    assert Backoff(random=always(ALMOST_ONE)).delay(count) == ceiling
    assert Backoff(random=always(0.0)).delay(count) == 0


def test_full_jitter_draws_uniformly_over_every_whole_second_up_to_the_ceiling() -> None:
    draws = iter([index / 61 for index in range(61)])
    seen = [Backoff(base_seconds=60, random=lambda: next(draws)).delay(1) for _ in range(61)]
    assert seen == list(range(61))


def test_the_delay_is_capped_at_twelve_hours_and_at_max_seconds() -> None:
    assert Backoff(random=always(ALMOST_ONE)).delay(11) == 30 * 2**10  # 30720, under the cap
    assert Backoff(random=always(ALMOST_ONE)).delay(12) == MAX_VISIBILITY_S
    assert Backoff(random=always(ALMOST_ONE)).delay(10_000) == MAX_VISIBILITY_S
    assert Backoff(max_seconds=600, random=always(ALMOST_ONE)).delay(50) == 600
    assert Backoff(random=always(ALMOST_ONE)).delay(50, cap=900) == 900


def test_a_missing_or_malformed_receive_count_counts_as_the_first() -> None:
    from lambda_toolkit.batch._backoff import _receive_count

    assert _receive_count({"attributes": {"ApproximateReceiveCount": "4"}}) == 4
    assert _receive_count({"attributes": {}}) == 1
    assert _receive_count({"attributes": {"ApproximateReceiveCount": "many"}}) == 1
    assert _receive_count({}) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_seconds": 0}, "base_seconds must be a number > 0"),
        ({"base_seconds": True}, "base_seconds must be a number > 0"),
        ({"max_seconds": 43201}, "max_seconds must be a whole number from 1 to 43200"),
        ({"max_seconds": 0}, "max_seconds must be a whole number from 1 to 43200"),
        ({"queue_url": "orders"}, "queue_url must be an https:// SQS queue URL"),
        ({"random": 0.5}, "random must be a function"),
        ({"client": object()}, "client must be a boto3 SQS client"),
    ],
)
def test_bad_options_fail_at_setup(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Backoff(**options)


@pytest.mark.parametrize(
    ("arn", "url"),
    [
        ("arn:aws:sqs:eu-west-1:123456789012:orders", "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"),
        ("arn:aws:sqs:us-east-1:123456789012:jobs.fifo", "https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo"),
        ("arn:aws-cn:sqs:cn-north-1:123456789012:q", "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q"),
        ("arn:aws-us-gov:sqs:us-gov-west-1:123456789012:q", "https://sqs.us-gov-west-1.amazonaws.com/123456789012/q"),
        ("arn:aws:sns:us-east-1:123456789012:topic", None),
        ("arn:aws:sqs:us-east-1::orders", None),
        ("not an arn", None),
    ],
)
def test_the_queue_url_comes_from_the_event_source_arn(arn: str, url: str | None) -> None:
    assert queue_url_from_arn(arn) == url


def test_the_cap_leaves_out_the_time_the_invocation_has_run() -> None:
    clock = FakeClock()
    context = FakeContext(timeout_ms=900_000, clock=clock)
    _, token = begin_invocation({}, context)
    try:
        from lambda_toolkit.batch._backoff import _cap_now

        assert _cap_now() == MAX_VISIBILITY_S - 1
        clock.advance(seconds=120.5)
        assert _cap_now() == MAX_VISIBILITY_S - 121 - 1
    finally:
        end_invocation(token)


# -- against moto --------------------------------------------------------------------------


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


def lambda_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    """The record Lambda's poller makes of a message it received."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message["Attributes"]),
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }


def receive(sqs: Any, url: str, count: int = 10) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=count, AttributeNames=["All"]
    ).get("Messages", [])
    return messages


def record_calls(client: Any) -> list[dict[str, Any]]:
    """The parameters of every ChangeMessageVisibilityBatch call ``client`` makes."""
    calls: list[dict[str, Any]] = []

    def keep(params: dict[str, Any], **_: Any) -> None:
        calls.append(params)

    client.meta.events.register("provide-client-params.sqs.ChangeMessageVisibilityBatch", keep)
    return calls


def test_receive_counts_from_real_redeliveries_set_each_message_s_visibility(sqs: Any) -> None:
    url, arn = make_queue(sqs)
    for number in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"order-{number}")
    assert len(receive(sqs, url)) == 3  # first delivery; visibility 0: back at once
    redelivered = receive(sqs, url)
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in redelivered} == {"2"}
    records = [lambda_record(message, arn) for message in redelivered]
    calls = record_calls(sqs)

    applied = apply_backoff(Backoff(client=sqs, random=always(ALMOST_ONE)), records)

    assert applied == {record["messageId"]: 60 for record in records}  # 30 * 2 ** (2 - 1)
    assert [entry["VisibilityTimeout"] for entry in calls[0]["Entries"]] == [60, 60, 60]
    assert calls[0]["QueueUrl"] == url
    assert receive(sqs, url) == []  # every one is hidden for a minute now


def test_a_zero_draw_makes_the_message_visible_at_once_and_counts_go_on(sqs: Any) -> None:
    url, arn = make_queue(sqs, VisibilityTimeout="300")
    sqs.send_message(QueueUrl=url, MessageBody="order")
    records = [lambda_record(message, arn) for message in receive(sqs, url)]
    assert receive(sqs, url) == []  # the queue's own visibility timeout hides it
    applied = apply_backoff(Backoff(client=sqs, random=always(0.0)), records)
    assert applied == {records[0]["messageId"]: 0}
    [again] = receive(sqs, url)
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


def test_messages_go_ten_to_a_call(sqs: Any) -> None:
    url, arn = make_queue(sqs, VisibilityTimeout="300")
    for start in range(0, 25, 10):
        entries = [{"Id": str(n), "MessageBody": f"m{n}"} for n in range(start, min(start + 10, 25))]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    received: list[dict[str, Any]] = []
    while len(received) < 25:
        received += receive(sqs, url)
    calls = record_calls(sqs)
    records = [lambda_record(message, arn) for message in received]
    applied = apply_backoff(Backoff(client=sqs, random=always(ALMOST_ONE)), records)
    assert sorted(applied) == sorted(record["messageId"] for record in records)
    assert [len(call["Entries"]) for call in calls] == [10, 10, 5]


def test_the_default_client_is_made_for_the_queue_s_region(sqs: Any) -> None:
    import boto3

    west = boto3.client("sqs", region_name="eu-west-1")
    url = west.create_queue(QueueName="west", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    arn = west.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    west.send_message(QueueUrl=url, MessageBody="x")
    records = [lambda_record(m, arn) for m in receive(west, url)]
    assert apply_backoff(Backoff(random=always(ALMOST_ONE)), records) == {records[0]["messageId"]: 30}
    assert receive(west, url) == []


def test_refused_entries_are_logged_without_payloads_and_the_rest_applies(
    sqs: Any, caplog: pytest.LogCaptureFixture
) -> None:
    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="secret-body-1")
    sqs.send_message(QueueUrl=url, MessageBody="secret-body-2")
    good, stale = (lambda_record(m, arn) for m in receive(sqs, url))
    stale["receiptHandle"] = "stale-receipt-handle"
    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.batch"):
        applied = apply_backoff(Backoff(client=sqs, random=always(ALMOST_ONE)), [good, stale])
    assert applied == {good["messageId"]: 30}
    [line] = [r.getMessage() for r in caplog.records]
    assert "refused 1 visibility change(s) on queue orders" in line
    assert f"{stale['messageId']} (ReceiptHandleIsInvalid)" in line
    assert "secret-body" not in line and "stale-receipt-handle" not in line
    assert good["receiptHandle"] not in line


def test_a_failed_call_is_logged_and_raises_nothing(sqs: Any, caplog: pytest.LogCaptureFixture) -> None:
    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="secret-body")
    records = [lambda_record(m, arn) for m in receive(sqs, url)]
    missing = url.replace("/orders", "/no-such-queue")
    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.batch"):
        applied = apply_backoff(Backoff(client=sqs, queue_url=missing, random=always(ALMOST_ONE)), records)
    assert applied == {}
    [line] = [r.getMessage() for r in caplog.records]
    assert "ChangeMessageVisibilityBatch on queue no-such-queue failed (" in line
    assert records[0]["messageId"] in line and "secret-body" not in line


def test_an_exception_from_the_client_never_escapes(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def change_message_visibility_batch(self, **_: Any) -> Any:
            raise ConnectionResetError("peer went away")

    record = {
        "messageId": "m-1",
        "receiptHandle": "h",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
        "attributes": {"ApproximateReceiveCount": "1"},
    }
    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.batch"):
        assert apply_backoff(Backoff(client=Broken()), [record]) == {}
    assert "(ConnectionResetError)" in caplog.records[0].getMessage()


def test_the_queue_url_override_wins_over_the_arn(sqs: Any) -> None:
    url, arn = make_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    [record] = [lambda_record(m, arn) for m in receive(sqs, url)]
    record["eventSourceARN"] = "arn:aws:sqs:us-east-1:123456789012:some-other-name"
    calls = record_calls(sqs)
    apply_backoff(Backoff(client=sqs, queue_url=url, random=always(ALMOST_ONE)), [record])
    assert calls[0]["QueueUrl"] == url
    assert receive(sqs, url) == []


def test_a_record_without_a_queue_arn_is_logged_and_not_sent(caplog: pytest.LogCaptureFixture) -> None:
    class Unused:
        def change_message_visibility_batch(self, **_: Any) -> Any:
            raise AssertionError("no call expected")

    record = {"messageId": "m-1", "receiptHandle": "h", "eventSourceARN": "garbage"}
    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.batch"):
        assert apply_backoff(Backoff(client=Unused()), [record]) == {}
    assert "Backoff(queue_url=...)" in caplog.records[0].getMessage()


def test_fifo_a_backed_off_message_blocks_its_group_and_order_is_kept(sqs: Any) -> None:
    url, arn = make_queue(sqs, "jobs.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    for body, group in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    first = receive(sqs, url)
    by_body = {m["Body"]: lambda_record(m, arn) for m in first}
    assert set(by_body) == {"a1", "a2", "b1"}
    # a1 failed and backs off; a2 was skipped behind it (no change: visible again at
    # once with this queue's timeout of 0); b1 succeeded and is deleted
    apply_backoff(Backoff(client=sqs, random=always(ALMOST_ONE)), [by_body["a1"]])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=by_body["b1"]["receiptHandle"])

    assert receive(sqs, url) == []  # a2 waits behind a1: group "a" is blocked

    # when a1 comes back (its delay set to 0 here), the group resumes in order
    apply_backoff(Backoff(client=sqs, random=always(0.0)), [by_body["a1"]])
    assert [m["Body"] for m in receive(sqs, url)] == ["a1", "a2"]
