"""``Metrics``: record custom metrics in an invocation, write them at its end.

Recording and validation live here; the output format is the provider's (EMF by default,
Datadog or OpenTelemetry on request, or any object with the ``MetricsProvider`` members).

In order: what a flush hands to a provider (``MetricSeries``, ``MetricSet``), the document
being recorded (``Document``: one per invocation, one per ``single_metric``) with the rules
a dimension set keeps, then ``Metrics``. One module rather than three: each module a
function imports costs it at cold start.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from contextvars import ContextVar
from threading import Lock

from lambda_toolkit.core import Call, Middleware, middleware
from lambda_toolkit.core.env import env_bool, service_name
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.secrets import mask_secrets
from lambda_toolkit.core.state import current_invocation
from lambda_toolkit.metrics._emf import NAMESPACE_ENV, EMFProvider
from lambda_toolkit.metrics._rules import (
    MAX_DIMENSIONS,
    MetricsConfigurationError,
    MetricsError,
    check_dimension,
    check_resolution,
    check_unit,
)

# typing costs milliseconds at cold start (the Lambda runtime has not imported it).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import IO, Any

    from lambda_toolkit.core.state import Invocation
    from lambda_toolkit.metrics._single import SingleMetric
    from lambda_toolkit.metrics._types import MetricsProvider, Timestamp

__all__ = ["Metrics"]

DISABLED_ENV = "LAMBDA_TOOLKIT_METRICS_DISABLED"


class MetricSeries:
    """The values of one metric within a document, with its unit and resolution.

    ``unit`` is CloudWatch's spelling (``"Milliseconds"``), ``resolution`` is 1 or 60
    seconds, ``values`` are finite numbers in the order recorded.
    """

    __slots__ = ("resolution", "unit", "unit_given", "values")

    def __init__(self, unit: str, resolution: int, unit_given: object = None) -> None:
        self.unit = unit
        self.resolution = resolution
        self.unit_given = unit_given if unit_given is not None else unit  # as the caller spelt it
        self.values: list[float | int] = []


class MetricSet:
    """Metrics written together: one invocation's, or one ``single_metric``'s.

    - ``namespace``: the ``Metrics`` namespace (``None`` when the provider needs none);
    - ``dimensions``: the value of every dimension used by any of the sets;
    - ``dimension_sets``: the sets of dimension names the metrics are aggregated by
      (EMF writes each; the first holds the default and ``add_dimension`` dimensions);
    - ``metrics``: series by metric name, in the order first recorded;
    - ``metadata``: keys written beside the metrics where the format has room for them;
    - ``timestamp_ms``: the time of the metrics, milliseconds since the epoch.
    """

    __slots__ = ("dimension_sets", "dimensions", "metadata", "metrics", "namespace", "timestamp_ms")

    def __init__(
        self,
        namespace: str | None,
        dimensions: dict[str, str],
        dimension_sets: tuple[tuple[str, ...], ...],
        metrics: dict[str, MetricSeries],
        metadata: dict[str, Any],
        timestamp_ms: int,
    ) -> None:
        self.namespace = namespace
        self.dimensions = dimensions
        self.dimension_sets = dimension_sets
        self.metrics = metrics
        self.metadata = metadata
        self.timestamp_ms = timestamp_ms

    def __repr__(self) -> str:
        sizes = f"{len(self.metrics)} metric(s), {len(self.dimension_sets)} dimension set(s)"
        return f"<MetricSet {self.namespace!r}: {sizes}>"


class Document:
    """What one invocation (or one ``single_metric``) has recorded so far.

    ``where`` prefixes the messages of its errors and ``metric`` names the metric they
    concern (a ``single_metric``'s); an invocation's document has neither. ``durable``:
    the durable function's invocation it records (None otherwise), asked whether it is
    replaying before a value is added.
    """

    __slots__ = (
        "dimension_sets",
        "dimensions",
        "durable",
        "lock",
        "metadata",
        "metric",
        "metrics",
        "set_names",
        "timestamp_ms",
        "where",
    )

    def __init__(self, where: str = "", metric: str | None = None) -> None:
        self.metrics: dict[str, MetricSeries] = {}
        self.dimensions: dict[str, str] = {}  # the first dimension set, beside the defaults
        self.dimension_sets: list[dict[str, str]] = []  # the further sets, beside the defaults
        self.set_names: set[str] = set()  # every name of the further sets, for quick checks
        self.metadata: dict[str, Any] = {}
        self.timestamp_ms: int | None = None
        self.where = where
        self.metric = metric
        self.durable: Invocation | None = None
        # Worker threads that copy the invocation's context share its document.
        self.lock = Lock()

    # -- dimensions ----------------------------------------------------------------

    def add_dimension(self, defaults: Mapping[str, str], name: object, value: object) -> None:
        name, value = check_dimension(name, value)
        with self.lock:
            self._refuse_taken_name("dimension", name)
            if self.dimension_sets:
                self._refuse_other_values({name: value}, self.dimension_sets)
                self.check_sets(defaults, (name,), primary=[*self.dimensions, name])
            elif len(defaults) + len(self.dimensions) >= MAX_DIMENSIONS:  # the usual case skips the union
                self.check_sets(defaults, (name,), primary=[*self.dimensions, name])
            self.dimensions[name] = value

    def add_dimension_set(self, defaults: Mapping[str, str], dimensions: Mapping[str, object]) -> None:
        if not dimensions:
            raise MetricsError(f"{self.where}add_dimension_set needs at least one dimension")
        checked: dict[str, str] = {}
        for name, value in dimensions.items():
            name, checked[name] = check_dimension(name, value)
        with self.lock:
            others = self.dimension_sets
            first = self.dimensions
            within_first_set = True  # no name of its own: it could be the first set again
            for name, value in checked.items():
                if name in self.metrics or name in self.metadata:
                    self._refuse_taken_name("dimension", name)
                if name in first:
                    if first[name] != value:
                        self._raise_other_value(name)
                elif name in defaults:
                    if defaults[name] != value:
                        self._raise_other_value(name)
                else:
                    within_first_set = False
            if others:
                self._refuse_other_values(checked, others)
                self.check_sets(defaults, tuple(checked), extras=[*others, checked])
            elif within_first_set or len(defaults) + len(checked) > MAX_DIMENSIONS:
                # Only then can the first further set break a rule.
                self.check_sets(defaults, tuple(checked), extras=[checked])
            others.append(checked)
            self.set_names.update(checked)

    def check_sets(
        self,
        defaults: Iterable[str],
        new: tuple[str, ...],
        *,
        primary: Iterable[str] | None = None,
        extras: Iterable[Iterable[str]] | None = None,
    ) -> None:
        """Check the dimension sets this document would have (``primary`` and ``extras``
        replace its own) with ``new`` just added; raise naming the rule broken.

        The errors are imported where they are raised: a function whose metrics keep the
        rules never loads them (cold start)."""
        default_names = frozenset(defaults)
        sets = [default_names.union(self.dimensions if primary is None else primary)]
        sets.extend(default_names.union(names) for names in (self.dimension_sets if extras is None else extras))
        seen: dict[frozenset[str], int] = {}
        for number, names in enumerate(sets, start=1):
            if len(names) > MAX_DIMENSIONS:
                from lambda_toolkit.metrics._validation import RULE_MAX_DIMENSIONS, DimensionLimitError

                raise DimensionLimitError(
                    f"{self.where}dimension(s) {', '.join(new)} would make {len(names)} dimensions; "
                    f"EMF allows {MAX_DIMENSIONS} in a dimension set (set {number})",
                    rule=RULE_MAX_DIMENSIONS,
                    metric=self.metric,
                )
            if names in seen:
                from lambda_toolkit.metrics._validation import RULE_DUPLICATE_DIMENSION_SET, DuplicateDimensionSetError

                raise DuplicateDimensionSetError(
                    f"{self.where}dimension set ({', '.join(sorted(names))}) is already set {seen[names]} of "
                    "this document; CloudWatch would count its values twice",
                    rule=RULE_DUPLICATE_DIMENSION_SET,
                    metric=self.metric,
                )
            seen[names] = number

    def _refuse_taken_name(self, kind: str, name: str) -> None:
        if name in self.metrics or name in self.metadata:
            raise MetricsError(f"{self.where}{kind} {name!r} has the name of a metric or metadata key")

    def _refuse_other_values(self, checked: Mapping[str, str], sets: Iterable[Mapping[str, str]]) -> None:
        for other in sets:
            for name, value in checked.items():
                if other.get(name, value) != value:
                    self._raise_other_value(name)

    def _raise_other_value(self, name: str) -> None:
        from lambda_toolkit.metrics._validation import RULE_DIMENSION_VALUE, MetricValidationError

        # The values are not shown: they may come from the payload.
        raise MetricValidationError(
            f"{self.where}dimension {name!r} already has another value in this document; "
            "a dimension has one value in all the sets of a document",
            rule=RULE_DIMENSION_VALUE,
            metric=self.metric,
        )

    def uses_dimension(self, name: str) -> bool:
        return name in self.dimensions or name in self.set_names

    # -- metadata ------------------------------------------------------------------

    def add_metadata(self, defaults: Mapping[str, str], key: object, value: object) -> None:
        if not isinstance(key, str) or not key or key == "_aws":
            raise MetricsError(f"{self.where}metadata key must be a non-empty string other than '_aws'")
        with self.lock:
            if key in self.metrics or key in defaults or self.uses_dimension(key):
                raise MetricsError(f"{self.where}metadata key {key!r} has the name of a metric or dimension")
            self.metadata[key] = mask_secrets(value)

    # -- the flush -----------------------------------------------------------------

    def metric_set(self, namespace: str | None, defaults: dict[str, str], now_ms: int) -> MetricSet:
        """The ``MetricSet`` a provider receives for this document."""
        timestamp_ms = self.timestamp_ms if self.timestamp_ms is not None else now_ms
        if not self.dimension_sets:
            values = {**defaults, **self.dimensions} if self.dimensions else defaults
            return MetricSet(namespace, values, (tuple(values),), self.metrics, self.metadata, timestamp_ms)
        values = {**defaults, **self.dimensions}
        sets = [tuple(values)]
        for other in self.dimension_sets:
            values.update(other)
            # A set's own names follow the defaults, once each.
            if defaults.keys().isdisjoint(other):
                sets.append((*defaults, *other))
            else:
                sets.append(tuple(dict.fromkeys([*defaults, *other])))
        return MetricSet(namespace, values, tuple(sets), self.metrics, self.metadata, timestamp_ms)


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
        self._durable_key = f"metrics.durable.{id(self)}"  # a durable invocation's document (see _current)
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
            invocation = current_invocation()
            if invocation is not None and invocation.durable is not None:
                # A durable function's map and parallel branches run on the SDK's threads
                # (without the handler's context variables): they share one document, kept
                # with the invocation, which the handler's flush writes.
                recording = invocation.data.setdefault(self._durable_key, Document())
                recording.durable = invocation
            else:
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

        ``resolution=1`` stores the metric at high (1 second) resolution (EMF only). In a
        durable function, a value added by code the SDK replays is not recorded again.
        """
        recording = self._recording.get() or self._current()
        durable = recording.durable
        if durable is not None and durable.replaying:
            return  # durable code being replayed: the invocation that first ran it counted this value
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
        # A new dict, never an update: metric sets already handed to a provider keep theirs.
        self._persistent = merged

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
        from lambda_toolkit.metrics._validation import check_timestamp  # only who dates metrics pays for it

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
        In a durable function, one made by code the SDK replays is not written again.
        """
        from lambda_toolkit.metrics._single import SingleMetric  # loaded by the first single metric

        where = f"single_metric {name!r}: " if isinstance(name, str) else "single_metric: "
        document = Document(where, name if isinstance(name, str) else None)
        number = self._check_value(name, value)
        unit_name, seconds = self._definition(name, unit, resolution)
        series = MetricSeries(unit_name, seconds, unit)
        series.values.append(number)
        document.metrics[name] = series
        invocation = current_invocation()
        replayed = invocation is not None and invocation.durable is not None and invocation.replaying
        metric = SingleMetric(self, document, self._persistent if default_dimensions else {}, replayed=replayed)
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
        invocation = current_invocation() if recording is None or recording.durable is not None else None
        if invocation is not None and invocation.durable is not None:
            recording = invocation.data.pop(self._durable_key, recording)  # see _current
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
