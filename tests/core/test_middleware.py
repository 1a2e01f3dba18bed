"""The middleware engine: bare and configured use, onion order, early answers, errors."""

from __future__ import annotations

import asyncio
import functools
import inspect
from typing import Any

import pytest

from lambda_toolkit.core import (
    Call,
    ConfigurationError,
    InvalidContextError,
    InvalidEventError,
    Middleware,
    MiddlewareDecorator,
    current_invocation,
    middleware,
)
from lambda_toolkit.testing import FakeContext


class Recorder:
    """``Recorder(log).record``: a middleware decorator that writes what it sees into ``log``.

    A method made into a decorator in ``__init__``, so that mypy keeps the builder's options
    (``name``, ``answer=``, ``recover=``, ``fail_in=``) in the decorator's type.
    """

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.record = MiddlewareDecorator(self._record, name="record")

    def _record(self, name: str = "m", *, answer: Any = None, recover: Any = None, fail_in: str = "") -> Middleware:
        log = self.log

        def before(call: Call) -> None:
            log.append(f"{name}.before")
            if fail_in == "before":
                raise RuntimeError(f"{name} before failed")
            if answer is not None:
                call.respond(answer)

        def after(call: Call) -> None:
            log.append(f"{name}.after:{call.response}")
            if fail_in == "after":
                raise RuntimeError(f"{name} after failed")

        def on_error(call: Call) -> None:
            log.append(f"{name}.on_error:{call.error}")
            if recover is not None:
                call.respond(recover)

        return Middleware(name, before=before, after=after, on_error=on_error)


def test_bare_and_configured_use_give_the_same_layer() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record
    def bare(event: dict[str, Any], context: Any) -> str:
        return "ok"

    @record("named")
    def configured(event: dict[str, Any], context: Any) -> str:
        return "ok"

    assert bare({}, FakeContext()) == "ok"
    assert configured({}, FakeContext()) == "ok"
    assert log == ["m.before", "m.after:ok", "named.before", "named.after:ok"]


def test_wrapped_function_keeps_name_doc_and_signature() -> None:
    record = Recorder([]).record

    def handler(event: dict[str, Any], context: Any, *, extra: int = 1) -> str:
        """Handle the thing."""
        return "ok"

    wrapped = record(record("inner")(handler))
    assert wrapped.__name__ == "handler"
    assert wrapped.__doc__ == "Handle the thing."
    assert inspect.signature(wrapped) == inspect.signature(handler)


def test_stacked_layers_run_as_an_onion() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record("outer")
    @record("middle")
    @record("inner")
    def handler(event: dict[str, Any], context: Any) -> str:
        log.append("handler")
        return "ok"

    assert handler({}, FakeContext()) == "ok"
    assert log == [
        "outer.before",
        "middle.before",
        "inner.before",
        "handler",
        "inner.after:ok",
        "middle.after:ok",
        "outer.after:ok",
    ]


def test_an_early_answer_skips_the_handler_and_inner_layers() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record("outer")
    @record("cache", answer="cached")
    @record("inner")
    def handler(event: dict[str, Any], context: Any) -> str:
        log.append("handler")
        return "fresh"

    assert handler({}, FakeContext()) == "cached"
    assert log == ["outer.before", "cache.before", "outer.after:cached"]


def test_errors_run_on_error_hooks_inside_out_and_propagate() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record("outer")
    @record("inner")
    def handler(event: dict[str, Any], context: Any) -> str:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        handler({}, FakeContext())
    assert log == ["outer.before", "inner.before", "inner.on_error:boom", "outer.on_error:boom"]


def test_an_on_error_hook_can_recover_and_outer_layers_see_a_response() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record("outer")
    @record("rescuer", recover={"statusCode": 500})
    @record("inner")
    def handler(event: dict[str, Any], context: Any) -> Any:  # a recovered call answers what the layer gives
        raise ValueError("boom")

    assert handler({}, FakeContext()) == {"statusCode": 500}
    assert log == [
        "outer.before",
        "rescuer.before",
        "inner.before",
        "inner.on_error:boom",
        "rescuer.on_error:boom",
        "outer.after:{'statusCode': 500}",
    ]


def test_a_failing_before_hook_reaches_only_the_outer_layers() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record("outer")
    @record("broken", fail_in="before")
    @record("inner")
    def handler(event: dict[str, Any], context: Any) -> str:
        log.append("handler")
        return "ok"

    with pytest.raises(RuntimeError, match="broken before failed"):
        handler({}, FakeContext())
    assert log == ["outer.before", "broken.before", "outer.on_error:broken before failed"]


def test_a_failing_after_hook_turns_into_an_error_for_outer_layers() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record("outer")
    @record("broken", fail_in="after")
    def handler(event: dict[str, Any], context: Any) -> str:
        return "ok"

    with pytest.raises(RuntimeError, match="broken after failed"):
        handler({}, FakeContext())
    assert log[-1] == "outer.on_error:broken after failed"


