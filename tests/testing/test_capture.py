"""capture_logs and capture_metrics: what the toolkit writes, parsed, whatever the stream."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from typing import Any

import pytest

from lambda_toolkit.logging import Logger
from lambda_toolkit.metrics import Metrics
from lambda_toolkit.testing import CapturedLogs, CapturedMetrics, FakeContext, capture_logs, capture_metrics


def test_every_logger_is_captured_whatever_its_stream(capsys: pytest.CaptureFixture[str]) -> None:
    own = io.StringIO()
    to_memory = Logger(service="capture-memory", stream=own)
    to_stdout = Logger(service="capture-stdout")
    with capture_logs() as logs:
        to_memory.info("one", order_id="o-1")
        to_stdout.warning("two")
    to_memory.info("after the block")
    assert isinstance(logs, CapturedLogs)
    assert logs.messages == ["one", "two"]
    assert [(line["service"], line["level"]) for line in logs] == [
        ("capture-memory", "INFO"),
        ("capture-stdout", "WARNING"),
    ]
    assert logs[0]["order_id"] == "o-1"
    # the lines still reach their streams
    assert [json.loads(text)["message"] for text in own.getvalue().splitlines()] == ["one", "after the block"]
    assert json.loads(capsys.readouterr().out)["message"] == "two"


def test_captured_lines_carry_the_invocation_and_can_be_filtered() -> None:
    log = Logger(service="capture-handler", stream=io.StringIO())

    @log.inject_context
    def handler(event: dict[str, Any], context: Any) -> None:
        log.append_keys(order_id=event["order_id"])
        log.info("paid")
        log.error("receipt failed")

    with capture_logs() as logs:
        handler({"order_id": "o-7"}, FakeContext(aws_request_id="r-7"))
    assert logs.where(level="ERROR", order_id="o-7") == [logs[1]]
    assert logs.where(function_request_id="r-7") == list(logs)
    assert logs.where(missing_key=None) == []


def test_captures_nest_and_see_other_threads() -> None:
    log = Logger(service="capture-threads", stream=io.StringIO())
    with capture_logs() as outer:
        log.info("before")
        with capture_logs() as inner:
            worker = threading.Thread(target=log.info, args=("from a thread",))
            worker.start()
            worker.join()
        log.info("after")
    assert outer.messages == ["before", "from a thread", "after"]
    assert inner.messages == ["from a thread"]


def test_the_writer_is_restored_when_the_last_capture_closes() -> None:
    from lambda_toolkit.logging._config import Config
    from lambda_toolkit.metrics._metrics import Metrics as MetricsClass

    original_log, original_metrics = Config.__dict__["write"], MetricsClass.__dict__["_write"]
    with pytest.raises(RuntimeError), capture_logs(), capture_metrics():
        raise RuntimeError("the block failed")
    assert Config.__dict__["write"] is original_log
    assert MetricsClass.__dict__["_write"] is original_metrics


def test_emf_documents_are_captured_with_accessors() -> None:
    stream = io.StringIO()
    metrics = Metrics(namespace="Shop", service="orders", stream=stream)

    @metrics.log_metrics(capture_cold_start=True)
    def handler(event: dict[str, Any], context: Any) -> None:
        metrics.add_dimension("channel", event["channel"])
        metrics.add_metric("OrdersPlaced", "Count", 1)
        metrics.add_metric("OrderValue", "None", event["value"])
        metrics.add_metric("OrderValue", "None", 2)

    with capture_metrics() as captured:
        handler({"channel": "web", "value": 10}, FakeContext(function_name="place-order"))
        handler({"channel": "app", "value": 5}, FakeContext(function_name="place-order"))
    assert isinstance(captured, CapturedMetrics)
    assert len(captured) == 3  # the cold start document, then one per invocation
    assert captured.names == ["ColdStart", "OrdersPlaced", "OrderValue"]
    assert captured.values("OrdersPlaced") == [1, 1]
    assert captured.values("OrderValue") == [10, 2, 5, 2]
    assert captured.values("OrderValue", channel="app") == [5, 2]
    assert captured.total("OrderValue", channel="web") == 12
    assert captured.values("OrderValue", channel="phone") == []
    assert captured.unit("OrdersPlaced") == "Count"
    assert captured.unit("Missing") is None
    assert captured.dimensions("OrdersPlaced") == [
        {"service": "orders", "channel": "web"},
        {"service": "orders", "channel": "app"},
    ]
    assert captured.dimensions("ColdStart") == [{"service": "orders", "function_name": "place-order"}]
    assert captured.namespaces == ["Shop"]
    # the documents still reach the stream
    assert [json.loads(text) for text in stream.getvalue().splitlines()] == list(captured)


def test_a_disabled_metrics_captures_nothing() -> None:
    metrics = Metrics(namespace="Shop", stream=io.StringIO(), enabled=False)
    with capture_metrics() as captured:
        metrics.add_metric("OrdersPlaced", "Count", 1)
        metrics.flush()
    assert captured == []


def test_importing_the_kit_imports_no_utility_nor_aws_library() -> None:
    code = (
        "import sys, lambda_toolkit.testing\n"
        "loaded = [m for m in ('boto3', 'botocore', 'moto', 'lambda_toolkit.logging', 'lambda_toolkit.metrics',"
        " 'lambda_toolkit.parameters') if m in sys.modules]\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
