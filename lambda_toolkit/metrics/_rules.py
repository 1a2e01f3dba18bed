"""The limits of CloudWatch's Embedded Metric Format, checked where a call breaks them.

From the EMF specification and CloudWatch's quotas: at most 100 metrics per document and
100 values per metric, at most 30 dimensions per dimension set, units from CloudWatch's
StandardUnit list, storage resolution 1 (high resolution) or 60 seconds, names of 1 to 255
characters (dimension values up to 1024), finite numbers only, and a timestamp at most two
weeks in the past and two hours in the future (PutMetricData's window, which EMF applies).

The rules of a document (dimension sets, timestamps) raise the typed errors of
``_validation``, loaded when one is raised or asked for.
"""

from __future__ import annotations

import math

from lambda_toolkit.core.errors import ConfigurationError, LambdaToolkitError
from lambda_toolkit.core.secrets import is_secret

__all__ = [
    "EMF_TIMESTAMP_WINDOW",
    "MAX_DIMENSIONS",
    "MAX_METRICS_PER_DOCUMENT",
    "MAX_VALUES_PER_METRIC",
    "MetricUnit",
    "MetricsConfigurationError",
    "MetricsError",
    "check_dimension",
    "check_metric_name",
    "check_namespace",
    "check_resolution",
    "check_unit",
    "check_value",
]

MAX_METRICS_PER_DOCUMENT = 100
MAX_VALUES_PER_METRIC = 100
MAX_DIMENSIONS = 30
MAX_NAME_LENGTH = 255
MAX_DIMENSION_VALUE_LENGTH = 1024
# Seconds before and after now that CloudWatch accepts for a metric's timestamp
# (checked by _validation, loaded by the first call that sets one).
EMF_TIMESTAMP_WINDOW = (14 * 24 * 3600.0, 2 * 3600.0)


class MetricsError(LambdaToolkitError, ValueError):
    """Root of the metrics utility's errors: a metric, dimension, unit or namespace breaks
    the rules of EMF/CloudWatch (a ``ValueError`` too, as a bad value is what it reports)."""


class MetricsConfigurationError(MetricsError, ConfigurationError):
    """``Metrics`` was set up wrong: an invalid namespace or service, or no namespace at all.

    Raised by ``Metrics(...)`` and ``@metrics.log_metrics`` (and by the first
    ``add_metric`` when no namespace was ever given), never for a recorded value.
    """


class MetricUnit:
    """CloudWatch's standard units, as constants (``MetricUnit.COUNT == "Count"``).

    Plain strings rather than an Enum: a document holds the string, and ``add_metric``
    accepts the unit's name in any case anyway.
    """

    __slots__ = ()

    SECONDS = "Seconds"
    MICROSECONDS = "Microseconds"
    MILLISECONDS = "Milliseconds"
    BYTES = "Bytes"
    KILOBYTES = "Kilobytes"
    MEGABYTES = "Megabytes"
    GIGABYTES = "Gigabytes"
    TERABYTES = "Terabytes"
    BITS = "Bits"
    KILOBITS = "Kilobits"
    MEGABITS = "Megabits"
    GIGABITS = "Gigabits"
    TERABITS = "Terabits"
    PERCENT = "Percent"
    COUNT = "Count"
    BYTES_PER_SECOND = "Bytes/Second"
    KILOBYTES_PER_SECOND = "Kilobytes/Second"
    MEGABYTES_PER_SECOND = "Megabytes/Second"
    GIGABYTES_PER_SECOND = "Gigabytes/Second"
    TERABYTES_PER_SECOND = "Terabytes/Second"
    BITS_PER_SECOND = "Bits/Second"
    KILOBITS_PER_SECOND = "Kilobits/Second"
    MEGABITS_PER_SECOND = "Megabits/Second"
    GIGABITS_PER_SECOND = "Gigabits/Second"
    TERABITS_PER_SECOND = "Terabits/Second"
    COUNT_PER_SECOND = "Count/Second"
    NONE = "None"


_CONSTANTS: dict[str, str] = {name: value for name, value in vars(MetricUnit).items() if name.isupper()}
_UNITS = {value: value for value in _CONSTANTS.values()}
# Accept the constant names too ("COUNT", "count_per_second") since users type them.
_UNITS.update({name.lower(): value for name, value in _CONSTANTS.items()})
_UNITS.update({value.lower(): value for value in _CONSTANTS.values()})


