"""``Metrics``: record custom metrics in an invocation, write them as EMF at its end."""

from __future__ import annotations

import logging
import os
import sys
import time
from contextvars import ContextVar
from threading import Lock

from lambda_toolkit.core import Call, Middleware, middleware
from lambda_toolkit.core.env import env_bool
from lambda_toolkit.core.secrets import mask_secrets
from lambda_toolkit.metrics._emf import MetricSeries, render
from lambda_toolkit.metrics._rules import (
    MAX_DIMENSIONS,
    MetricsConfigurationError,
    MetricsError,
    check_dimension,
    check_metric_name,
    check_namespace,
    check_resolution,
    check_unit,
    check_value,
)

# typing costs milliseconds at cold start (the Lambda runtime has not imported it).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

__all__ = ["Metrics"]

NAMESPACE_ENV = "LAMBDA_TOOLKIT_METRICS_NAMESPACE"
SERVICE_ENV = "LAMBDA_TOOLKIT_SERVICE"
DISABLED_ENV = "LAMBDA_TOOLKIT_METRICS_DISABLED"


class _Recording:
    """What one invocation (or one thread outside an invocation) has recorded."""

    __slots__ = ("dimensions", "lock", "metadata", "metrics")

    def __init__(self) -> None:
        self.metrics: dict[str, MetricSeries] = {}
        self.dimensions: dict[str, str] = {}
        self.metadata: dict[str, Any] = {}
        # Worker threads that copy the invocation's context share this recording.
        self.lock = Lock()


