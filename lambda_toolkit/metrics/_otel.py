"""OpenTelemetry: metrics recorded through the OpenTelemetry metrics API.

Each metric is a histogram instrument (sum, count, min, max and buckets: what CloudWatch
keeps of a metric too) of the meter named after the namespace; every value recorded in an
invocation is recorded on it at the flush, with the dimensions as attributes. Which SDK,
reader and exporter receive them is the application's choice (the global meter provider,
or the one given). ``opentelemetry-api`` is imported when the provider is created, never by
``import lambda_toolkit.metrics``.
"""

from __future__ import annotations

import re
from threading import Lock

from lambda_toolkit.core.options import check_seconds
from lambda_toolkit.metrics._rules import MetricsConfigurationError, MetricsError, check_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from lambda_toolkit.metrics._metrics import MetricSet

__all__ = ["OpenTelemetryProvider"]

DEFAULT_METER = "lambda_toolkit.metrics"

# The instrument name syntax of the OpenTelemetry specification.
_INSTRUMENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_./-]{0,254}")

# CloudWatch's units in UCUM, which OpenTelemetry's semantic conventions use.
_UCUM = {
    "Seconds": "s",
    "Microseconds": "us",
    "Milliseconds": "ms",
    "Bytes": "By",
    "Kilobytes": "kBy",
    "Megabytes": "MBy",
    "Gigabytes": "GBy",
    "Terabytes": "TBy",
    "Bits": "bit",
    "Kilobits": "kbit",
    "Megabits": "Mbit",
    "Gigabits": "Gbit",
    "Terabits": "Tbit",
    "Percent": "%",
    "Count": "{count}",
    "Bytes/Second": "By/s",
    "Kilobytes/Second": "kBy/s",
    "Megabytes/Second": "MBy/s",
    "Gigabytes/Second": "GBy/s",
    "Terabytes/Second": "TBy/s",
    "Bits/Second": "bit/s",
    "Kilobits/Second": "kbit/s",
    "Megabits/Second": "Mbit/s",
    "Gigabits/Second": "Gbit/s",
    "Terabits/Second": "Tbit/s",
    "Count/Second": "{count}/s",
    "None": "1",
}


def ucum_unit(unit: str) -> str:
    """The UCUM spelling of a CloudWatch unit (``"Milliseconds"`` -> ``"ms"``)."""
    return _UCUM.get(unit, "1")


def _check_non_negative(name: str, value: object) -> float | int:
    number = check_value(name, value)
    if number < 0:
        # An OpenTelemetry histogram drops a negative measurement with only a log line.
        raise MetricsError(f"value of metric {name!r} must be >= 0 for an OpenTelemetry histogram")
    return number


class OpenTelemetryProvider:
    """Metrics recorded as OpenTelemetry histograms.

    ``Metrics(provider=OpenTelemetryProvider())`` records on the global meter provider
    (``opentelemetry.metrics.set_meter_provider``); ``meter_provider=`` names another. The
    namespace is the meter's name (``lambda_toolkit.metrics`` without one). Values must be
    ``>= 0`` (histograms take no negative value). OpenTelemetry stamps each value when it
    is recorded, so an explicit timestamp is refused. ``force_flush_timeout`` (seconds):
    flush the meter provider after each flush of the ``Metrics``, so an exporter sends the
    invocation's values before Lambda freezes the sandbox.
    """

    timestamp_window: tuple[float, float] | None = None
    check_value = staticmethod(_check_non_negative)

    def __init__(self, *, meter_provider: Any = None, force_flush_timeout: float | None = None) -> None:
        try:
            from opentelemetry import metrics as otel_metrics
        except ImportError:
            raise MetricsConfigurationError(
                "OpenTelemetryProvider needs the opentelemetry-api package (pip install opentelemetry-api)"
            ) from None
        self._api = otel_metrics
        self._meter_provider = meter_provider
        self._flush_timeout_ms: float | None = None
        if force_flush_timeout is not None:
            seconds = check_seconds(
                "OpenTelemetryProvider force_flush_timeout",
                force_flush_timeout,
                allow_zero=False,
                error=MetricsConfigurationError,
            )
            self._flush_timeout_ms = seconds * 1000
        self._instruments: dict[tuple[str, str, str], Any] = {}
        self._lock = Lock()

    def check_namespace(self, namespace: str | None) -> str | None:
        """Any namespace names the meter; none is needed."""
        return namespace

    def check_metric_name(self, name: str) -> str:
        """An OpenTelemetry instrument name: a letter, then up to 254 of ``A-Za-z0-9_./-``."""
        if not isinstance(name, str) or _INSTRUMENT_NAME.fullmatch(name) is None:
            shown = repr(name[:40]) if isinstance(name, str) else f"of type {type(name).__name__}"
            raise MetricsError(
                f"metric name {shown} is not an OpenTelemetry instrument name "
                "(a letter, then up to 254 letters, digits, '_', '.', '/' or '-')"
            )
        return name

    def _histogram(self, meter_name: str, name: str, unit: str) -> Any:
        key = (meter_name, name, unit)
        instrument = self._instruments.get(key)
        if instrument is None:
            with self._lock:
                instrument = self._instruments.get(key)
                if instrument is None:
                    meter = self._api.get_meter(meter_name, meter_provider=self._meter_provider)
                    instrument = meter.create_histogram(name, unit=ucum_unit(unit))
                    self._instruments[key] = instrument
        return instrument

    def publish(self, metric_sets: Sequence[MetricSet], write: Callable[[list[str]], None]) -> int:
        """Record every value on its histogram; return how many were recorded."""
        recorded = 0
        for metric_set in metric_sets:
            meter_name = metric_set.namespace or DEFAULT_METER
            attributes = dict(metric_set.dimensions)
            for name, series in metric_set.metrics.items():
                histogram = self._histogram(meter_name, name, series.unit)
                for value in series.values:
                    histogram.record(value, attributes=attributes)
                recorded += len(series.values)
        if self._flush_timeout_ms is not None:
            provider = self._meter_provider or self._api.get_meter_provider()
            force_flush = getattr(provider, "force_flush", None)
            if force_flush is not None:  # the API's no-op provider has none
                force_flush(timeout_millis=self._flush_timeout_ms)
        return recorded

    def __repr__(self) -> str:
        return "OpenTelemetryProvider()"
