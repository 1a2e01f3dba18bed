"""Async hooks, per-layer slots, and whether a call is still in the engine."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lambda_toolkit.core import Call, ConfigurationError, Middleware, Slot, middleware
from lambda_toolkit.testing import FakeContext


def async_layer(log: list[str], name: str, *, answer: Any = None, recover: Any = None) -> Middleware:
    async def before(call: Call) -> None:
        await asyncio.sleep(0)
        log.append(f"{name}.before")
        if answer is not None:
            call.respond(answer)

    async def after(call: Call) -> None:
        await asyncio.sleep(0)
        log.append(f"{name}.after:{call.response}")

    async def on_error(call: Call) -> None:
        await asyncio.sleep(0)
        log.append(f"{name}.on_error:{type(call.error).__name__}")
        if recover is not None:
            call.respond(recover)

    return Middleware(name, before=before, after=after, on_error=on_error)


def sync_layer(log: list[str], name: str) -> Middleware:
    def before(call: Call) -> None:
        log.append(f"{name}.before")

    def after(call: Call) -> None:
        log.append(f"{name}.after:{call.response}")

    return Middleware(name, before=before, after=after)


layer = middleware(lambda log, name, **options: async_layer(log, name, **options))
plain = middleware(sync_layer)


def test_async_hooks_are_awaited_around_an_async_handler() -> None:
    log: list[str] = []

    @layer(log, "outer")
    @plain(log, "middle")
    @layer(log, "inner")
    async def handler(event: Any, context: Any) -> str:
        log.append("handler")
        return "ok"

    assert asyncio.run(handler({}, FakeContext())) == "ok"
    assert log == [
        "outer.before",
        "middle.before",
        "inner.before",
        "handler",
        "inner.after:ok",
        "middle.after:ok",
        "outer.after:ok",
    ]


def test_an_async_before_hook_may_answer_and_an_async_on_error_may_recover() -> None:
    log: list[str] = []

    @layer(log, "cache", answer="cached")
    async def cached(event: Any, context: Any) -> str:
        log.append("handler")
        return "fresh"

    @layer(log, "guard", recover="fallback")
    async def failing(event: Any, context: Any) -> str:
        raise ValueError("boom")

    assert asyncio.run(cached({}, FakeContext())) == "cached"
    assert "handler" not in log
    assert asyncio.run(failing({}, FakeContext())) == "fallback"
    assert log[-1] == "guard.on_error:ValueError"


def test_async_on_error_hooks_run_when_the_task_is_cancelled() -> None:
    log: list[str] = []

    @layer(log, "span")
    async def slow(event: Any, context: Any) -> None:
        await asyncio.sleep(10)

    async def main() -> None:
        task = asyncio.create_task(slow({}, FakeContext()))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert log == ["span.before", "span.on_error:CancelledError"]


def test_an_async_hook_on_a_sync_function_is_refused_at_decoration() -> None:
    def handler(event: Any, context: Any) -> None:
        return None

    with pytest.raises(ConfigurationError, match=r"span\.before, span\.after, span\.on_error: an async hook") as caught:
        layer([], "span")(handler)
    assert "handler is a sync function" in str(caught.value)

    def numbers() -> Any:
        yield 1

    with pytest.raises(ConfigurationError, match=r"is a generator function"):
        layer([], "span")(numbers)


def test_an_async_hook_stacked_over_a_sync_function_is_refused_too() -> None:
    @plain([], "sync")
    def handler(event: Any, context: Any) -> None:
        return None

    with pytest.raises(ConfigurationError, match=r"an async hook"):
        layer([], "span")(handler)


# -- slots ----------------------------------------------------------------------------


def counter_layer(seen: list[tuple[str, Any]], name: str) -> Middleware:
    slot: Slot[str] = Slot("counter")  # same name in every instance: told apart by identity

    def before(call: Call) -> None:
        assert slot.get(call) is None
        slot.set(call, name)

    def after(call: Call) -> None:
        seen.append((name, slot.pop(call)))
        assert slot.get(call) is None

    return Middleware(name, before=before, after=after)


counter = middleware(counter_layer)


def test_stacked_instances_of_one_layer_each_have_their_own_slot() -> None:
    seen: list[tuple[str, Any]] = []

    @counter(seen, "outer")
    @counter(seen, "inner")
    def handler(event: Any, context: Any) -> str:
        return "ok"

    assert handler({}, FakeContext()) == "ok"
    assert seen == [("inner", "inner"), ("outer", "outer")]
    assert repr(Slot("counter")) == "Slot('counter')"


# -- active ---------------------------------------------------------------------------


def test_a_call_is_active_from_its_first_hook_to_the_end_of_its_last() -> None:
    calls: list[Call] = []
    states: list[bool] = []

    def before(call: Call) -> None:
        calls.append(call)
        states.append(call.active)

    def after(call: Call) -> None:
        states.append(call.active)

    watch = middleware(lambda: Middleware("watch", before=before, after=after))

    @watch
    def handler(event: Any, context: Any) -> None:
        states.append(calls[0].active)

    @watch
    def failing(event: Any, context: Any) -> None:
        raise KeyboardInterrupt

    @watch
    def numbers() -> Any:
        yield 1

    handler({}, FakeContext())
    assert states == [True, True, True] and calls[0].active is False
    with pytest.raises(KeyboardInterrupt):
        failing({}, FakeContext())
    assert calls[1].active is False
    assert list(numbers()) == [1]
    assert calls[2].active is False


# -- async twins of sync hooks ----------------------------------------------------------


def twin_layer(log: list[str]) -> Middleware:
    """A layer with sync hooks and async twins: the engine picks by the wrapped function."""

    def before(call: Call) -> None:
        log.append("sync.before")

    def after(call: Call) -> None:
        log.append("sync.after")

    def on_error(call: Call) -> None:
        log.append("sync.on_error")

    async def async_before(call: Call) -> None:
        await asyncio.sleep(0)
        log.append("async.before")

    async def async_after(call: Call) -> None:
        await asyncio.sleep(0)
        log.append("async.after")

    async def async_on_error(call: Call) -> None:
        await asyncio.sleep(0)
        log.append("async.on_error")

    return Middleware(
        "twin",
        before=before,
        after=after,
        on_error=on_error,
        async_before=async_before,
        async_after=async_after,
        async_on_error=async_on_error,
    )


twin = middleware(twin_layer)


def test_an_async_function_gets_the_async_twins_of_the_hooks() -> None:
    log: list[str] = []

    @plain(log, "outer")
    @twin(log)
    async def handler(event: Any, context: Any) -> str:
        return "ok"

    @twin(log)
    async def failing(event: Any, context: Any) -> str:
        raise ValueError("boom")

    assert asyncio.run(handler({}, FakeContext())) == "ok"
    assert log == ["outer.before", "async.before", "async.after", "outer.after:ok"]
    log.clear()
    with pytest.raises(ValueError):
        asyncio.run(failing({}, FakeContext()))
    assert log == ["async.before", "async.on_error"]


def test_a_sync_function_keeps_the_sync_hooks_of_a_layer_with_async_twins() -> None:
    log: list[str] = []
    layer_of_both = twin(log)

    @layer_of_both
    def handler(event: Any, context: Any) -> str:
        return "ok"

    @layer_of_both  # one decorator object on both kinds of function
    async def async_handler(event: Any, context: Any) -> str:
        return "ok"

    assert handler({}, FakeContext()) == "ok"
    assert log == ["sync.before", "sync.after"]
    log.clear()
    assert asyncio.run(async_handler({}, FakeContext())) == "ok"
    assert log == ["async.before", "async.after"]


def test_an_async_twin_that_is_not_a_coroutine_function_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"twin: async_before must be an async function"):
        Middleware("twin", async_before=lambda call: None)  # type: ignore[arg-type,return-value]
