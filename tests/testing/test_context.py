"""FakeContext and FakeClock, and the pytest plugin's fixtures."""

from __future__ import annotations

import time

import pytest

from lambda_toolkit.core import ConfigurationError, LambdaContext, check_context
from lambda_toolkit.testing import FakeClock, FakeContext


def test_fake_context_has_every_attribute_of_the_real_one() -> None:
    context = FakeContext(function_name="orders", memory_mb=512, aws_request_id="abc", region="eu-west-1")
    assert isinstance(context, LambdaContext)
    assert check_context(context) is context
    assert context.function_name == "orders"
    assert context.memory_limit_in_mb == "512"
    assert context.aws_request_id == "abc"
    assert context.invoked_function_arn == "arn:aws:lambda:eu-west-1:123456789012:function:orders"
    assert context.log_group_name == "/aws/lambda/orders"
    assert "[$LATEST]" in context.log_stream_name
    assert context.identity is None and context.client_context is None
    assert "orders" in repr(context)


def test_remaining_time_counts_down_on_a_controlled_clock() -> None:
    clock = FakeClock()
    context = FakeContext(timeout_ms=3000, clock=clock)
    assert context.get_remaining_time_in_millis() == 3000
    clock.advance(ms=1250)
    assert context.get_remaining_time_in_millis() == 1750
    clock.advance(seconds=5)
    assert context.get_remaining_time_in_millis() == 0


def test_remaining_time_counts_down_on_real_time() -> None:
    context = FakeContext(timeout_ms=1000)
    first = context.get_remaining_time_in_millis()
    time.sleep(0.05)
    second = context.get_remaining_time_in_millis()
    assert 900 < first <= 1000
    assert first - second >= 40


def test_request_ids_are_unique_by_default() -> None:
    assert FakeContext().aws_request_id != FakeContext().aws_request_id


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "3000"])
def test_bad_timeouts_and_memory_sizes_are_rejected(value: object) -> None:
    with pytest.raises(ConfigurationError, match="timeout_ms must be a positive integer"):
        FakeContext(timeout_ms=value)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="memory_mb must be a positive integer"):
        FakeContext(memory_mb=value)  # type: ignore[arg-type]


def test_the_fake_clock_never_moves_backward() -> None:
    with pytest.raises(ConfigurationError):
        FakeClock().advance(ms=-1)


def test_plugin_fixtures(lambda_context: FakeContext, fake_clock: FakeClock) -> None:
    assert lambda_context.get_remaining_time_in_millis() > 2500
    context = FakeContext(clock=fake_clock, timeout_ms=100)
    fake_clock.advance(ms=100)
    assert context.get_remaining_time_in_millis() == 0
