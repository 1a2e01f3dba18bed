"""Fixtures for the tracing tests: a fake X-Ray daemon on UDP, a Lambda environment, OTel.

The X-Ray daemon protocol is one datagram per document: a JSON header line
``{"format":"json","version":1}``, a newline, then the segment or subsegment document.
``XRayDaemon`` is a UDP socket on 127.0.0.1 (free port) that collects those documents.
aws-xray-sdk keeps process-wide state (its recorder, its thread-local context): the
``lambda_env`` fixture gives every test a fresh context and a fresh trace header.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lambda_toolkit.tracing import _runtime

HEADER_LINE = '{"format":"json","version":1}'


class XRayDaemon:
    """Receives the documents aws-xray-sdk sends to AWS_XRAY_DAEMON_ADDRESS."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.headers: list[str] = []

    def _read(self, timeout: float | None) -> dict[str, Any] | None:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(70_000)
        except (BlockingIOError, TimeoutError):
            return None
        header, _, body = data.decode("utf-8").partition("\n")
        self.headers.append(header)
        return dict(json.loads(body))

    def drain(self) -> list[dict[str, Any]]:
        """Every document already received (loopback delivers during sendto)."""
        documents = []
        while (document := self._read(0.0)) is not None:
            documents.append(document)
        return documents

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """At least ``count`` documents (for senders on another process)."""
        documents = self.drain()
        while len(documents) < count:
            document = self._read(timeout)
            if document is None:
                break
            documents.append(document)
        return documents

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="session")
def xray_daemon() -> Iterator[XRayDaemon]:
    daemon = XRayDaemon()
    yield daemon
    daemon.close()


@dataclass
class TraceIds:
    root: str
    parent: str

    @property
    def header(self) -> str:
        return f"Root={self.root};Parent={self.parent};Sampled=1"


def new_trace_ids() -> TraceIds:
    return TraceIds(root=f"1-{os.urandom(4).hex()}-{os.urandom(12).hex()}", parent=os.urandom(8).hex())


@pytest.fixture(autouse=True)
def _fresh_tracing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "LAMBDA_TASK_ROOT",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_SAM_LOCAL",
        "AWS_XRAY_DAEMON_ADDRESS",
        _runtime.DISABLED_ENV,
        _runtime.BACKEND_ENV,
        _runtime.SERVICE_ENV,
        _runtime.METADATA_MAX_ENV,
    ):
        monkeypatch.delenv(name, raising=False)
    _runtime.reset_for_tests()
    yield
    _runtime.reset_for_tests()


@pytest.fixture
def lambda_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xray_daemon: XRayDaemon) -> Iterator[TraceIds]:
    """The environment the Lambda runtime sets for a function with active tracing."""
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.lambda_launcher import LambdaContext

    ids = new_trace_ids()
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", xray_daemon.address)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", ids.header)
    xray_recorder.context = LambdaContext()  # the SDK's per-thread state, fresh
    xray_daemon.drain()
    yield ids
    xray_recorder.context = LambdaContext()
    xray_daemon.drain()


@pytest.fixture(scope="session")
def span_exporter() -> Any:
    """An in-memory exporter on the global OpenTelemetry TracerProvider (set once per process)."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def otel(monkeypatch: pytest.MonkeyPatch, span_exporter: Any) -> Any:
    """The OpenTelemetry backend selected by environment variable, and a clean exporter."""
    monkeypatch.setenv(_runtime.BACKEND_ENV, "otel")
    span_exporter.clear()
    yield span_exporter
    span_exporter.clear()