def test_layers_stay_separate_wrappers_only_when_a_layer_replaces_the_call() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @middleware
    def per_item() -> Middleware:
        def before(call: Call) -> None:
            call.respond([call.target(item) for item in call.event["items"]])

        return Middleware("per_item", before=before, replaces_call=True)

    @record("outer")
    @per_item
    @record("item")
    def handler(item: int) -> int:
        return item * 2

    # per_item changes what the handler is called with: a decorator typed F -> F cannot say so.
    called_per_item: Any = handler
    assert called_per_item({"items": [1, 2]}, FakeContext()) == [2, 4]
    assert log == [
        "outer.before",
        "item.before",
        "item.after:2",
        "item.before",
        "item.after:4",
        "outer.after:[2, 4]",
    ]


def test_a_users_functools_wraps_wrapper_between_layers_still_runs() -> None:
    # functools.wraps copies the inner wrapper's attributes (its chain among them) into the
    # user's wrapper: the outer layer must wrap the user's wrapper, not flatten past it.
    log: list[str] = []
    record = Recorder(log).record

    @record("inner")
    def handler(event: Any, context: Any) -> str:
        log.append("handler")
        return "done"

    @functools.wraps(handler)
    def users_wrapper(event: Any, context: Any) -> str:
        log.append("users_wrapper")
        return handler(event, context)

    outer = record("outer")(users_wrapper)
    assert outer({}, FakeContext()) == "done"
    assert log == ["outer.before", "users_wrapper", "inner.before", "handler", "inner.after:done", "outer.after:done"]


def test_stacked_layers_still_flatten_into_one_wrapper() -> None:
    log: list[str] = []
    record = Recorder(log).record

    def handler(event: Any, context: Any) -> str:
        return "done"

    inner = record("inner")(handler)
    outer = record("outer")(inner)
    assert outer.__lambda_toolkit_target__ is handler  # type: ignore[attr-defined]
    assert outer({}, FakeContext()) == "done"
    assert log == ["outer.before", "inner.before", "inner.after:done", "outer.after:done"]


def test_async_handlers_run_hooks_and_errors() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record("outer")
    async def handler(event: dict[str, Any], context: Any) -> str:
        await asyncio.sleep(0)
        if event.get("fail"):
            raise KeyError("missing")
        return "ok"

    assert inspect.iscoroutinefunction(handler)
    assert asyncio.run(handler({}, FakeContext())) == "ok"
    with pytest.raises(KeyError):
        asyncio.run(handler({"fail": True}, FakeContext()))
    assert log == ["outer.before", "outer.after:ok", "outer.before", "outer.on_error:'missing'"]


def test_async_early_answer_and_recovery() -> None:
    record = Recorder([]).record

    @record("cache", answer="cached")
    async def cached(event: dict[str, Any], context: Any) -> str:
        raise AssertionError("not called")

    @record("rescuer", recover="rescued")
    async def failing(event: dict[str, Any], context: Any) -> str:
        raise ValueError("boom")

    assert asyncio.run(cached({}, FakeContext())) == "cached"
    assert asyncio.run(failing({}, FakeContext())) == "rescued"


def test_generator_functions_are_wrapped_lazily() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record("gen")
    def numbers(limit: int) -> Any:
        yield from range(limit)
        return "done"

    assert inspect.isgeneratorfunction(numbers)
    assert list(numbers(3)) == [0, 1, 2]
    assert log == ["gen.before", "gen.after:done"]


def test_plain_functions_and_methods_can_be_wrapped() -> None:
    log: list[str] = []
    record = Recorder(log).record

    class Service:
        @record("method")
        def total(self, a: int, b: int) -> int:
            return a + b

    assert Service().total(1, 2) == 3
    assert log == ["method.before", "method.after:3"]


def test_handler_calls_set_up_the_invocation_state() -> None:
    seen: list[Any] = []

    @middleware
    def spy() -> Middleware:
        def before(call: Call) -> None:
            seen.append((call.is_handler_call, call.event, call.invocation))

        return Middleware("spy", before=before)

    @spy
    def handler(event: dict[str, Any], context: Any) -> Any:
        return current_invocation()

    context = FakeContext(aws_request_id="req-1")
    invocation = handler({"a": 1}, context)
    assert invocation is seen[0][2]
    assert seen[0][:2] == (True, {"a": 1})
    assert invocation.request_id == "req-1"
    assert current_invocation() is None


def test_decorating_something_not_callable_is_a_configuration_error() -> None:
    record = Recorder([]).record
    with pytest.raises(ConfigurationError, match="can only decorate a callable, got int"):
        record("x")(42)  # type: ignore[type-var]


def test_a_misspelt_option_fails_at_setup() -> None:
    record = Recorder([]).record
    with pytest.raises(
        ConfigurationError,
        match=r"record: unknown option 'answr' \(did you mean 'answer'\?\); "
        "the options are name, answer, recover, fail_in",
    ):
        record(answr=1)  # type: ignore[call-overload]  # mypy sees the misspelling too


