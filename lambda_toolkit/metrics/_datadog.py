"""Datadog: the JSON metric lines that Datadog's Lambda extension and Forwarder read.

Datadog's Lambda libraries, when they flush to the log, print one JSON object per metric
point: ``{"m": name, "v": value, "e": epoch seconds, "t": ["tag:value", ...]}``. The
Datadog Lambda extension (or the Forwarder subscribed to the log group) turns each line
into a point of a distribution metric, so every recorded value is its own line: Datadog
aggregates them server side, across every sandbox of the function.

Datadog's rules, from its custom metrics documentation: a metric name starts with a letter,
holds only ASCII letters, digits, underscores and periods, and has at most 200 characters;
a point's timestamp is at most one hour in the past and ten minutes in the future.
"""

from __future__ import annotations

from json.encoder import encode_basestring as _string

from lambda_toolkit.metrics._rules import MetricsConfigurationError, MetricsError, check_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from lambda_toolkit.metrics._metrics import MetricSet

__all__ = ["DatadogProvider"]

MAX_NAME_LENGTH = 200
_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


def _bad_name(name: object) -> str | None:
    """Why ``name`` is not a Datadog metric name, or None when it is one."""
    if not isinstance(name, str) or not name:
        return f"must be a non-empty string, got {type(name).__name__}"
    if len(name) > MAX_NAME_LENGTH:
        return f"is longer than {MAX_NAME_LENGTH} characters"
    if not ("a" <= name[0].lower() <= "z"):
        return "must start with a letter"
    if not _NAME_CHARACTERS.issuperset(name):
        return "may hold only ASCII letters, digits, underscores and periods"
    return None


def _number(value: float | int) -> str:
    # Values were checked finite, so repr is valid JSON.
    return float.__repr__(value) if isinstance(value, float) else int.__repr__(value)


class DatadogProvider:
    """Metrics as the JSON lines Datadog's Lambda extension and Forwarder read.

    ``Metrics(provider=DatadogProvider())``: each value becomes one line on the ``Metrics``
    stream (stdout by default), with every dimension as a ``name:value`` tag. The
    namespace, when set, prefixes each metric name (``orders.created`` for namespace
    ``orders`` and metric ``created``). Units, storage resolution and metadata have no
    place in the format and are not written.
    """

    __slots__ = ()

    timestamp_window: tuple[float, float] | None = (3600.0, 600.0)
    check_value = staticmethod(check_value)

    def check_namespace(self, namespace: str | None) -> str | None:
        """An optional prefix of every metric name, under Datadog's name rules."""
        if namespace is None:
            return None
        problem = _bad_name(namespace)
        if problem is not None:
            raise MetricsConfigurationError(f"Datadog namespace {namespace!r} {problem}")
        return namespace

    def check_metric_name(self, name: str) -> str:
        """A Datadog metric name: a letter, then letters, digits, ``_`` and ``.``."""
        problem = _bad_name(name)
        if problem is not None:
            shown = repr(name[:40]) if isinstance(name, str) else "name"
            raise MetricsError(f"Datadog metric {shown} {problem}")
        return name

    def publish(self, metric_sets: Sequence[MetricSet], write: Callable[[list[str]], None]) -> int:
        """Write one line per recorded value; return how many."""
        lines: list[str] = []
        for metric_set in metric_sets:
            prefix = f"{metric_set.namespace}." if metric_set.namespace else ""
            tags = ",".join(_string(f"{name}:{value}") for name, value in metric_set.dimensions.items())
            tail = f',"e":{metric_set.timestamp_ms // 1000},"t":[{tags}]}}'
            for name, series in metric_set.metrics.items():
                head = '{"m":' + _string(prefix + name) + ',"v":'
                lines.extend(head + _number(value) + tail for value in series.values)
        if lines:
            write(lines)
        return len(lines)

    def __repr__(self) -> str:
        return "DatadogProvider()"
