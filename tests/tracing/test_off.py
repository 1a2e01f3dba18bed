"""When there is nothing to trace, everything is a near no-op that imports no tracing SDK."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.tracing import (
    Subsegment,
    configure,
    patch,
    put_annotation,
    put_metadata,
    subsegment,
    trace,
    tracing_active,
)
from tests.tracing.conftest import TraceIds, XRayDaemon

ROOT = Path(__file__).resolve().parents[2]
TRACING_SDKS = ("aws_xray_sdk", "opentelemetry", "boto3", "botocore", "wrapt")


def tracing_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "lambda_toolkit.tracing"]


@trace
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    put_annotation("order_id", "o-1")
    put_metadata("event", event)
    with subsegment("work") as segment:
        segment.put_annotation("step", 1)
        segment.put_metadata("detail", {"a": 1})
    return {"ok": True}


def test_outside_lambda_nothing_is_traced_and_nothing_warns(caplog: pytest.LogCaptureFixture) -> None:
    assert not tracing_active()
    assert handler({"a": 1}, FakeContext()) == {"ok": True}
    assert tracing_warnings(caplog) == []


def test_a_subsegment_outside_lambda_is_a_stand_in() -> None:
    with subsegment("work") as segment:
        assert isinstance(segment, Subsegment)
        assert not segment.recording
        assert "not recording" in repr(segment)


def test_errors_pass_through_untouched_when_off() -> None:
    error = ValueError("boom")

    @trace
    def failing(event: Any, context: Any) -> None:
        raise error

    with pytest.raises(ValueError) as raised:
        failing({}, FakeContext())
    assert raised.value is error
    with pytest.raises(ValueError), subsegment("block"):
        raise ValueError("inner")


@pytest.mark.parametrize(
    "switch_off",
    [
        lambda mp: mp.setenv("LAMBDA_TOOLKIT_TRACE_DISABLED", "true"),
        lambda mp: mp.setenv("LAMBDA_TOOLKIT_TRACE_DISABLED", " ON "),
        lambda mp: configure(disabled=True),
        lambda mp: mp.setenv(
            "_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"
        ),
        lambda mp: mp.setenv("AWS_SAM_LOCAL", "true"),
    ],
    ids=["env-disabled", "env-disabled-spaced", "configure-disabled", "not-sampled", "sam-local"],
)
def test_in_lambda_a_switched_off_or_unsampled_invocation_sends_nothing(
    lambda_env: TraceIds,
    xray_daemon: XRayDaemon,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    switch_off: Any,
) -> None:
    switch_off(monkeypatch)
    assert not tracing_active()
    assert handler({}, FakeContext()) == {"ok": True}
    assert xray_daemon.drain() == []
    assert tracing_warnings(caplog) == []


def test_configure_can_switch_tracing_back_on_over_the_environment(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_TRACE_DISABLED", "true")
    configure(disabled=False)
    assert tracing_active()
    handler({}, FakeContext())
    assert len(xray_daemon.drain()) == 2


def test_an_unreadable_disabled_switch_warns_once_and_turns_tracing_off(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_TRACE_DISABLED", "maybe")
    handler({}, FakeContext())
    handler({}, FakeContext())
    assert xray_daemon.drain() == []
    [warning] = tracing_warnings(caplog)
    assert "LAMBDA_TOOLKIT_TRACE_DISABLED must be true or false" in warning


def test_an_unknown_backend_in_the_environment_warns_once_and_turns_tracing_off(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_TRACE_BACKEND", "zipkin")
    handler({}, FakeContext())
    handler({}, FakeContext())
    assert xray_daemon.drain() == []
    [warning] = tracing_warnings(caplog)
    assert "LAMBDA_TOOLKIT_TRACE_BACKEND must be 'xray' or 'otel'" in warning


def test_a_missing_trace_header_in_an_invocation_warns_once(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("_X_AMZN_TRACE_ID")
    assert not tracing_active()  # at init (no invocation): no warning
    assert tracing_warnings(caplog) == []
    assert handler({}, FakeContext()) == {"ok": True}
    assert handler({}, FakeContext()) == {"ok": True}
    assert xray_daemon.drain() == []
    [warning] = tracing_warnings(caplog)
    assert "no X-Ray trace header" in warning


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", "missing or invalid Parent"),
        ("Parent=53995c3f42cd8ad8;Sampled=1", "missing or invalid Root"),
        ("Root=abc;Parent=53995c3f42cd8ad8;Sampled=1", "missing or invalid Root"),
        ("Root=1-5759e988-bd862e3fe1be46a994272793;garbage;Sampled=1", "a field without '='"),
        ("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;", "a field without '='"),
    ],
)
def test_a_malformed_trace_header_warns_once_without_echoing_it(
    lambda_env: TraceIds,
    xray_daemon: XRayDaemon,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    header: str,
    reason: str,
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", header)
    assert handler({}, FakeContext()) == {"ok": True}
    assert handler({}, FakeContext()) == {"ok": True}
    assert xray_daemon.drain() == []
    [warning] = tracing_warnings(caplog)
    assert reason in warning
    assert "5759e988" not in warning


def test_a_header_with_extra_fields_in_any_order_is_accepted(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "_X_AMZN_TRACE_ID", f"Sampled=1;Lineage=a87bd80c:0;Parent={lambda_env.parent};Root={lambda_env.root}"
    )
    handler({}, FakeContext())
    assert len(xray_daemon.drain()) == 2


@pytest.mark.parametrize(
    "options",
    [
        {"name": ""},
        {"name": 3},
        {"capture_response": "no"},
        {"capture_error": None},
        {"service": ""},
        {"colour": "red"},
    ],
)
def test_bad_decorator_options_fail_at_decoration(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="trace"):
        trace(**options)


@pytest.mark.parametrize(
    "options",
    [{"backend": "zipkin"}, {"backend": 1}, {"disabled": "yes"}, {"service": ""}, {"metadata_max_bytes": 10}],
)
def test_bad_configure_options_fail(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match=r"tracing\.configure"):
        configure(**options)


def test_a_subsegment_needs_a_name() -> None:
    with pytest.raises(ConfigurationError, match="name must be a non-empty str"):
        subsegment(" ")


def test_patch_rejects_unknown_and_missing_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="cannot patch 'flask'"):
        patch("flask")
    with pytest.raises(ConfigurationError, match="not installed: pymongo"):
        patch("pymongo")


def test_patch_outside_lambda_or_when_disabled_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    patch("boto3")  # outside Lambda
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("LAMBDA_TOOLKIT_TRACE_DISABLED", "1")
    patch("boto3", eager=True)
    from lambda_toolkit.tracing import _runtime

    assert _runtime._pending_patches == []
    assert _runtime._backends == {}


def run_child(code: str, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


CHILD = """
    import json, sys
    from lambda_toolkit.testing import FakeContext
    from lambda_toolkit.tracing import patch, put_annotation, put_metadata, subsegment, trace

    patch("boto3", "requests")

    @trace
    def handler(event, context):
        put_annotation("k", "v")
        put_metadata("k", {"v": 1})
        with subsegment("s") as seg:
            seg.put_annotation("a", 1)
        return {"ok": True}

    results = [handler({}, FakeContext()) for _ in range(3)]
    heavy = sorted({m.split(".")[0] for m in sys.modules} & set(SDKS))
    print(json.dumps({"results": results, "heavy": heavy}))
