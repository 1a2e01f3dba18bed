"""The X-Ray backend, end to end: the real aws-xray-sdk emitter sends to a UDP daemon stand-in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.core import InvocationTimeout, current_invocation
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.tracing import configure, put_annotation, subsegment, trace, tracing_active
from tests.tracing.conftest import HEADER_LINE, TraceIds, XRayDaemon, new_trace_ids

pytestmark = pytest.mark.integration


def every_subsegment(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents and the subsegments sent nested in them, at any depth."""
    found: list[dict[str, Any]] = []
    pending = list(documents)
    while pending:
        document = pending.pop()
        found.append(document)
        pending.extend(document.get("subsegments", ()))
    return found


def by_name(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {document["name"]: document for document in every_subsegment(documents)}


@trace
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "order": event.get("order_id")}


def test_a_handler_call_sends_one_subsegment_of_the_invocation_segment(
    lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    assert tracing_active()
    assert handler({"order_id": "o-1"}, FakeContext()) == {"statusCode": 200, "order": "o-1"}

    [document] = xray_daemon.drain()
    assert xray_daemon.headers[-1] == HEADER_LINE
    assert document["name"] == "## handler"
    assert document["type"] == "subsegment"
    assert document["trace_id"] == lambda_env.root
    assert document["parent_id"] == lambda_env.parent
    assert document["start_time"] <= document["end_time"]
    assert document["annotations"] == {"ColdStart": True, "Service": "orders-fn"}
    assert document["metadata"] == {"orders-fn": {"handler response": {"statusCode": 200, "order": "o-1"}}}
    assert document["in_progress"] is False
    assert "fault" not in document and "error" not in document


def test_only_the_first_invocation_is_the_cold_start(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    handler({}, FakeContext())
    handler({}, FakeContext())
    first, second = xray_daemon.drain()
    assert first["annotations"]["ColdStart"] is True
    assert second["annotations"]["ColdStart"] is False


def test_each_invocation_joins_the_trace_of_its_own_header(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler({}, FakeContext())
    later = new_trace_ids()
    monkeypatch.setenv("_X_AMZN_TRACE_ID", later.header)
    handler({}, FakeContext())
    first, second = xray_daemon.drain()
    assert (first["trace_id"], first["parent_id"]) == (lambda_env.root, lambda_env.parent)
    assert (second["trace_id"], second["parent_id"]) == (later.root, later.parent)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda mp: mp.setenv("LAMBDA_TOOLKIT_SERVICE", "orders"), "orders"),
        (lambda mp: configure(service="billing"), "billing"),
    ],
)
def test_the_service_comes_from_configure_or_the_environment(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch, setup: Any, expected: str
) -> None:
    setup(monkeypatch)
    handler({}, FakeContext())
    [document] = xray_daemon.drain()
    assert document["annotations"]["Service"] == expected
    assert list(document["metadata"]) == [expected]