def check_unit(unit: str) -> str:
    """The unit's CloudWatch spelling, or MetricsError listing the valid ones."""
    if isinstance(unit, str):
        found = _UNITS.get(unit) or _UNITS.get(unit.lower())
        if found is not None:
            return found
    raise MetricsError(f"invalid metric unit {unit!r}; use one of: {', '.join(_CONSTANTS.values())}")


def _check_name(
    kind: str, name: object, max_length: int = MAX_NAME_LENGTH, error: type[MetricsError] = MetricsError
) -> str:
    if not isinstance(name, str) or not name.strip():
        raise error(f"{kind} must be a non-empty string, got {type(name).__name__}")
    if len(name) > max_length:
        raise error(f"{kind} {name[:40]!r}... is longer than {max_length} characters")
    if not name.isascii() or not name.isprintable():
        raise error(f"{kind} {name!r} must be printable ASCII")
    return name


_VALID_METRIC_NAMES: set[str] = set()


def check_metric_name(name: object) -> str:
    """A metric name: 1 to 255 printable ASCII characters (valid names are remembered:
    a function records the same few names over and over)."""
    if type(name) is str and name in _VALID_METRIC_NAMES:
        return name  # type: ignore[return-value,unused-ignore]
    checked = _check_name("metric name", name)
    if len(_VALID_METRIC_NAMES) < 10_000:
        _VALID_METRIC_NAMES.add(checked)
    return checked


_NAMESPACE_EXTRA = frozenset("._-/#: ")


def check_namespace(namespace: object) -> str:
    """A namespace: 1 to 255 characters of letters, digits and . _ - / # : (and spaces);
    it may not start with ``AWS/``, which is reserved for AWS services. A namespace is only
    ever set up, so a bad one is a ``MetricsConfigurationError``."""
    name = _check_name("namespace", namespace, error=MetricsConfigurationError)
    bad = sorted({ch for ch in name if not (ch.isalnum() or ch in _NAMESPACE_EXTRA)})
    if bad:
        raise MetricsConfigurationError(f"namespace {name!r} has characters CloudWatch rejects: {''.join(bad)!r}")
    if name.startswith("AWS/"):
        raise MetricsConfigurationError(f"namespace {name!r} is reserved for AWS services (starts with 'AWS/')")
    return name


_VALID_DIMENSION_NAMES: set[str] = set()


def check_dimension(name: object, value: object) -> tuple[str, str]:
    """A dimension: a name of 1 to 255 ASCII characters not starting with ':' and a
    non-empty value of at most 1024 characters."""
    if type(name) is str and name in _VALID_DIMENSION_NAMES:
        checked: str = name  # type: ignore[assignment,unused-ignore]
    else:
        checked = _check_name("dimension name", name)
        if checked.startswith(":"):
            raise MetricsError(f"dimension name {checked!r} may not start with ':'")
        if len(_VALID_DIMENSION_NAMES) < 10_000:
            _VALID_DIMENSION_NAMES.add(checked)
    if not isinstance(value, str) or not value.strip():
        raise MetricsError(f"dimension {checked!r} needs a non-empty string value")
    if is_secret(value):  # a dimension is indexed and shown in the console: never a secret
        raise MetricsError(f"dimension {checked!r}: a secret (MaskedStr) cannot be a dimension value")
    if len(value) > MAX_DIMENSION_VALUE_LENGTH:
        raise MetricsError(f"value of dimension {checked!r} is longer than {MAX_DIMENSION_VALUE_LENGTH} characters")
    return checked, value


def check_value(name: str, value: object) -> float | int:
    """A finite number (bool is not a number here)."""
    kind = type(value)
    if kind is int:  # the common cases first: this runs for every recorded value
        return value  # type: ignore[return-value]
    if kind is float and math.isfinite(value):  # type: ignore[arg-type]
        return value  # type: ignore[return-value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MetricsError(f"value of metric {name!r} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise MetricsError(f"value of metric {name!r} must be finite")
    # A subclass (an IntEnum, a numpy-like float) is written as the plain number it is.
    return float(value) if isinstance(value, float) else int(value)


def check_resolution(name: str, resolution: object) -> int:
    """Storage resolution in seconds: 60 (standard) or 1 (high resolution)."""
    if resolution not in (1, 60) or isinstance(resolution, bool):
        raise MetricsError(f"storage resolution of metric {name!r} must be 1 or 60 seconds")
    return 1 if resolution == 1 else 60
