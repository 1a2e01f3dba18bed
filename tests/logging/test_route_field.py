"""The ``route`` key: the HTTP route template the invocation serves, from the core state."""

from __future__ import annotations

from typing import Any

from lambda_toolkit.core import current_invocation
from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext
from tests.logging.conftest import Capture


def test_lines_carry_the_route_once_one_is_set(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.info("before routing")
        invocation = current_invocation()
        assert invocation is not None
        invocation.route = "GET /orders/{order_id}"  # what lambda_toolkit.http's App sets
        log.info("in the route", extra={"route": "not this one"})

    handler({}, FakeContext())
    first, second = out.lines()
    assert "route" not in first
    assert second["route"] == "GET /orders/{order_id}"


def test_the_route_is_not_carried_into_the_next_invocation(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        invocation = current_invocation()
        assert invocation is not None
        if event.get("route"):
            invocation.route = event["route"]
        log.info("x")

    handler({"route": "POST /orders"}, FakeContext())
    handler({}, FakeContext())
    assert [line.get("route") for line in out.lines()] == ["POST /orders", None]