def test_options_name_the_subsegment_set_the_service_and_leave_out_the_response(
    lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    @trace("checkout", service="shop", capture_response=False)
    def checkout(event: Any, context: Any) -> str:
        return "secret-response"

    checkout({}, FakeContext())
    [document] = xray_daemon.drain()
    assert document["name"] == "checkout"
    assert document["annotations"]["Service"] == "shop"
    assert "metadata" not in document


class Orders:
    @trace
    def fetch(self, order_id: str) -> dict[str, str]:
        put_annotation("order_id", order_id)
        return {"id": order_id}


@trace
def load(order_id: str) -> dict[str, str]:
    return Orders().fetch(order_id)


def test_functions_and_methods_nest_under_the_handler(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    @trace
    def nested_handler(event: Any, context: Any) -> Any:
        return load(event["id"])

    assert nested_handler({"id": "o-7"}, FakeContext()) == {"id": "o-7"}
    documents = by_name(xray_daemon.drain())
    assert set(documents) == {"## nested_handler", "load", "Orders.fetch"}
    root, middle, leaf = documents["## nested_handler"], documents["load"], documents["Orders.fetch"]
    assert root["parent_id"] == lambda_env.parent
    assert middle["parent_id"] == root["id"]
    assert leaf["parent_id"] == middle["id"]
    assert leaf["annotations"] == {"order_id": "o-7"}
    assert "ColdStart" not in middle.get("annotations", {})
    assert leaf["metadata"] == {"orders-fn": {"Orders.fetch response": {"id": "o-7"}}}


def test_coroutines_are_traced(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    @trace
    async def price(sku: str) -> int:
        await asyncio.sleep(0)
        return 42

    @trace
    async def async_handler(event: Any, context: Any) -> int:
        return await price("sku-1")

    assert asyncio.run(async_handler({}, FakeContext())) == 42
    documents = by_name(xray_daemon.drain())
    # "<" and ">" are not allowed in X-Ray names: they are left out
    assert documents["test_coroutines_are_traced.locals.price"]["parent_id"] == documents["## async_handler"]["id"]


@trace
def numbers(limit: int) -> Iterator[int]:
    yield from range(limit)


def test_a_generator_is_traced_without_adopting_its_consumers_work(
    lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    @trace
    def consumer(event: Any, context: Any) -> int:
        total = 0
        for value in numbers(3):
            with subsegment("between yields"):
                total += value
        return total

    assert consumer({}, FakeContext()) == 3
    documents = xray_daemon.drain()
    root = by_name(documents)["## consumer"]
    generator = by_name(documents)["numbers"]
    assert generator["parent_id"] == root["id"]
    assert generator["metadata"] == {"orders-fn": {"numbers response": None}}
    between = [document for document in documents if document["name"] == "between yields"]
    assert len(between) == 3
    assert {document["parent_id"] for document in between} == {root["id"]}


def test_a_generator_closed_early_does_not_hold_back_the_handler(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    @trace
    def stack_handler(event: Any, context: Any) -> int:
        for value in numbers(10):
            if value == 1:
                break
        with subsegment("after the loop"):
            pass
        return 1

    assert stack_handler({}, FakeContext()) == 1
    documents = by_name(xray_daemon.drain())
    root = documents["## stack_handler"]
    assert documents["after the loop"]["parent_id"] == root["id"]
    assert documents["numbers"]["parent_id"] == root["id"]
    # closed when the loop dropped the generator, before the next block began
    assert documents["numbers"]["end_time"] <= documents["after the loop"]["start_time"]


def test_a_span_left_open_by_a_base_exception_is_closed_with_its_parent(
    lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    @trace
    def interrupted() -> None:
        raise SystemExit(3)  # not an Exception: no hook of the engine sees it

    @trace
    def survivor(event: Any, context: Any) -> str:
        try:
            interrupted()
        except SystemExit:
            pass
        with subsegment("afterwards"):
            pass
        return "ok"

    assert survivor({}, FakeContext()) == "ok"
    documents = by_name(xray_daemon.drain())
    root = documents["## survivor"]
    assert "afterwards" in documents
    assert (
        documents["test_a_span_left_open_by_a_base_exception_is_closed_with_its_parent.locals.interrupted"]["parent_id"]
        == root["id"]
    )


def test_an_error_is_recorded_and_reaches_the_caller_unchanged(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    error = ValueError("quantity must be positive")

    @trace
    def failing(event: Any, context: Any) -> None:
        raise error

    with pytest.raises(ValueError) as raised:
        failing({}, FakeContext())
    assert raised.value is error
    assert vars(error) == {}  # nothing attached to the exception by tracing

    [document] = xray_daemon.drain()
    assert document["fault"] is True
    [exception] = document["cause"]["exceptions"]
    assert exception["type"] == "ValueError"
    assert exception["message"] == "quantity must be positive"
    assert exception["stack"][-1]["label"] == "failing"
    assert document["metadata"]["orders-fn"]["failing error"] == {
        "type": "ValueError",
        "message": "quantity must be positive",
    }
    assert "failing response" not in document["metadata"]["orders-fn"]


def test_capture_error_false_keeps_only_the_exception_type(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    @trace(capture_error=False)
    def failing(event: Any, context: Any) -> None:
        raise KeyError("card 4111-1111")

    with pytest.raises(KeyError):
        failing({}, FakeContext())
    [document] = xray_daemon.drain()
    assert document["fault"] is True
    [exception] = document["cause"]["exceptions"]
    assert set(exception) == {"id", "type"}
    assert exception["type"] == "KeyError"
    assert "4111" not in json.dumps(document)


def test_an_invocation_timeout_marks_the_subsegment_timed_out(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    @trace
    def slow(event: Any, context: Any) -> None:
        raise InvocationTimeout(remaining_ms=480.0)

    with pytest.raises(InvocationTimeout):
        slow({}, FakeContext())
    [document] = xray_daemon.drain()
    assert document["annotations"]["TimedOut"] is True
    assert document["fault"] is True
    assert document["metadata"]["orders-fn"]["slow error"]["remaining_ms"] == 480.0


def test_a_timeout_answered_with_a_fallback_still_marks_the_subsegment(
    lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    @trace
    def guarded(event: Any, context: Any) -> dict[str, int]:
        invocation = current_invocation()
        assert invocation is not None
        invocation.interrupted = True  # what the timeout guard leaves behind
        return {"statusCode": 503}

    assert guarded({}, FakeContext()) == {"statusCode": 503}
    [document] = xray_daemon.drain()
    assert document["annotations"]["TimedOut"] is True
    assert document["fault"] is True


def test_subsegment_blocks_record_and_reraise(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    @trace
    def charging(event: Any, context: Any) -> str:
        with subsegment("charge card") as segment:
            segment.put_annotation("provider", "stripe")
            segment.put_metadata("amount", {"cents": 1250}, namespace="payments")
            put_annotation("attempt", 1)
        try:
            with subsegment("refund"):
                raise RuntimeError("gateway down")
        except RuntimeError:
            pass
        return "done"

    assert charging({}, FakeContext()) == "done"
    documents = by_name(xray_daemon.drain())
    charge, refund, root = documents["charge card"], documents["refund"], documents["## charging"]
    assert charge["parent_id"] == refund["parent_id"] == root["id"]
    assert charge["annotations"] == {"provider": "stripe", "attempt": 1}
    assert charge["metadata"] == {"payments": {"amount": {"cents": 1250}}}
    assert refund["fault"] is True
    assert refund["cause"]["exceptions"][0]["message"] == "gateway down"


def test_async_with_subsegment(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    @trace
    async def async_handler(event: Any, context: Any) -> str:
        async with subsegment("query") as segment:
            assert segment.recording
            segment.put_annotation("table", "orders")
        return "ok"

    assert asyncio.run(async_handler({}, FakeContext())) == "ok"
    documents = by_name(xray_daemon.drain())
    assert documents["query"]["annotations"] == {"table": "orders"}
    assert documents["query"]["parent_id"] == documents["## async_handler"]["id"]


def test_the_returned_object_is_the_handlers_own(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    response = {"items": [1, 2]}

    @trace
    def identity(event: Any, context: Any) -> Any:
        return response

    assert identity({}, FakeContext()) is response


def test_callable_objects_are_named_after_their_type(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    import functools

    def add(a: int, b: int) -> int:
        return a + b

    traced = trace(functools.partial(add, 1))

    @trace
    def calling(event: Any, context: Any) -> int:
        return int(traced(2))

    assert calling({}, FakeContext()) == 3
    documents = by_name(xray_daemon.drain())
    assert documents["partial"]["parent_id"] == documents["## calling"]["id"]


def test_concurrent_coroutines_in_one_thread_are_all_closed_and_sent(
    lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    @trace
    async def step(name: str, pause: float) -> str:
        await asyncio.sleep(pause)
        return name

    @trace
    async def fan_out(event: Any, context: Any) -> list[str]:
        return list(await asyncio.gather(step("slow", 0.02), step("fast", 0.0)))

    assert asyncio.run(fan_out({}, FakeContext())) == ["slow", "fast"]
    everything = every_subsegment(xray_daemon.drain())
    steps = [document for document in everything if document["name"].endswith("step")]
    assert len(steps) == 2
    assert all(step["in_progress"] is False for step in steps)
    assert [document["name"] for document in everything].count("## fan_out") == 1


def test_two_stacked_trace_layers_each_close_their_own_subsegment(
    lambda_env: TraceIds, xray_daemon: XRayDaemon
) -> None:
    @trace("outer")
    @trace("inner", capture_response=False)
    def stacked(event: Any, context: Any) -> str:
        return "done"

    assert stacked({}, FakeContext()) == "done"
    documents = by_name(xray_daemon.drain())
    outer, inner = documents["outer"], documents["inner"]
    assert inner["parent_id"] == outer["id"]
    assert outer["in_progress"] is False and inner["in_progress"] is False
    assert outer["metadata"] == {"orders-fn": {"stacked response": "done"}}
    assert "metadata" not in inner
