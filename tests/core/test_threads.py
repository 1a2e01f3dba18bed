"""Work handed to threads inside a handler keeps the invocation: request id, keys, correlation id."""

from __future__ import annotations

import contextvars
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lambda_toolkit.core import ContextExecutor, bind_context, current_invocation, get_correlation_id
from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(text) for text in out.getvalue().splitlines()]


def _handler_logging_from(pool: ThreadPoolExecutor, out: io.StringIO) -> Any:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: dict[str, Any], context: Any) -> list[str]:
        log.append_keys(order_id=event["order_id"])

        def work(item: str) -> str:
            log.info("item done", item=item)
            return item

        first = pool.submit(work, "a").result()
        return [first, *pool.map(work, ["b", "c"])]

    return handler


def test_a_plain_thread_pool_loses_the_invocation() -> None:
    # Why the helper exists: a worker thread starts from an empty context.
    out = io.StringIO()
    with ThreadPoolExecutor(max_workers=2) as pool:
        handler = _handler_logging_from(pool, out)
        assert handler({"order_id": "o-1"}, FakeContext(aws_request_id="r-1")) == ["a", "b", "c"]
    lines = _lines(out)
    assert len(lines) == 3
    assert all("function_request_id" not in line and "order_id" not in line for line in lines)


def test_the_context_executor_keeps_request_id_and_keys_in_the_worker_lines() -> None:
    out = io.StringIO()
    with ContextExecutor(max_workers=2) as pool:
        handler = _handler_logging_from(pool, out)
        assert handler({"order_id": "o-1"}, FakeContext(aws_request_id="r-1")) == ["a", "b", "c"]
        assert handler({"order_id": "o-2"}, FakeContext(aws_request_id="r-2")) == ["a", "b", "c"]
    lines = _lines(out)
    assert [(line["item"], line["function_request_id"], line["order_id"]) for line in lines] == [
        ("a", "r-1", "o-1"),
        ("b", "r-1", "o-1"),
        ("c", "r-1", "o-1"),
        ("a", "r-2", "o-2"),
        ("b", "r-2", "o-2"),
        ("c", "r-2", "o-2"),
    ]
    assert {line["correlation_id"] for line in lines} == {"r-1", "r-2"}


def test_each_call_runs_in_a_copy_taken_at_submit_time() -> None:
    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")
    gate = threading.Event()
    with ContextExecutor(max_workers=1) as pool:
        marker.set("first")
        first = pool.submit(lambda: (gate.wait(5), marker.get())[1])
        marker.set("second")
        second = pool.submit(marker.get)
        gate.set()
        assert (first.result(), second.result()) == ("first", "second")

        def change() -> str:
            marker.set("changed in the worker")
            return marker.get()

        assert pool.submit(change).result() == "changed in the worker"
    assert marker.get() == "second"  # a worker's changes stay in its copy


def test_the_pool_is_usable_outside_an_invocation() -> None:
    with ContextExecutor(max_workers=2) as pool:
        assert list(pool.map(lambda x: (x, current_invocation()), [1, 2])) == [(1, None), (2, None)]
        assert pool.submit(pow, 2, exp=3).result() == 8


def test_bind_context_carries_the_invocation_to_any_thread() -> None:
    seen: list[tuple[str | None, str | None]] = []

    def record() -> None:
        invocation = current_invocation()
        seen.append((invocation.request_id if invocation else None, get_correlation_id()))

    from lambda_toolkit.core import Middleware, middleware

    plain = middleware(lambda: Middleware("plain"))

    @plain
    def handler(event: Any, context: Any) -> None:
        from lambda_toolkit.core import set_correlation_id

        set_correlation_id("c-1")
        bound = bind_context(record)
        threads = [threading.Thread(target=record), threading.Thread(target=bound), threading.Thread(target=bound)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    handler({}, FakeContext(aws_request_id="r-9"))
    assert sorted(seen, key=str) == sorted([(None, None), ("r-9", "c-1"), ("r-9", "c-1")], key=str)


def test_bind_context_keeps_the_wrapped_function_name() -> None:
    def fetch_order(order_id: str) -> str:
        return order_id

    bound = bind_context(fetch_order)
    assert bound("o-1") == "o-1"
    assert bound.__name__ == "fetch_order"
    with pytest.raises(TypeError, match="callable"):
        bind_context("not callable")  # type: ignore[arg-type]


# -- to_thread: blocking calls of async code ---------------------------------------------


def test_to_thread_runs_off_the_loop_in_the_callers_invocation() -> None:
    import asyncio

    from lambda_toolkit.core.middleware import Call, Middleware, middleware
    from lambda_toolkit.core.threads import to_thread

    seen: dict[str, Any] = {}
    in_flight = threading.Event()
    ticks: list[int] = []

    def blocking(tag: str) -> str:
        in_flight.set()
        seen["thread"] = threading.current_thread().name
        invocation = current_invocation()
        seen["request_id"] = None if invocation is None else invocation.request_id
        before = len(ticks)
        # Blocks until the loop has ticked three times while this call is in flight: a
        # blocked loop would never tick, and the call would give up after its timeout.
        deadline_ticks = before + 3
        for _ in range(200):
            if len(ticks) >= deadline_ticks:
                break
            threading.Event().wait(0.01)
        seen["ticks_during_call"] = len(ticks) - before
        return tag

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0.001)
            if in_flight.is_set():
                ticks.append(1)

    def before(call: Call) -> None:
        return None

    noop = middleware(lambda: Middleware("noop", before=before))

    @noop
    async def handler(event: Any, context: Any) -> str:
        task = asyncio.create_task(ticker())
        try:
            return await to_thread(blocking, "done")
        finally:
            task.cancel()

    assert asyncio.run(handler({}, FakeContext(aws_request_id="req-1"))) == "done"
    assert seen["request_id"] == "req-1"
    assert seen["thread"].startswith("lambda-toolkit-io")
    assert seen["ticks_during_call"] >= 3


def test_the_io_thread_count_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_toolkit.core import threads
    from lambda_toolkit.core.errors import ConfigurationError

    monkeypatch.setattr(threads, "_io_pool", None)
    monkeypatch.setenv("LAMBDA_TOOLKIT_IO_THREADS", "many")
    with pytest.raises(ConfigurationError, match="LAMBDA_TOOLKIT_IO_THREADS"):
        threads.io_pool()
    monkeypatch.setenv("LAMBDA_TOOLKIT_IO_THREADS", "3")
    pool = threads.io_pool()
    try:
        assert pool._max_workers == 3
        assert threads.io_pool() is pool
    finally:
        pool.shutdown()