""".replace("SDKS", repr(TRACING_SDKS))


@pytest.mark.parametrize(
    "env",
    [
        {},
        {
            "LAMBDA_TASK_ROOT": "/var/task",
            "AWS_LAMBDA_FUNCTION_NAME": "f",
            "LAMBDA_TOOLKIT_TRACE_DISABLED": "true",
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        },
        {
            "LAMBDA_TASK_ROOT": "/var/task",
            "AWS_LAMBDA_FUNCTION_NAME": "f",
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
        },
        {"LAMBDA_TASK_ROOT": "/var/task", "AWS_LAMBDA_FUNCTION_NAME": "f"},
    ],
    ids=["outside-lambda", "disabled", "not-sampled", "no-header"],
)
def test_when_off_no_tracing_sdk_is_imported(env: dict[str, str]) -> None:
    child = run_child(CHILD, env)
    assert child["results"] == [{"ok": True}] * 3
    assert child["heavy"] == []


def test_importing_the_package_imports_no_tracing_sdk() -> None:
    child = run_child(
        "import json, sys, lambda_toolkit.tracing; "
        f"print(json.dumps({{'heavy': sorted(m for m in sys.modules if m.split('.')[0] in {TRACING_SDKS!r})}}))",
        {},
    )
    assert child["heavy"] == []
