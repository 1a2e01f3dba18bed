"""Layers that change how the decorated function is called (``prepare`` and ``signature``),
and the option checks every decorator shares (``call_with_options``)."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lambda_toolkit.core import Call, ConfigurationError, Middleware, current_invocation, middleware
from lambda_toolkit.core.middleware import call_with_options
from lambda_toolkit.testing import FakeContext

ROOT = Path(__file__).resolve().parents[2]


def _each_item_signature(fn: Callable[..., Any]) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature(
        [inspect.Parameter("event", kind, annotation=dict), inspect.Parameter("context", kind)],
        return_annotation=list,
    )


def _one_argument(fn: Any) -> Any:
    if not callable(fn):
        raise ConfigurationError(f"each_item: needs a function, got {type(fn).__name__}")
    if len(inspect.signature(fn).parameters) not in (1, 2):  # the item, or self and the item
        raise ConfigurationError("each_item: the function must take one item")
    return fn


def _each_item_layer(*, key: str = "items") -> Middleware:
    """A function of one item becomes a handler ``(event, context)`` answering a list."""

    def before(call: Call) -> None:
        lead = call.args[:-2]  # a method's self
        call.respond([call.target(*lead, item) for item in call.event[key]])

    return Middleware(
        "each_item", before=before, handler_only=True, prepare=_one_argument, signature=_each_item_signature
    )


# The core types its decorators as keeping the signature they wrap; a layer presenting
# another one is typed by its author (batch declares a stub), here loosely.
each_item: Callable[..., Callable[..., Any]] = middleware(_each_item_layer)


def test_a_layer_presents_another_signature_than_the_function_it_wraps() -> None:
    def double(item: int) -> int:
        """Double one item."""
        return item * 2

    handler: Any = each_item(double)
    assert handler({"items": [1, 2]}, FakeContext()) == [2, 4]
    assert list(inspect.signature(handler).parameters) == ["event", "context"]
    assert handler.__annotations__ == {"event": dict, "return": list}
    assert handler.__wrapped__ is double
    assert (handler.__name__, handler.__doc__) == ("double", "Double one item.")
    assert repr(handler) == f"<each_item handler {double.__qualname__}>"


def test_the_presented_signature_is_only_built_when_asked_for() -> None:
    asked: list[str] = []

    def counting(fn: Callable[..., Any]) -> inspect.Signature:
        asked.append(fn.__name__)
        return _each_item_signature(fn)

    def lazy_layer() -> Middleware:
        return Middleware("lazy", before=lambda call: call.respond("ok"), signature=counting)

    lazy: Callable[..., Callable[..., Any]] = middleware(lazy_layer)

    @lazy
    def item_function(item: int) -> int:
        return item

    assert item_function({}, FakeContext()) == "ok"
    assert asked == []
    inspect.signature(item_function)
    assert asked == ["item_function"]


def test_prepare_checks_the_function_when_the_decorator_is_applied() -> None:
    with pytest.raises(ConfigurationError, match="each_item: the function must take one item"):

        @each_item
        def three(item: int, other: int, third: int) -> int:
            return item

    with pytest.raises(ConfigurationError, match="each_item: needs a function, got int"):
        each_item()(42)


def test_the_engine_calls_what_prepare_returns() -> None:
    calls: list[int] = []

    def adapter(fn: Any) -> Callable[..., Any]:
        def adapted(item: int) -> int:
            calls.append(item)
            return int(fn(item))

        return adapted

    def adapting_layer() -> Middleware:
        return Middleware(
            "adapting", before=lambda call: call.respond(call.target(call.event["item"])), prepare=adapter
        )

    adapting: Callable[..., Callable[..., Any]] = middleware(adapting_layer)  # handler(event, context)

    @adapting
    def handler(item: int) -> int:
        return item + 1

    assert handler({"item": 1}, FakeContext()) == 2
    assert calls == [1]


def test_a_presenting_handler_binds_as_a_method() -> None:
    class Worker:
        def __init__(self) -> None:
            self.seen: list[int] = []

        @each_item
        def handle(self, item: int) -> int:
            self.seen.append(item)
            return item + 1

    worker = Worker()
    assert worker.handle({"items": [1, 2]}, FakeContext()) == [2, 3]
    assert worker.seen == [1, 2]
    assert Worker.__dict__["handle"].__wrapped__.__name__ == "handle"


def test_outer_layers_flatten_on_top_and_layers_below_run_per_item() -> None:
    log: list[str] = []

    @middleware
    def spy(label: str) -> Middleware:
        def before(call: Call) -> None:
            log.append(f"{label} {call.args[0] if not call.is_handler_call else 'handler'}")

        def after(call: Call) -> None:
            log.append(f"{label} after {call.response}")

        return Middleware(label, before=before, after=after)

    @spy("outer")
    @each_item
    @spy("inner")
    def double(item: int) -> int:
        return item * 2

    assert double({"items": [1, 2]}, FakeContext()) == [2, 4]
    assert log == ["outer handler", "inner 1", "inner after 2", "inner 2", "inner after 4", "outer after [2, 4]"]
    assert list(inspect.signature(double).parameters) == ["event", "context"]


def test_the_presenting_handler_sets_up_the_invocation() -> None:
    seen: list[Any] = []

    @each_item
    def record(item: int) -> None:
        invocation = current_invocation()
        seen.append(invocation.request_id if invocation else None)

    record({"items": [1]}, FakeContext(aws_request_id="req-9"))
    assert seen == ["req-9"]


def test_call_with_options_names_a_misspelt_option_and_the_closest_one() -> None:
    def configure(*, concurrency: int = 1, deadline_ms: float = 0) -> int:
        return concurrency

    with pytest.raises(
        ConfigurationError,
        match=r"setup: unknown option 'concurency' \(did you mean 'concurrency'\?\); the options are concurrency, "
        "deadline_ms",
    ):
        call_with_options("setup", configure, concurency=2)  # type: ignore[call-arg]
    assert call_with_options("setup", configure, concurrency=2) == 2


def test_call_with_options_names_a_missing_option() -> None:
    def configure(source: str, *, concurrency: int = 1) -> str:
        return source

    with pytest.raises(ConfigurationError, match="setup: missing a required argument: 'source'"):
        call_with_options("setup", configure)  # type: ignore[call-arg]


def test_a_type_error_inside_the_setup_function_is_its_own() -> None:
    def configure(*, concurrency: int = 1) -> int:
        return len(concurrency)  # type: ignore[arg-type]

    with pytest.raises(TypeError, match="has no len"):
        call_with_options("setup", configure, concurrency=2)


# What mypy must refuse and accept about the factory's decorators (run in a subprocess:
# one file checked the way `make types` checks the package).
_TYPING_SNIPPET = """
from typing import Any
from lambda_toolkit.core import Middleware, middleware


