"""Bad input never breaks the traced code: it is repaired or dropped, with one warning."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import logging
import uuid
from typing import Any

import pytest

from lambda_toolkit.testing import FakeContext
from lambda_toolkit.tracing import configure, put_annotation, put_metadata, trace
from tests.tracing.conftest import TraceIds, XRayDaemon

pytestmark = pytest.mark.integration


def tracing_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "lambda_toolkit.tracing"]


def run_traced(body: Any) -> Any:
    @trace
    def annotated(event: Any, context: Any) -> Any:
        body()
        return "result"

    return annotated({}, FakeContext())


def only_document(daemon: XRayDaemon) -> dict[str, Any]:
    [document] = daemon.drain()
    return document


class Colour(enum.Enum):
    RED = "red"


def test_annotation_keys_x_ray_rejects_are_repaired_with_one_warning(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, caplog: pytest.LogCaptureFixture
) -> None:
    def body() -> None:
        put_annotation("order-id", "o-1")
        put_annotation("order-id", "o-2")

    assert run_traced(body) == "result"
    assert only_document(xray_daemon)["annotations"]["order_id"] == "o-2"
    [warning] = tracing_warnings(caplog)
    assert "'order-id'" in warning and "'order_id'" in warning


@pytest.mark.parametrize(
    ("value", "recorded"),
    [
        (Colour.RED, "red"),
        (decimal.Decimal("12"), 12),
        (decimal.Decimal("1.5"), 1.5),
        (True, True),
        (2.5, 2.5),
    ],
)
def test_annotation_values_of_near_types_are_converted(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, value: Any, recorded: Any
) -> None:
    run_traced(lambda: put_annotation("value", value))
    assert only_document(xray_daemon)["annotations"]["value"] == recorded


@pytest.mark.parametrize("value", [{"a": 1}, [1], None, float("nan"), float("inf"), b"raw"])
def test_annotation_values_of_unsupported_types_are_dropped_with_one_warning(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, caplog: pytest.LogCaptureFixture, value: Any
) -> None:
    def body() -> None:
        put_annotation("bad", value)
        put_annotation("bad", value)
        put_annotation("good", "yes")

    assert run_traced(body) == "result"
    annotations = only_document(xray_daemon)["annotations"]
    assert "bad" not in annotations and annotations["good"] == "yes"
    [warning] = tracing_warnings(caplog)
    assert "'bad'" in warning and "dropped" in warning
    assert repr(value) not in warning or value is None  # values never appear in warnings


def test_long_annotation_strings_are_truncated_and_odd_keys_dropped(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, caplog: pytest.LogCaptureFixture
) -> None:
    def body() -> None:
        put_annotation("note", "x" * 1500)
        put_annotation(42, "v")  # type: ignore[arg-type]
        put_annotation("", "v")

    run_traced(body)
    annotations = only_document(xray_daemon)["annotations"]
    assert annotations["note"] == "x" * 1000
    assert set(annotations) == {"ColdStart", "Service", "note"}
    assert len(tracing_warnings(caplog)) == 3


@dataclasses.dataclass
class Line:
    sku: str
    quantity: int


class Opaque:
    pass


def test_metadata_is_converted_to_json(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    moment = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.timezone.utc)
    ident = uuid.UUID(int=7)
    value = {
        "when": moment,
        "day": moment.date(),
        "price": decimal.Decimal("9.99"),
        "count": decimal.Decimal("3"),
        "tags": {"a"},
        "pair": (1, 2),
        "line": Line("sku-1", 2),
        "id": ident,
        "colour": Colour.RED,
        "blob": b"\x00\x01",
        7: "int key",
        "nan": float("nan"),
        "error": ValueError("boom"),
    }
    run_traced(lambda: put_metadata("order", value))
    recorded = only_document(xray_daemon)["metadata"]["orders-fn"]["order"]
    assert recorded == {
        "when": "2026-11-27T12:00:00+00:00",
        "day": "2026-11-27",
        "price": 9.99,
        "count": 3,
        "tags": ["a"],
        "pair": [1, 2],
        "line": {"sku": "sku-1", "quantity": 2},
        "id": str(ident),
        "colour": "red",
        "blob": "<2 bytes>",
        "7": "int key",
        "nan": "nan",
        "error": {"type": "ValueError", "message": "boom"},
    }


def test_pydantic_models_are_dumped(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    import pydantic

    class Order(pydantic.BaseModel):
        id: str
        placed: datetime.date

    run_traced(lambda: put_metadata("order", [Order(id="o-1", placed=datetime.date(2026, 1, 2))]))
    assert only_document(xray_daemon)["metadata"]["orders-fn"]["order"] == [{"id": "o-1", "placed": "2026-01-02"}]


def test_unserializable_metadata_becomes_a_marker_with_one_warning(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, caplog: pytest.LogCaptureFixture
) -> None:
    cycle: list[Any] = [1]
    cycle.append(cycle)

    def body() -> None:
        put_metadata("thing", {"obj": Opaque()})
        put_metadata("thing", {"obj": Opaque()})
        put_metadata("cycle", cycle)

    assert run_traced(body) == "result"
    metadata = only_document(xray_daemon)["metadata"]["orders-fn"]
    assert metadata["thing"] == {"obj": "<not serializable: Opaque>"}
    assert metadata["cycle"] == [1, "<circular reference: list>"]
    warnings = tracing_warnings(caplog)
    assert len(warnings) == 2
    assert "'thing'" in warnings[0] and "Opaque" in warnings[0]


def test_deep_metadata_is_cut(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    deep: Any = "leaf"
    for _ in range(40):
        deep = {"d": deep, "o": Opaque()}
    run_traced(lambda: put_metadata("deep", deep))
    assert "nested too deep" in json.dumps(only_document(xray_daemon)["metadata"])


def test_large_metadata_is_capped_under_the_document_limit(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, caplog: pytest.LogCaptureFixture
) -> None:
    big = {"rows": ["r" * 100 for _ in range(2000)]}  # about 200 KB

    @trace
    def huge(event: Any, context: Any) -> Any:
        put_metadata("first", "small")
        return big

    assert huge({}, FakeContext()) is big
    [document] = xray_daemon.drain()
    assert len(json.dumps(document)) < 64 * 1024
    response = document["metadata"]["orders-fn"]["huge response"]
    assert response["truncated"] is True
    assert response["bytes"] == len(json.dumps(big, separators=(",", ":")))
    assert response["preview"].startswith('{"rows":["rrr')
    assert document["metadata"]["orders-fn"]["first"] == "small"
    assert any("huge response" in warning and "budget" in warning for warning in tracing_warnings(caplog))


def test_the_metadata_budget_is_shared_by_the_values_of_one_span(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(metadata_max_bytes=1000)

    def body() -> None:
        put_metadata("a", "x" * 600)
        put_metadata("b", "y" * 600)

    run_traced(body)
    metadata = only_document(xray_daemon)["metadata"]["orders-fn"]
    assert metadata["a"] == "x" * 600
    assert metadata["b"]["truncated"] is True


def test_the_metadata_budget_comes_from_the_environment(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_TRACE_METADATA_MAX_BYTES", "300")
    run_traced(lambda: put_metadata("a", "x" * 400))
    assert only_document(xray_daemon)["metadata"]["orders-fn"]["a"]["truncated"] is True


def test_a_bad_metadata_budget_in_the_environment_warns_and_keeps_the_default(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_TRACE_METADATA_MAX_BYTES", "lots")
    run_traced(lambda: put_metadata("a", "x" * 400))
    assert only_document(xray_daemon)["metadata"]["orders-fn"]["a"] == "x" * 400
    assert any("LAMBDA_TOOLKIT_TRACE_METADATA_MAX_BYTES" in warning for warning in tracing_warnings(caplog))


@pytest.mark.parametrize(("key", "namespace"), [(3, None), ("k", "AWS.internal"), ("k", "")])
def test_bad_metadata_keys_and_namespaces_are_dropped(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, caplog: pytest.LogCaptureFixture, key: Any, namespace: Any
) -> None:
    run_traced(lambda: put_metadata(key, "v", namespace=namespace))
    assert only_document(xray_daemon)["metadata"] == {"orders-fn": {"annotated response": "result"}}
    assert len(tracing_warnings(caplog)) == 1


def test_recording_outside_any_subsegment_warns_once(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, caplog: pytest.LogCaptureFixture
) -> None:
    put_annotation("k", "v")
    put_annotation("k", "v")
    put_metadata("k", "v")
    assert xray_daemon.drain() == []
    warnings = tracing_warnings(caplog)
    assert len(warnings) == 2
    assert all("outside any traced function" in warning for warning in warnings)


def test_a_backend_that_cannot_start_warns_once_and_the_handler_still_works(
    lambda_env: TraceIds, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", "not-an-address")
    assert run_traced(lambda: put_annotation("k", "v")) == "result"
    assert run_traced(lambda: None) == "result"
    [warning] = tracing_warnings(caplog)
    assert "xray tracing backend cannot start" in warning


def test_a_failing_sdk_never_changes_the_result(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from aws_xray_sdk.core.models.subsegment import Subsegment

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("sdk bug")

    monkeypatch.setattr(Subsegment, "put_annotation", broken)
    monkeypatch.setattr(Subsegment, "put_metadata", broken)
    monkeypatch.setattr(Subsegment, "add_fault_flag", broken)
    monkeypatch.setattr(Subsegment, "close", broken)
    error = LookupError("mine")

    @trace
    def fine(event: Any, context: Any) -> str:
        put_annotation("k", "v")
        return "result"

    @trace
    def failing(event: Any, context: Any) -> None:
        raise error

    assert fine({}, FakeContext()) == "result"
    with pytest.raises(LookupError) as raised:
        failing({}, FakeContext())
    assert raised.value is error
    assert {w.split("(")[0].strip() for w in tracing_warnings(caplog)} >= {
        "lambda_toolkit.tracing: recording an annotation failed",
        "lambda_toolkit.tracing: recording metadata 'fine response' failed",
        "lambda_toolkit.tracing: ending a span failed",
        "lambda_toolkit.tracing: recording an error on a span failed",
    }


def test_warnings_name_the_problem_not_the_value(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    run_traced(lambda: put_annotation("card", {"number": "4111111111111111"}))  # type: ignore[arg-type]
    assert "4111" not in caplog.text


class UnprintableError(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no str")


def test_an_exception_that_cannot_be_printed_is_still_recorded(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    error = UnprintableError()

    @trace
    def failing(event: Any, context: Any) -> None:
        raise error

    with pytest.raises(UnprintableError) as raised:
        failing({}, FakeContext())
    assert raised.value is error
    [document] = xray_daemon.drain()
    assert document["cause"]["exceptions"][0]["type"] == "UnprintableError"
    assert "message" not in document["cause"]["exceptions"][0]
    assert document["metadata"]["orders-fn"]["failing error"] == {"type": "UnprintableError", "message": ""}


def test_a_backend_that_fails_to_open_or_mark_a_span_changes_nothing(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from lambda_toolkit.core import current_invocation
    from lambda_toolkit.tracing import subsegment
    from lambda_toolkit.tracing._xray import XRayBackend, XRaySpan

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("sdk bug")

    @trace
    def guarded(event: Any, context: Any) -> str:
        invocation = current_invocation()
        assert invocation is not None
        invocation.interrupted = True
        return "fallback"

    monkeypatch.setattr(XRaySpan, "mark_timed_out", broken)
    assert guarded({}, FakeContext()) == "fallback"
    monkeypatch.setattr(XRayBackend, "begin", broken)
    assert guarded({}, FakeContext()) == "fallback"
    with subsegment("block") as segment:
        assert not segment.recording
    warnings = tracing_warnings(caplog)
    assert any("marking a timeout failed" in warning for warning in warnings)
    assert any("opening a subsegment failed" in warning for warning in warnings)
