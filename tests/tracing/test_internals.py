"""The pieces behind the public API: backend interface, stand-in span, warnings, patch timing."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.testing import FakeContext
from lambda_toolkit.tracing import _runtime, _warn, patch, trace
from lambda_toolkit.tracing._backend import Backend, Span
from lambda_toolkit.tracing._header import TraceHeader, parse_trace_header
from lambda_toolkit.tracing._noop import NOOP_SPAN
from lambda_toolkit.tracing._sanitize import MetadataBudget, to_json_text
from tests.tracing.conftest import TraceIds, XRayDaemon


def test_both_backends_and_their_spans_implement_the_interface(lambda_env: TraceIds, otel: Any) -> None:
    from lambda_toolkit.tracing._otel import OTelBackend
    from lambda_toolkit.tracing._xray import XRayBackend

    for backend in (XRayBackend(), OTelBackend()):
        assert isinstance(backend, Backend)
        span = backend.begin("probe", handler=False)
        assert isinstance(span, Span)
        span.end()
    assert isinstance(NOOP_SPAN, Span)


def test_the_stand_in_span_records_nothing() -> None:
    NOOP_SPAN.put_annotation("k", "v")
    NOOP_SPAN.put_metadata("k", 1, "1", "ns")
    NOOP_SPAN.record_error(ValueError(), details=True)
    NOOP_SPAN.mark_timed_out()
    NOOP_SPAN.end()
    assert NOOP_SPAN.native is None
    assert repr(NOOP_SPAN) == "<NoopSpan>"


def test_warnings_stop_after_many_distinct_subjects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_warn, "_MAX_REMEMBERED", 2)
    assert _warn.warn_once("k", "a", "m")
    assert _warn.warn_once("k", "b", "m")
    assert not _warn.warn_once("k", "c", "m")
    assert not _warn.warn_once("k", "a", "m")


def test_the_trace_header_parser() -> None:
    header = parse_trace_header("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
    assert header == TraceHeader("1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", True)
    assert isinstance(header, TraceHeader)
    assert header.trace_id_hex == "5759e988bd862e3fe1be46a994272793"
    unsampled = parse_trace_header("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8")
    assert isinstance(unsampled, TraceHeader) and not unsampled.sampled
    assert parse_trace_header("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz") == "missing or invalid Parent"


def test_plain_json_metadata_is_kept_as_it_is() -> None:
    value = {"a": [1, 2.5, None, True, "x"]}
    data, text = to_json_text(value, "k")
    assert data is value
    assert text == '{"a":[1,2.5,null,true,"x"]}'


def test_the_budget_counts_bytes_as_sent_and_spans_that_cannot_be_weakly_referenced() -> None:
    budget = MetadataBudget(300)
    span = object()  # no weak reference possible: each value is capped on its own
    data, _ = budget.fit(span, "k", "é" * 200)  # sent as \u00e9 escapes: 6 bytes each
    assert data["truncated"] is True and data["bytes"] == 1202
    data, _ = budget.fit(span, "k", "x" * 200)
    assert data == "x" * 200


def test_a_model_whose_dump_fails_becomes_a_marker() -> None:
    class Broken:
        def model_dump(self, mode: str) -> Any:
            raise RuntimeError("no")

    data, _ = to_json_text({"m": Broken()}, "k")
    assert data == {"m": "<not serializable: Broken>"}


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, ...] | None] = []
        self.fail = fail

    def __call__(self, modules: tuple[str, ...] | None) -> None:
        self.calls.append(modules)
        if self.fail:
            raise RuntimeError("cannot patch")


@trace
def handler(event: Any, context: Any) -> str:
    return "ok"


def test_patching_waits_for_the_first_traced_call_then_happens_at_once(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambda_toolkit.tracing._xray import XRayBackend

    recorder = Recorder()
    monkeypatch.setattr(XRayBackend, "patch", lambda self, modules: recorder(modules))
    monkeypatch.delenv("_X_AMZN_TRACE_ID")  # the init phase: no header yet
    patch("boto3")
    patch()
    assert recorder.calls == []
    monkeypatch.setenv("_X_AMZN_TRACE_ID", lambda_env.header)
    assert handler({}, FakeContext()) == "ok"
    assert recorder.calls == [("boto3",), None]
    patch("requests", "requests")
    assert recorder.calls == [("boto3",), None, ("requests",)]


def test_a_failing_patch_warns_once_and_tracing_goes_on(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from lambda_toolkit.tracing._xray import XRayBackend

    failing = Recorder(fail=True)
    monkeypatch.setattr(XRayBackend, "patch", lambda self, modules: failing(modules))
    patch("boto3", eager=True)
    patch("boto3", eager=True)
    assert handler({}, FakeContext()) == "ok"
    assert len(xray_daemon.drain()) == 1
    warnings = [r.getMessage() for r in caplog.records if r.name == "lambda_toolkit.tracing"]
    assert warnings == ["lambda_toolkit.tracing: patching boto3 for X-Ray failed (RuntimeError: cannot patch)"]


def test_patch_after_a_failed_backend_start_is_dropped(lambda_env: TraceIds, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", "bad")
    patch("boto3", eager=True)
    patch("boto3")
    assert _runtime._backends == {"xray": None}
    assert _runtime._pending_patches == []