@middleware
def needs_store(*, store: str) -> Middleware:
    return Middleware("needs_store")


@middleware
def optional(*, level: int = 1) -> Middleware:
    return Middleware("optional")


@middleware
def takes_model(model: type[Any] | None = None) -> Middleware:
    return Middleware("takes_model")


def handler(event: dict[str, Any], context: Any) -> int:
    return 1


class Order: ...


reveal_type(optional(handler))  # bare use of a decorator needing nothing: the handler's type
needs_store(handler)  # LINE_BARE_REQUIRED
reveal_type(needs_store(store="table")(handler))
reveal_type(takes_model(Order))  # a class alone is an option, as at run time
"""


def test_mypy_refuses_bare_use_of_a_decorator_that_needs_options(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(_TYPING_SNIPPET))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(snippet),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = textwrap.dedent(_TYPING_SNIPPET).splitlines()
    bare_line = next(i for i, line in enumerate(lines, 1) if "LINE_BARE_REQUIRED" in line)
    errors = {int(line.split(":")[1]) for line in result.stdout.splitlines() if ": error:" in line}
    assert errors == {bare_line}, result.stdout
    revealed = [line.split("Revealed type is ")[1] for line in result.stdout.splitlines() if "Revealed type" in line]
    handler_type = '"def (event: dict[str, Any], context: Any) -> int"'
    decorator_type = '"def [F <: def (*Any, **Any) -> Any] (F) -> F"'
    assert revealed == [handler_type, handler_type, decorator_type], result.stdout
