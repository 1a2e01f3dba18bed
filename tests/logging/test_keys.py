"""Extra keys: logger-wide, per invocation, per ``with`` block; isolated across invocations,
threads and asyncio tasks."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext
from tests.logging.conftest import Capture


def test_keys_appended_outside_an_invocation_are_on_every_line(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    log.append_keys(region="eu-west-1")

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.info("inside")

    handler({}, FakeContext())
    handler({}, FakeContext())
    log.info("outside")
    assert [line["region"] for line in out.lines()] == ["eu-west-1"] * 3
    log.remove_keys("region")
    log.info("removed")
    assert "region" not in out.last()


def test_keys_appended_in_an_invocation_are_cleared_when_it_ends(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.info("before append")
        log.append_keys(order_id=event["order_id"])
        log.info("after append")

    handler({"order_id": "o-1"}, FakeContext())
    handler({"order_id": "o-2"}, FakeContext())
    log.info("outside")
    lines = out.lines()
    assert [line.get("order_id") for line in lines] == [None, "o-1", None, "o-2", None]


def test_clear_keys_false_keeps_them_for_the_next_invocation_of_this_thread(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context(clear_keys=False)
    def handler(event: Any, context: Any) -> None:
        if "tenant" in event:
            log.append_keys(tenant=event["tenant"])
        log.info("x")

    handler({"tenant": "t-1"}, FakeContext())
    handler({}, FakeContext())
    assert [line.get("tenant") for line in out.lines()] == ["t-1", "t-1"]


def test_remove_and_clear_inside_an_invocation_do_not_touch_other_invocations(out: Capture) -> None:
    log = Logger(service="orders", stream=out, team="payments")

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.append_keys(step="one")
        log.remove_keys("team")
        log.info("removed")
        log.clear_keys()
        log.info("cleared")

    handler({}, FakeContext())
    log.info("outside")
    removed, cleared, outside = out.lines()
    assert "team" not in removed and removed["step"] == "one"
    assert "team" not in cleared and "step" not in cleared
    assert outside["team"] == "payments"


def test_clear_keys_outside_an_invocation_drops_the_shared_keys(out: Capture) -> None:
    log = Logger(service="orders", stream=out, team="payments")
    log.clear_keys()
    log.info("x")
    assert "team" not in out.last()


def test_scoped_keys_last_for_the_with_block(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    with log.scoped_keys(batch="b-1"):
        log.info("in")
        with log.scoped_keys(item="i-1"):
            log.info("nested")
            assert log.current_keys() == {"batch": "b-1", "item": "i-1"}
        log.info("back")
    log.info("out")
    lines = out.lines()
    assert [(line.get("batch"), line.get("item")) for line in lines] == [
        ("b-1", None),
        ("b-1", "i-1"),
        ("b-1", None),
        (None, None),
    ]


def test_remove_keys_also_removes_a_scoped_key(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    with log.scoped_keys(batch="b-1", keep="yes"):
        log.remove_keys("batch")
        log.info("x")
    assert "batch" not in out.last()
    assert out.last()["keep"] == "yes"


def test_keys_are_masked_when_set(out: Capture) -> None:
    log = Logger(service="orders", stream=out, api_key="k-123")
    with log.scoped_keys(session_token="s"):
        log.info("x")
    assert out.last()["api_key"] == "[REDACTED]"
    assert out.last()["session_token"] == "[REDACTED]"


def test_concurrent_invocations_on_threads_never_see_each_others_keys(out: Capture) -> None:
    log = Logger(service="orders", stream=out)
    barrier = threading.Barrier(4)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.append_keys(order_id=event["order_id"])
        barrier.wait()  # every thread has appended before any logs
        log.info("working", expected=event["order_id"])
        barrier.wait()

    threads = [
        threading.Thread(target=handler, args=({"order_id": f"o-{n}"}, FakeContext(aws_request_id=f"r-{n}")))
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = out.lines()
    assert len(lines) == 4
    for line in lines:
        assert line["order_id"] == line["expected"]
        assert line["correlation_id"] == "r-" + line["expected"][2:]


def test_concurrent_invocations_on_asyncio_tasks_never_see_each_others_keys(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    async def handler(event: Any, context: Any) -> None:
        log.append_keys(order_id=event["order_id"])
        with log.scoped_keys(step=event["order_id"]):
            await asyncio.sleep(0)  # let the other tasks run between append and log
            log.info("working", expected=event["order_id"])

    async def main() -> None:
        await asyncio.gather(*(handler({"order_id": f"o-{n}"}, FakeContext()) for n in range(5)))

    asyncio.run(main())
    lines = out.lines()
    assert len(lines) == 5
    for line in lines:
        assert line["order_id"] == line["expected"] == line["step"]


def test_a_thread_started_by_the_handler_sees_the_shared_keys(out: Capture) -> None:
    log = Logger(service="orders", stream=out, team="payments")
    thread = threading.Thread(target=lambda: log.info("worker"))
    thread.start()
    thread.join()
    assert out.last()["team"] == "payments"


def test_child_loggers_share_the_configuration(out: Capture) -> None:
    parent = Logger(service="shop", stream=out, level="DEBUG", team="core")
    child = Logger(service="shop", child=True)
    child.debug("from child")
    line = out.last()
    assert line["logger"] == __name__
    assert line["team"] == "core"
    named = parent.get_child("payments")
    named.info("x")
    assert out.last()["logger"] == "shop.payments"
    assert parent.getChild("db").name == "shop.db"
    child.append_keys(from_child="yes")
    parent.info("y")
    assert out.last()["from_child"] == "yes"


def test_a_child_created_before_its_parent_adopts_the_parents_configuration(out: Capture) -> None:
    child = Logger(service="early", child=True, name="early.module", level="DEBUG", region="x")
    Logger(service="early", stream=out, level="WARNING")
    child.info("filtered by the parent's level")
    child.warning("written")
    assert [line["message"] for line in out.lines()] == ["written"]
    assert out.last()["logger"] == "early.module"
    assert out.last()["region"] == "x"


def test_a_child_rejects_the_parents_options() -> None:
    from lambda_toolkit.core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="child logger takes only name, level and keys"):
        Logger(service="shop", child=True, stream=Capture())
    with pytest.raises(ConfigurationError, match="parent Logger"):
        Logger(service="shop", child=True, redact_paths=["a"])


def test_a_child_logger_can_decorate_handlers(out: Capture) -> None:
    parent = Logger(service="svc2", stream=out)
    child = parent.get_child("worker")

    @child.inject_context
    def handler(event: Any, context: Any) -> None:
        child.info("x")

    handler({}, FakeContext(aws_request_id="r-c"))
    assert out.last()["correlation_id"] == "r-c"


def test_scopes_left_in_another_context_are_reset_safely(out: Capture) -> None:
    import contextvars

    log = Logger(service="ctx", stream=out)
    scope = log.scoped_keys(step="one")
    entered = contextvars.copy_context()
    entered.run(scope.__enter__)
    contextvars.copy_context().run(scope.__exit__, None, None, None)  # a different context
    scope.__exit__(None, None, None)  # exiting twice does nothing
    keys = log._cfg.keys
    token = entered.run(keys.start_invocation)
    keys.end_invocation(token)  # the token belongs to the other context: falls back to a clean view
    assert keys.invocation.get() is None
    log.info("x")
    assert "step" not in out.last()
