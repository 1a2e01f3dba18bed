"""Two ``inject_context`` layers stacked on one handler (two loggers, or one logger twice):
each keeps its own per-call state, so neither undoes or reuses what the other set up."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext
from tests.logging.conftest import Capture


def test_one_logger_stacked_twice_clears_the_invocation_keys_once(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    @log.inject_context
    def handler(event: Any, context: Any) -> str:
        log.append_keys(order_id=event["order_id"])
        log.info("inside")
        return "ok"

    assert handler({"order_id": "o-1"}, FakeContext()) == "ok"
    assert handler({"order_id": "o-2"}, FakeContext()) == "ok"
    log.info("outside")
    assert [line.get("order_id") for line in out.lines()] == ["o-1", "o-2", None]


@pytest.mark.parametrize("keeper_outside", [True, False], ids=["keeper-outer", "keeper-inner"])
def test_two_loggers_keep_their_own_key_scopes(keeper_outside: bool) -> None:
    kept_out, cleared_out = Capture(), Capture()
    keeper = Logger(service="keeper", stream=kept_out)
    clearer = Logger(service="clearer", stream=cleared_out)
    keep = keeper.inject_context(clear_keys=False)
    clear = clearer.inject_context(log_event=True)

    def handler(event: Any, context: Any) -> str:
        if "tenant" in event:
            keeper.append_keys(tenant=event["tenant"])
            clearer.append_keys(tenant=event["tenant"])
        keeper.info("k")
        clearer.info("c")
        return "ok"

    wrapped = keep(clear(handler)) if keeper_outside else clear(keep(handler))
    assert wrapped({"tenant": "t-1"}, FakeContext()) == "ok"
    assert wrapped({}, FakeContext()) == "ok"
    # clear_keys=False: the keeper's key outlives the invocation; the clearer's does not.
    assert [line.get("tenant") for line in kept_out.lines()] == ["t-1", "t-1"]
    cleared = cleared_out.lines()
    assert [line["message"] for line in cleared] == ["incoming event", "c", "incoming event", "c"]
    assert [line.get("tenant") for line in cleared] == [None, "t-1", None, None]


def test_two_loggers_each_log_the_handler_error_and_it_propagates_unchanged() -> None:
    first_out, second_out = Capture(), Capture()
    first = Logger(service="first", stream=first_out)
    second = Logger(service="second", stream=second_out)

    @first.inject_context
    @second.inject_context
    def handler(event: Any, context: Any) -> None:
        raise ValueError("declined")

    with pytest.raises(ValueError, match="declined"):
        handler({}, FakeContext(aws_request_id="req-9"))
    for out in (first_out, second_out):
        [line] = out.lines()
        assert line["message"] == "handler raised ValueError"
        assert line["correlation_id"] == "req-9"


def test_each_of_two_buffering_loggers_flushes_its_own_lines_on_error() -> None:
    first_out, second_out = Capture(), Capture()
    first = Logger(service="first", level="INFO", buffer_size=10, stream=first_out)
    second = Logger(service="second", level="INFO", buffer_size=10, stream=second_out)

    @first.inject_context
    @second.inject_context
    def handler(event: Any, context: Any) -> None:
        first.debug("first trail")
        second.debug("second trail")
        if event.get("fail"):
            raise ValueError("declined")

    handler({}, FakeContext())
    assert first_out.lines() == [] and second_out.lines() == []
    with pytest.raises(ValueError):
        handler({"fail": True}, FakeContext())
    assert [line["message"] for line in first_out.lines()] == ["first trail", "handler raised ValueError"]
    assert [line["message"] for line in second_out.lines()] == ["second trail", "handler raised ValueError"]
