"""``datadog_fields``: the attributes Datadog correlates logs with traces and services by."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.logging import Logger, datadog_fields
from lambda_toolkit.logging._datadog import datadog_span_id, datadog_trace_id
from lambda_toolkit.testing import FakeContext
from tests.logging.conftest import Capture

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture(autouse=True)
def _no_dd_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DD_SERVICE", "DD_ENV", "DD_VERSION", "_X_AMZN_TRACE_ID"):
        monkeypatch.delenv(name, raising=False)


def _one_traced_line(out: Capture, monkeypatch: pytest.MonkeyPatch, header: str = TRACE) -> dict[str, Any]:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", header)
    log = Logger(service="orders", stream=out, processors=[datadog_fields])

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        log.info("inside")

    handler({}, FakeContext(function_name="orders-fn", aws_request_id="req-1"))
    return out.last()


def test_trace_and_span_ids_come_from_the_xray_header(out: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    line = _one_traced_line(out, monkeypatch)
    # low 63 bits of 0xbd862e3fe1be46a994272793 (the low 64 bits would be 16266516598257821587)
    assert line["dd"]["trace_id"] == "7043144561403045779"
    assert line["dd"]["span_id"] == "6023947403358210776"  # 0x53995c3f42cd8ad8
    assert line["dd"]["service"] == "orders"
    assert line["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"  # kept
    assert line["service"] == "orders"


def test_unified_service_tagging_variables(out: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_SERVICE", "orders-api")
    monkeypatch.setenv("DD_ENV", "prod")
    monkeypatch.setenv("DD_VERSION", "1.4.2")
    Logger(service="orders", stream=out, processors=[datadog_fields]).info("outside")
    line = out.last()
    assert line["dd"] == {"service": "orders-api", "env": "prod", "version": "1.4.2"}


def test_no_trace_ids_outside_a_traced_invocation(out: Capture) -> None:
    Logger(service="orders", stream=out, processors=[datadog_fields]).info("outside")
    assert out.last()["dd"] == {"service": "orders"}


def test_no_span_id_without_a_parent(out: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    line = _one_traced_line(out, monkeypatch, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0")
    assert line["dd"]["trace_id"] == "7043144561403045779"
    assert "span_id" not in line["dd"]


def test_keys_under_dd_are_kept(out: Capture) -> None:
    Logger(service="orders", stream=out, processors=[datadog_fields]).info("x", dd={"team": "pay"})
    assert out.last()["dd"] == {"team": "pay", "service": "orders"}


@pytest.mark.parametrize("bad", ["", "1-5759e988", "1-5759e988-zz862e3fe1be46a994272793", "1-5759e988-abc"])
def test_malformed_xray_trace_ids_give_none(bad: str) -> None:
    assert datadog_trace_id(bad) is None


@pytest.mark.parametrize("bad", ["", "53995c3f", "53995c3f42cd8azz"])
def test_malformed_parent_ids_give_none(bad: str) -> None:
    assert datadog_span_id(bad) is None
