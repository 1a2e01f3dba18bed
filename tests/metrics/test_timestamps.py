"""An explicit timestamp per document, checked against the window the backend accepts
(CloudWatch: two weeks in the past to two hours in the future) at the call that sets it."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from lambda_toolkit.metrics import Metrics, MetricsError, MetricTimestampError, MetricValidationError
from lambda_toolkit.testing import FakeContext
from tests.metrics.conftest import EMFStream

DAY = 86400.0


def metrics_on(stream: EMFStream) -> Metrics:
    return Metrics(namespace="Orders", service="orders", stream=stream)


def test_an_invocation_dated_explicitly(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    when = datetime.now(timezone.utc) - timedelta(days=3)

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> None:
        if event.get("backfill"):
            metrics.set_timestamp(when)
        metrics.add_metric("OrdersImported", "Count", 10)

    handler({"backfill": True}, FakeContext())
    handler({}, FakeContext())  # the next invocation is dated at its flush again
    first, second = stream.documents()
    assert first["_aws"]["Timestamp"] == int(when.timestamp() * 1000)
    assert abs(second["_aws"]["Timestamp"] - time.time() * 1000) < DAY * 1000


def test_a_number_is_seconds_since_the_epoch(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    seconds = time.time() - 3600.5
    metrics.set_timestamp(seconds)
    metrics.add_metric("Orders", "Count", 1)
    metrics.flush()
    assert stream.documents()[0]["_aws"]["Timestamp"] == int(seconds * 1000)


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (-15 * DAY, "set_timestamp: timestamp is more than 14 days in the past"),
        (3 * 3600.0, "set_timestamp: timestamp is more than 2 hours in the future"),
    ],
)
def test_a_timestamp_outside_cloudwatchs_window_is_refused(stream: EMFStream, offset: float, message: str) -> None:
    metrics = metrics_on(stream)
    with pytest.raises(MetricTimestampError, match=message) as raised:
        metrics.set_timestamp(time.time() + offset)
    assert raised.value.rule == "timestamp within the provider's accepted window"
    assert isinstance(raised.value, MetricValidationError)


def test_the_edges_of_the_window_are_accepted(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.set_timestamp(time.time() - 13.9 * DAY)
    metrics.set_timestamp(time.time() + 1.9 * 3600)


def test_milliseconds_given_for_seconds_are_named_in_the_error(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    with pytest.raises(MetricTimestampError, match="seconds since the epoch, not milliseconds"):
        metrics.set_timestamp(time.time() * 1000)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (datetime.now(), "naive datetime; give it a timezone"),  # naive: the case under test
        ("2026-01-01", "timezone-aware datetime or a finite number of seconds since the epoch, got str"),
        (float("nan"), "finite number of seconds"),
        (True, "got bool"),
    ],
)
def test_what_is_not_a_timestamp_is_refused(stream: EMFStream, value: object, message: str) -> None:
    metrics = metrics_on(stream)
    with pytest.raises(MetricTimestampError, match=message):
        metrics.set_timestamp(value)  # type: ignore[arg-type]


def test_the_error_never_shows_the_timestamp(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    when = datetime(2001, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    with pytest.raises(MetricsError) as raised:
        metrics.set_timestamp(when)
    assert "2001" not in str(raised.value)
    assert str(int(when.timestamp())) not in str(raised.value)