def test_bare_use_of_a_decorator_with_required_options_fails_at_setup() -> None:
    @middleware
    def needs_source(source: str) -> Middleware:
        return Middleware(source)

    with pytest.raises(ConfigurationError, match="needs_source: missing a required argument: 'source'"):

        @needs_source  # type: ignore[arg-type]  # mypy sees the missing option too
        def handler(event: Any, context: Any) -> None: ...


def test_handler_only_layers_reject_a_context_that_is_not_a_lambda_context() -> None:
    @middleware
    def strict() -> Middleware:
        return Middleware("strict", handler_only=True)

    @strict
    def handler(event: Any, context: Any) -> str:
        return "ok"

    with pytest.raises(InvalidContextError, match=r"strict: handler context of type object is not a Lambda context"):
        handler({}, object())
    with pytest.raises(InvalidContextError, match="handler must be called as handler"):
        handler({})  # type: ignore[call-arg]
    assert handler({}, FakeContext()) == "ok"


def test_partial_contexts_are_named_by_their_missing_attributes() -> None:
    @middleware
    def strict() -> Middleware:
        return Middleware("strict", handler_only=True)

    class HalfContext:
        aws_request_id = "r"

        def get_remaining_time_in_millis(self) -> int:
            return 1000

    @strict
    def handler(event: Any, context: Any) -> str:
        return "ok"

    with pytest.raises(InvalidContextError, match="missing function_name, function_version"):
        handler({}, HalfContext())


def test_layers_that_need_a_mapping_event_reject_other_events() -> None:
    @middleware
    def needs_mapping() -> Middleware:
        return Middleware("needs_mapping", mapping_event=True)

    @needs_mapping
    def handler(event: Any, context: Any) -> str:
        return "ok"

    with pytest.raises(InvalidEventError, match=r"event must be a mapping.*got list"):
        handler([1, 2], FakeContext())
    assert handler({}, FakeContext()) == "ok"


def test_decorator_has_a_readable_repr() -> None:
    assert repr(Recorder([]).record) == "<middleware decorator record>"


def test_generator_functions_cannot_be_handlers() -> None:
    @middleware
    def strict() -> Middleware:
        return Middleware("strict", handler_only=True)

    with pytest.raises(ConfigurationError, match="cannot decorate a generator function"):

        @strict
        def numbers() -> Any:
            yield 1


def test_callable_objects_and_partials_are_wrapped_by_their_kind() -> None:
    import functools

    log: list[str] = []
    record = Recorder(log).record

    class AsyncHandler:
        async def __call__(self, event: Any, context: Any) -> str:
            return "async object"

    class SyncHandler:
        def __call__(self, event: Any, context: Any) -> str:
            return "sync object"

    def numbers(limit: int) -> Any:
        yield from range(limit)

    assert asyncio.run(record(AsyncHandler())({}, FakeContext())) == "async object"
    assert record(SyncHandler())({}, FakeContext()) == "sync object"
    assert list(record(functools.partial(numbers, 2))()) == [0, 1]


def test_a_type_error_inside_a_builder_is_not_taken_for_a_bad_option() -> None:
    @middleware
    def broken(*, size: int = 1) -> Middleware:
        return Middleware("broken" + size)  # type: ignore[operator]

    with pytest.raises(TypeError, match="can only concatenate str"):
        broken(size=2)


def test_a_generator_closed_early_still_runs_the_after_hooks() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record("gen")
    def numbers() -> Any:
        yield from range(10)

    stream = numbers()
    assert next(stream) == 0
    stream.close()
    assert log == ["gen.before", "gen.after:None"]


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, SystemExit])
def test_a_base_exception_runs_the_on_error_hooks_and_always_propagates(interruption: type[BaseException]) -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record("outer", recover="swallowed?")
    @record("inner", fail_in="after")
    def handler(event: Any, context: Any) -> str:
        raise interruption()

    with pytest.raises(interruption):
        handler({}, FakeContext())
    assert log == ["outer.before", "inner.before", "inner.on_error:", "outer.on_error:"]


def test_a_cancelled_async_handler_lets_its_layers_clean_up() -> None:
    log: list[str] = []
    record = Recorder(log).record

    @record("layer")
    async def handler(event: Any, context: Any) -> str:
        await asyncio.sleep(10)
        return "never"

    async def main() -> None:
        task = asyncio.ensure_future(handler({}, FakeContext()))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert log == ["layer.before", "layer.on_error:"]


def test_a_failing_hook_during_clean_up_does_not_hide_the_interruption() -> None:
    @middleware
    def broken() -> Middleware:
        def on_error(call: Call) -> None:
            raise RuntimeError("hook failed")

        return Middleware("broken", on_error=on_error)

    @broken
    def handler(event: Any, context: Any) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        handler({}, FakeContext())