class Metrics:
    """Custom metrics written in CloudWatch's Embedded Metric Format.

    ``namespace`` and ``service`` default to the ``LAMBDA_TOOLKIT_METRICS_NAMESPACE`` and
    ``LAMBDA_TOOLKIT_SERVICE`` environment variables; ``service`` is a dimension of every
    metric. Documents go to ``stream`` (default: the process's stdout at the time of the
    write, which the Lambda runtime ships to CloudWatch Logs). ``enabled=False`` (or
    ``LAMBDA_TOOLKIT_METRICS_DISABLED=true``) validates everything but writes nothing.
    """

    def __init__(
        self,
        *,
        namespace: str | None = None,
        service: str | None = None,
        stream: IO[str] | None = None,
        enabled: bool | None = None,
    ) -> None:
        namespace = namespace if namespace is not None else os.environ.get(NAMESPACE_ENV)
        self.namespace = check_namespace(namespace) if namespace is not None else None
        self.service = service if service is not None else os.environ.get(SERVICE_ENV)
        self._stream = stream
        self.enabled = enabled if enabled is not None else not env_bool(DISABLED_ENV, False)
        self._persistent: dict[str, str] = {}
        self._checked: dict[tuple[str, str, int], tuple[str, int]] = {}
        if self.service:
            try:
                self._persistent["service"] = check_dimension("service", self.service)[1]
            except MetricsError as exc:  # the service is set up once: a setup error
                raise MetricsConfigurationError(f"Metrics: service: {exc}") from None
        self._recording: ContextVar[_Recording | None] = ContextVar(f"lambda_toolkit_metrics_{id(self)}", default=None)
        self.log_metrics = middleware(self._log_metrics_layer)
        self.log_metrics.__doc__ = self._log_metrics_layer.__doc__

    # -- recording -----------------------------------------------------------------

    def _current(self) -> _Recording:
        recording = self._recording.get()
        if recording is None:
            recording = _Recording()
            self._recording.set(recording)
        return recording

    def add_metric(self, name: str, unit: str, value: float, *, resolution: int = 60) -> None:
        """Record one value; values of the same metric in an invocation are aggregated.

        ``resolution=1`` stores the metric at high (1 second) resolution.
        """
        recording = self._recording.get() or self._current()
        hashable = type(name) is str and type(unit) is str and type(resolution) is int
        series = recording.metrics.get(name) if hashable else None
        # The hot path: a metric seen in this invocation, with the same unit/resolution.
        if series is not None and series.unit_given is unit and series.resolution == resolution:
            series.values.append(check_value(name, value))
            return
        number = check_value(name, value)
        known = self._checked.get((name, unit, resolution)) if hashable else None
        if known is None:
            check_metric_name(name)
            known = (check_unit(unit), check_resolution(name, resolution))
            self._require_namespace()
            if hashable and len(self._checked) < 1024:  # a function records a few metrics, over and over
                self._checked[(name, unit, resolution)] = known
        unit_name, seconds = known
        if name in recording.dimensions or name in self._persistent or name in recording.metadata:
            raise MetricsError(f"metric {name!r} has the name of a dimension or metadata key")
        # setdefault and append are atomic: worker threads sharing the recording lose no value.
        series = recording.metrics.setdefault(name, MetricSeries(unit_name, seconds, unit))
        if (series.unit, series.resolution) != (unit_name, seconds):
            raise MetricsError(
                f"metric {name!r} was recorded as {series.unit} at {series.resolution}s; got {unit_name} at {seconds}s"
            )
        series.values.append(number)

    def add_dimension(self, name: str, value: str) -> None:
        """Add a dimension for the metrics of the current invocation only."""
        name, value = check_dimension(name, value)
        recording = self._current()
        with recording.lock:
            self._check_dimension_room(name)
            recording.dimensions[name] = value

    def set_default_dimensions(self, **dimensions: str) -> None:
        """Add dimensions kept for every invocation of the process."""
        checked = dict(check_dimension(name, value) for name, value in dimensions.items())
        self._check_dimension_room(*checked)
        self._persistent.update(checked)

    def clear_default_dimensions(self) -> None:
        """Forget the persistent dimensions (the service dimension stays)."""
        self._persistent = {"service": self._persistent["service"]} if "service" in self._persistent else {}

    def add_metadata(self, key: str, value: Any) -> None:
        """Add a searchable key to the current invocation's documents (not a dimension)."""
        if not isinstance(key, str) or not key or key == "_aws":
            raise MetricsError("metadata key must be a non-empty string other than '_aws'")
        recording = self._current()
        with recording.lock:
            if key in recording.metrics or key in recording.dimensions or key in self._persistent:
                raise MetricsError(f"metadata key {key!r} has the name of a metric or dimension")
            recording.metadata[key] = mask_secrets(value)

    def _check_dimension_room(self, *new: str) -> None:
        recording = self._recording.get()
        if len(self._persistent) + (len(recording.dimensions) if recording else 0) + len(new) <= MAX_DIMENSIONS:
            return  # the usual case, without building the union
        names = set(self._persistent) | (set(recording.dimensions) if recording else set()) | set(new)
        if len(names) > MAX_DIMENSIONS:
            raise MetricsError(
                f"dimension(s) {', '.join(new)} would make {len(names)} dimensions; EMF allows {MAX_DIMENSIONS}"
            )

    def _require_namespace(self) -> str:
        if self.namespace is None:
            raise MetricsConfigurationError(f"no namespace: pass Metrics(namespace=...) or set {NAMESPACE_ENV}")
        return self.namespace

    # -- writing -------------------------------------------------------------------

    def flush(self) -> int:
        """Write what the current invocation (or thread) recorded; return the document count."""
        recording = self._recording.get()
        if recording is None or not recording.metrics:
            if recording is not None:
                self._recording.set(None)
            return 0
        self._recording.set(None)
        dimensions = {**self._persistent, **recording.dimensions} if recording.dimensions else self._persistent
        with recording.lock:
            documents = render(
                namespace=self._require_namespace(),
                dimensions=dimensions,
                metrics=recording.metrics,
                metadata=recording.metadata,
                timestamp_ms=int(time.time() * 1000),
            )
        self._write(documents)
        return len(documents)

    def _write(self, documents: list[str]) -> None:
        if not self.enabled:
            return
        stream = self._stream or sys.stdout
        stream.write(documents[0] + "\n" if len(documents) == 1 else "".join(line + "\n" for line in documents))
        stream.flush()

    def _cold_start_document(self, function_name: str) -> str:
        dimensions = {"function_name": function_name}
        if "service" in self._persistent:
            dimensions["service"] = self._persistent["service"]
        series = MetricSeries("Count", 60)
        series.values.append(1)
        return render(
            namespace=self._require_namespace(),
            dimensions=dimensions,
            metrics={"ColdStart": series},
            metadata={},
            timestamp_ms=int(time.time() * 1000),
        )[0]

    # -- the decorator -------------------------------------------------------------

    def _log_metrics_layer(self, capture_cold_start: bool = False, warn_when_empty: bool = False) -> Middleware:
        """Write the invocation's metrics once at its end, also when the handler raises.

        ``capture_cold_start`` writes a ``ColdStart`` metric (its own document, with the
        function name as dimension) on the first invocation of the sandbox;
        ``warn_when_empty`` logs a warning when an invocation recorded no metric.
        """
        self._require_namespace()

        recording = self._recording

        def before(call: Call) -> None:
            recording.set(None)  # nothing of an earlier invocation survives

        def before_with_cold_start(call: Call) -> None:
            recording.set(None)
            invocation = call.invocation
            if invocation is not None and invocation.cold_start:
                function_name = getattr(invocation.context, "function_name", "") or "unknown"
                self._write([self._cold_start_document(function_name)])

        def finish(call: Call) -> None:
            if self.flush() == 0 and warn_when_empty:
                logging.getLogger("lambda_toolkit.metrics").warning(
                    "no metrics were recorded in this invocation (namespace %s)", self.namespace
                )

        return Middleware(
            "log_metrics",
            before=before_with_cold_start if capture_cold_start else before,
            after=finish,
            on_error=finish,
        )
