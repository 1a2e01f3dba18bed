"""SnapStart: the ``restored`` key on the first invocation after a restore, sampling per copy."""

from __future__ import annotations

import random
from typing import Any

import pytest

from lambda_toolkit.core import snapstart
from lambda_toolkit.logging import Logger
from lambda_toolkit.testing import FakeContext, simulate_restore
from tests.logging.conftest import Capture


@pytest.fixture(autouse=True)
def _hooks_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapstart, "_disabled", False)
    monkeypatch.delenv("LAMBDA_TOOLKIT_SNAPSTART", raising=False)


def test_every_line_of_the_first_invocation_after_a_restore_says_restored(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.info("one")
        log.info("two", extra={"restored": "not this one"})

    handler({}, FakeContext())  # priming, during init
    simulate_restore()
    handler({}, FakeContext())
    handler({}, FakeContext())
    lines = out.lines()
    assert [line.get("restored") for line in lines] == [None, None, True, True, None, None]
    assert [line["cold_start"] for line in lines] == [True, True, True, True, False, False]


def test_without_a_restore_lines_have_no_restored_key(out: Capture) -> None:
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.info("x")

    handler({}, FakeContext())
    assert "restored" not in out.last()


def test_restored_copies_of_one_snapshot_sample_debug_logs_independently(
    out: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_SAMPLE_RATE", "0.5")
    log = Logger(service="orders", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.debug("sampled", extra={"n": event["n"]})

    def sampled_in_one_copy() -> set[int]:
        random.setstate(snapshot)  # each copy starts from the snapshot's memory
        simulate_restore()
        start = len(out.lines())
        for n in range(64):
            handler({"n": n}, FakeContext())
        return {line["n"] for line in out.lines()[start:] if line["message"] == "sampled"}

    random.seed(42)
    snapshot = random.getstate()
    first = sampled_in_one_copy()
    second = sampled_in_one_copy()
    assert 0 < len(first) < 64
    assert first != second
