"""``Metrics``: record custom metrics in an invocation, write them at its end.

Recording and validation live here; the output format is the provider's (EMF by default,
Datadog or OpenTelemetry on request, or any object with the ``MetricsProvider`` members).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from contextvars import ContextVar

from lambda_toolkit.core import Call, Middleware, middleware
from lambda_toolkit.core.env import env_bool, service_name
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.metrics._document import Document
from lambda_toolkit.metrics._emf import NAMESPACE_ENV, EMFProvider
from lambda_toolkit.metrics._model import MetricSeries, MetricSet
from lambda_toolkit.metrics._rules import (
    MetricsConfigurationError,
    MetricsError,
    check_dimension,
    check_resolution,
    check_timestamp,
    check_unit,
)

# typing costs milliseconds at cold start (the Lambda runtime has not imported it).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType
    from typing import IO, Any

    from lambda_toolkit.metrics._types import MetricsProvider, Timestamp

__all__ = ["Metrics", "SingleMetric"]

DISABLED_ENV = "LAMBDA_TOOLKIT_METRICS_DISABLED"


class Metrics:
    """Custom metrics, written at the end of each invocation by a provider.

    ``namespace`` defaults to the ``LAMBDA_TOOLKIT_METRICS_NAMESPACE`` environment variable;
    ``service`` is resolved as everywhere in the package (``core.env.service_name``:
    ``LAMBDA_TOOLKIT_SERVICE``, ``POWERTOOLS_SERVICE_NAME``, the function name, then
    ``"service"``) and is a dimension of every metric, as are ``default_dimensions``. ``provider`` is the output format:
    ``EMFProvider()`` (CloudWatch's Embedded Metric Format, the default),
    ``DatadogProvider()`` or ``OpenTelemetryProvider()``. Line formats go to ``stream``
    (default: the process's stdout at the time of the write, which the Lambda runtime
    ships to CloudWatch Logs). ``enabled=False`` (or ``LAMBDA_TOOLKIT_METRICS_DISABLED=true``)
    validates everything but sends nothing.
    """

    def __init__(
        self,
        *,
        namespace: str | None = None,
        service: str | None = None,
        provider: MetricsProvider | None = None,
        default_dimensions: Mapping[str, str] | None = None,
        stream: IO[str] | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.provider: MetricsProvider = provider if provider is not None else EMFProvider()
        namespace = namespace if namespace is not None else os.environ.get(NAMESPACE_ENV)
        self.namespace = self.provider.check_namespace(namespace) if namespace is not None else None
        try:
            self.service = service_name(service, option="Metrics: service")
        except ConfigurationError as exc:  # the utility's own configuration error, as for every option
            raise MetricsConfigurationError(str(exc)) from None
        self._stream = stream
        self.enabled = enabled if enabled is not None else not env_bool(DISABLED_ENV, False)
        self._persistent: dict[str, str] = {}
        self._recording: ContextVar[Document | None] = ContextVar(f"lambda_toolkit_metrics_{id(self)}", default=None)
        self._checked: dict[str, tuple[str, int, str, int]] = {}  # name -> unit, resolution as given and checked
        self._check_value = self.provider.check_value
        try:
            self._persistent["service"] = check_dimension("service", self.service)[1]
        except MetricsError as exc:  # the service is set up once: a setup error
            raise MetricsConfigurationError(f"Metrics: service: {exc}") from None
        if default_dimensions:
            try:
                self.set_default_dimensions(**default_dimensions)
            except MetricsError as exc:
                raise MetricsConfigurationError(f"Metrics: default_dimensions: {exc}") from None
        self.log_metrics = middleware(self._log_metrics_layer)
        self.log_metrics.__doc__ = self._log_metrics_layer.__doc__

    # -- recording -----------------------------------------------------------------

    def _current(self) -> Document:
        recording = self._recording.get()
        if recording is None:
            recording = Document()
            self._recording.set(recording)
        return recording

    def _definition(self, name: str, unit: str, resolution: int) -> tuple[str, int]:
        """The checked unit and resolution of a metric; the last shape of each name is kept
        (a function records a few metrics, over and over)."""
        self.provider.check_metric_name(name)
        unit_name, seconds = check_unit(unit), check_resolution(name, resolution)
        self._require_namespace()
        if type(unit) is str and type(resolution) is int and (len(self._checked) < 1024 or name in self._checked):
            self._checked[name] = (unit, resolution, unit_name, seconds)
        return unit_name, seconds

    def add_metric(self, name: str, unit: str, value: float, *, resolution: int = 60) -> None:
        """Record one value; values of the same metric in an invocation are aggregated.

        ``resolution=1`` stores the metric at high (1 second) resolution (EMF only).
        """
        recording = self._recording.get() or self._current()
        series = None
        known = None
        if type(name) is str:
            series = recording.metrics.get(name)
            # The hot path: a metric seen in this invocation, with the same unit/resolution.
            if series is not None and series.unit_given is unit and series.resolution == resolution:
                series.values.append(self._check_value(name, value))
                return
            known = self._checked.get(name)
        number = self._check_value(name, value)
        # The first value of a metric in an invocation: its checks are remembered per name.
        if known is not None and known[0] == unit and known[1] == resolution:
            unit_name, seconds = known[2], known[3]
        else:
            unit_name, seconds = self._definition(name, unit, resolution)
        if series is None:
            if (
                name in recording.dimensions
                or name in self._persistent
                or name in recording.metadata
                or name in recording.set_names
            ):
                raise MetricsError(f"metric {name!r} has the name of a dimension or metadata key")
            # setdefault and append are atomic: worker threads sharing the recording lose no value.
            series = recording.metrics.setdefault(name, MetricSeries(unit_name, seconds, unit))
        if series.unit != unit_name or series.resolution != seconds:
            raise MetricsError(
                f"metric {name!r} was recorded as {series.unit} at {series.resolution}s; got {unit_name} at {seconds}s"
            )
        series.values.append(number)

    def add_dimension(self, name: str, value: str) -> None:
        """Add a dimension to the current invocation's first dimension set."""
        self._current().add_dimension(self._persistent, name, value)

    def add_dimension_set(self, **dimensions: str) -> None:
        """Aggregate the current invocation's metrics by one more set of dimensions.

        The set holds the default dimensions too. A dimension has one value in all the
        sets of an invocation; the same set twice is refused (CloudWatch would count every
        value twice).
        """
        self._current().add_dimension_set(self._persistent, dimensions)

    def set_default_dimensions(self, **dimensions: str) -> None:
        """Add dimensions kept for every invocation of the process (and every set)."""
        checked = dict(check_dimension(name, value) for name, value in dimensions.items())
        merged = {**self._persistent, **checked}
        (self._recording.get() or Document()).check_sets(merged, tuple(checked))
        self._persistent.update(checked)

    def clear_default_dimensions(self) -> None:
        """Forget the persistent dimensions (the service dimension stays)."""
        self._persistent = {"service": self._persistent["service"]} if "service" in self._persistent else {}

    def add_metadata(self, key: str, value: Any) -> None:
        """Add a searchable key to the current invocation's documents (not a dimension)."""
        self._current().add_metadata(self._persistent, key, value)

    def set_timestamp(self, timestamp: Timestamp) -> None:
        """Date the current invocation's metrics: a timezone-aware ``datetime`` or seconds
        since the epoch, within what the provider's backend accepts (EMF: two weeks in the
        past to two hours in the future). Without it, they are dated at the flush."""
        recording = self._current()
        window = self.provider.timestamp_window
        recording.timestamp_ms = check_timestamp(timestamp, window, where="set_timestamp", now=time.time())

    def single_metric(
        self,
        name: str,
        unit: str,
        value: float,
        *,
        resolution: int = 60,
        dimensions: Mapping[str, str] | None = None,
        default_dimensions: bool = True,
        timestamp: Timestamp | None = None,
    ) -> SingleMetric:
        """A metric written in its own document, with its own dimensions, when the
        ``with`` block ends (also when it raises)::

            with metrics.single_metric("Retries", "Count", 1, dimensions={"queue": "orders"}) as metric:
                metric.add_dimension("reason", "throttled")

        The document holds the default dimensions (``service`` and ``default_dimensions``)
        unless ``default_dimensions=False``; never the invocation's ``add_dimension`` ones.
        """
        where = f"single_metric {name!r}: " if isinstance(name, str) else "single_metric: "
        document = Document(where, name if isinstance(name, str) else None)
        number = self._check_value(name, value)
        unit_name, seconds = self._definition(name, unit, resolution)
        series = MetricSeries(unit_name, seconds, unit)
        series.values.append(number)
        document.metrics[name] = series
        metric = SingleMetric(self, document, self._persistent if default_dimensions else {})
        if name in metric.defaults:
            raise MetricsError(f"{where}metric {name!r} has the name of a dimension")
        for dimension, dimension_value in (dimensions or {}).items():
            metric.add_dimension(dimension, dimension_value)
        if timestamp is not None:
            metric.set_timestamp(timestamp)
        return metric

    def _require_namespace(self) -> str | None:
        if self.namespace is None:
            return self.provider.check_namespace(None)  # raises when the provider needs one
        return self.namespace

    # -- writing -------------------------------------------------------------------

    def flush(self) -> int:
        """Send what the current invocation (or thread) recorded; return how many
        documents, lines or measurements the provider sent (0 when disabled)."""
        recording = self._recording.get()
        if recording is None or not recording.metrics:
            if recording is not None:
                self._recording.set(None)
            return 0
        self._recording.set(None)
        namespace = self.namespace if self.namespace is not None else self._require_namespace()
        with recording.lock:
            metric_set = recording.metric_set(namespace, self._persistent, int(time.time() * 1000))
        if not self.enabled:
            return 0
        return self.provider.publish([metric_set], self._write)

    def _publish(self, metric_sets: list[MetricSet]) -> int:
        if not self.enabled:
            return 0
        return self.provider.publish(metric_sets, self._write)

    def _write(self, lines: list[str]) -> None:
        if not self.enabled:
            return
        stream = self._stream or sys.stdout
        stream.write(lines[0] + "\n" if len(lines) == 1 else "".join(line + "\n" for line in lines))
        stream.flush()

    def _cold_start_set(self, function_name: str) -> MetricSet:
        dimensions = {"function_name": function_name}
        dimensions["service"] = self.service
        series = MetricSeries("Count", 60)
        series.values.append(1)
        return MetricSet(
            namespace=self._require_namespace(),
            dimensions=dimensions,
            dimension_sets=(tuple(dimensions),),
            metrics={"ColdStart": series},
            metadata={},
            timestamp_ms=int(time.time() * 1000),
        )

    # -- the decorator -------------------------------------------------------------

    def _log_metrics_layer(self, *, capture_cold_start: bool = False, warn_when_empty: bool = False) -> Middleware:
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
                self._publish([self._cold_start_set(function_name)])

        def finish(call: Call) -> None:
            self.flush()

        def finish_or_warn(call: Call) -> None:
            current = recording.get()
            if current is None or not current.metrics:
                logging.getLogger("lambda_toolkit.metrics").warning(
                    "no metrics were recorded in this invocation (namespace %s)", self.namespace
                )
            self.flush()

        after = finish_or_warn if warn_when_empty else finish
        return Middleware(
            "log_metrics",
            before=before_with_cold_start if capture_cold_start else before,
            after=after,
            on_error=after,
        )


class SingleMetric:
    """One metric in its own document, written when its ``with`` block ends.

    Given by ``Metrics.single_metric``; its dimensions, dimension sets, metadata and
    timestamp are its own, never the invocation's.
    """

    __slots__ = ("_document", "_metrics", "defaults")

    def __init__(self, metrics: Metrics, document: Document, defaults: dict[str, str]) -> None:
        self._metrics = metrics
        self._document = document
        self.defaults = defaults

    @property
    def name(self) -> str:
        """The metric's name."""
        return next(iter(self._document.metrics))

    def add_dimension(self, name: str, value: str) -> None:
        """Add a dimension to this metric's first dimension set."""
        self._document.add_dimension(self.defaults, name, value)

    def add_dimension_set(self, **dimensions: str) -> None:
        """Aggregate this metric by one more set of dimensions (see ``Metrics.add_dimension_set``)."""
        self._document.add_dimension_set(self.defaults, dimensions)

    def add_metadata(self, key: str, value: Any) -> None:
        """Add a searchable key to this metric's document."""
        self._document.add_metadata(self.defaults, key, value)

    def set_timestamp(self, timestamp: Timestamp) -> None:
        """Date this metric (see ``Metrics.set_timestamp``)."""
        document = self._document
        document.timestamp_ms = check_timestamp(
            timestamp,
            self._metrics.provider.timestamp_window,
            where=document.where.rstrip(": "),
            metric=document.metric,
            now=time.time(),
        )

    def __enter__(self) -> SingleMetric:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        metrics = self._metrics
        metric_set = self._document.metric_set(metrics._require_namespace(), self.defaults, int(time.time() * 1000))
        metrics._publish([metric_set])

    def __repr__(self) -> str:
        return f"<SingleMetric {self.name!r}>"
