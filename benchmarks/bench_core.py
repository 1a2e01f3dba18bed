"""Foundation scenarios: cold import of the package, and the middleware core's cost."""

from __future__ import annotations

from typing import Any

from _harness import Scenario, cold_import, per_call

from lambda_toolkit.core import Middleware, middleware
from lambda_toolkit.testing import FakeContext

EVENT: dict[str, Any] = {"order_id": "o-1"}
CONTEXT = FakeContext(timeout_ms=900_000)
LAYERS = 3


def _bare(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return event


def _ours_stacked() -> Any:
    @middleware
    def noop() -> Middleware:
        return Middleware("noop", before=lambda call: None, after=lambda call: None)

    handler = _bare
    for _ in range(LAYERS):
        handler = noop(handler)
    return handler


def _theirs_stacked() -> Any:
    from aws_lambda_powertools.middleware_factory import lambda_handler_decorator

    @lambda_handler_decorator
    def noop(handler: Any, event: Any, context: Any) -> Any:
        return handler(event, context)

    handler = _bare
    for _ in range(LAYERS):
        handler = noop(handler)
    return handler


def _per_layer_us(stacked: Any) -> float:
    bare = per_call(lambda: _bare(EVENT, CONTEXT))
    total = per_call(lambda: stacked(EVENT, CONTEXT))
    return (total - bare) / LAYERS * 1e6


def scenarios() -> list[Scenario]:
    ours = _ours_stacked()
    theirs = _theirs_stacked()
    return [
        Scenario(
            "cold import: import lambda_toolkit vs aws_lambda_powertools",
            "ms",
            lambda: cold_import("import lambda_toolkit") * 1e3,
            lambda: cold_import("import aws_lambda_powertools") * 1e3,
            goal="lower",
        ),
        Scenario(
            "middleware core: overhead per no-op layer (3 stacked)",
            "µs/layer",
            lambda: _per_layer_us(ours),
            lambda: _per_layer_us(theirs),
            goal="< 5 µs",
            extra={"bare handler call (no middleware)": lambda: per_call(lambda: _bare(EVENT, CONTEXT)) * 1e6},
        ),
        Scenario(
            "middleware core: whole invocation under 3 no-op layers",
            "µs",
            lambda: per_call(lambda: ours(EVENT, CONTEXT)) * 1e6,
            lambda: per_call(lambda: theirs(EVENT, CONTEXT)) * 1e6,
        ),
    ]
