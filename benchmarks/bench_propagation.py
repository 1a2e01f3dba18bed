"""Outbound propagation: what ``propagate_correlation_id()`` adds to each boto3 call.

A real boto3 SQS client whose requests are answered in process (a ``before-call`` handler
returns the parsed response, as botocore's ``Stubber`` does: parameter building,
validation and serialization run, no HTTP), called inside an invocation whose correlation
id is set, with the propagation on and off in alternating rounds. Powertools for AWS
Lambda (Python) has no equivalent, so there is no side-by-side figure.

The figures are CPU time of the calling thread (best of the rounds): a boto3 call costs
about a hundred microseconds and wall time on a shared machine would drown the few
microseconds measured here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from _harness import Scenario, per_call

from lambda_toolkit.core.state import begin_invocation, end_invocation
from lambda_toolkit.logging import _propagation, propagate_correlation_id
from lambda_toolkit.testing import FakeContext

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
ATTRIBUTES = {name: {"DataType": "String", "StringValue": "v"} for name in ("kind", "tenant", "version")}
ENTRIES = [{"Id": str(n), "MessageBody": '{"order_id": "o-1"}'} for n in range(10)]


def _client() -> Any:
    import boto3
    from botocore.awsrequest import AWSResponse

    client = boto3.session.Session(
        aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1"
    ).client("sqs")
    sent = {"MessageId": "m-1", "MD5OfMessageBody": "0" * 32}
    batch = {"Successful": [{"Id": str(n), "MessageId": "m", "MD5OfMessageBody": "0" * 32} for n in range(10)]}

    def answer(model: Any, **_: Any) -> tuple[Any, dict[str, Any]]:
        return AWSResponse(QUEUE, 200, {}, None), (batch if model.name == "SendMessageBatch" else sent)

    client.meta.events.register("before-call.sqs", answer)
    return client


def _cpu_us(fn: Callable[[], object], number: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.thread_time()
        for _ in range(number):
            fn()
        best = min(best, (time.thread_time() - start) / number)
    return best * 1e6


def _in_invocation(measure: Callable[[], float]) -> float:
    invocation, token = begin_invocation({}, FakeContext())
    invocation.correlation_id = "c0ffee-1234-5678"
    try:
        return measure()
    finally:
        end_invocation(token)


def _three_ways(plain: Callable[[], object], by_hand: Callable[[], object], number: int, rounds: int = 12) -> Figures:
    """Best CPU µs per call: ``plain`` with the propagation on, ``plain`` with it off, and
    ``by_hand`` (the attribute written by the caller) with it off, in alternating rounds."""
    on = off = hand = float("inf")
    for _ in range(rounds):
        propagate_correlation_id()
        on = min(on, _in_invocation(lambda: _cpu_us(plain, number)))
        propagate_correlation_id(enabled=False)
        off = min(off, _in_invocation(lambda: _cpu_us(plain, number)))
        hand = min(hand, _in_invocation(lambda: _cpu_us(by_hand, number)))
    return on, off, hand


Figures = tuple[float, float, float]
_figures: dict[str, Figures] = {}
_BODY = '{"order_id": "o-1"}'
_ID = {"correlation_id": {"DataType": "String", "StringValue": "c0ffee-1234-5678"}}


def _measured(name: str) -> Figures:
    if name not in _figures:
        client = _client()
        send = client.send_message
        batch = client.send_message_batch
        by_hand = [{**entry, "MessageAttributes": _ID} for entry in ENTRIES]
        calls: dict[str, tuple[Callable[[], object], Callable[[], object], int]] = {
            "send": (
                lambda: send(QueueUrl=QUEUE, MessageBody=_BODY),
                lambda: send(QueueUrl=QUEUE, MessageBody=_BODY, MessageAttributes=_ID),
                1_000,
            ),
            "send3": (
                lambda: send(QueueUrl=QUEUE, MessageBody=_BODY, MessageAttributes=ATTRIBUTES),
                lambda: send(QueueUrl=QUEUE, MessageBody=_BODY, MessageAttributes={**ATTRIBUTES, **_ID}),
                1_000,
            ),
            "batch": (
                lambda: batch(QueueUrl=QUEUE, Entries=ENTRIES),
                lambda: batch(QueueUrl=QUEUE, Entries=by_hand),
                200,
            ),
        }
        plain, hand, number = calls[name]
        plain()  # the first call loads the service model and builds the client's caches
        _figures[name] = _three_ways(plain, hand, number)
    return _figures[name]


def _hook_us() -> float:
    """The SendMessage hook alone, called as botocore calls it (wall time, median)."""
    hook = dict(_propagation._HOOKS)["before-parameter-build.sqs.SendMessage"]
    propagate_correlation_id()
    try:
        return _in_invocation(
            lambda: per_call(lambda: hook(params={"QueueUrl": QUEUE, "MessageBody": "x"}, model=None)) * 1e6
        )
    finally:
        propagate_correlation_id(enabled=False)


def _outside_us() -> float:
    """The SendMessage hook outside an invocation (no id: nothing to add)."""
    hook = dict(_propagation._HOOKS)["before-parameter-build.sqs.SendMessage"]
    propagate_correlation_id()
    try:
        return per_call(lambda: hook(params={"QueueUrl": QUEUE, "MessageBody": "x"}, model=None)) * 1e6
    finally:
        propagate_correlation_id(enabled=False)


def _added(name: str) -> float:
    """Against the same call without the attribute."""
    on, off, _ = _measured(name)
    return on - off


def _own(name: str) -> float:
    """Against the same call with the attribute written by hand: the propagation's own part."""
    on, _, hand = _measured(name)
    return on - hand


def scenarios() -> list[Scenario]:
    return [
        Scenario(
            "propagation: added per SendMessage call (CPU)",
            "µs",
            lambda: _added("send"),
            None,
            goal="<= 5 µs",
            extra={
                "the propagation's own part (against the attribute written by hand)": lambda: _own("send"),
                "botocore validating + serializing one more attribute (by hand - none)": lambda: (
                    _measured("send")[2] - _measured("send")[1]
                ),
                "SendMessage, whole call with propagation (CPU)": lambda: _measured("send")[0],
                "SendMessage, whole call without (CPU)": lambda: _measured("send")[1],
                "added per SendMessage with 3 attributes of the caller (CPU)": lambda: _added("send3"),
                "its own part (against 4 attributes written by hand)": lambda: _own("send3"),
                "added per SendMessageBatch of 10 entries (CPU)": lambda: _added("batch"),
                "its own part (against the 10 attributes written by hand)": lambda: _own("batch"),
                "the SendMessage hook alone, inside an invocation": _hook_us,
                "the SendMessage hook alone, outside an invocation": _outside_us,
            },
        ),
    ]
