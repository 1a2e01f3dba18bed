"""A document being recorded: its metrics, dimension sets, metadata and timestamp.

One per invocation (``Metrics``' recording) and one per ``single_metric``. The rules a
dimension set must keep are checked here, at the call that adds it: at most 30 names in a
set, no set twice, one value per dimension name (EMF writes each value once, at the top
level of the document, whatever set names it).
"""

from __future__ import annotations

from threading import Lock

from lambda_toolkit.core.secrets import mask_secrets
from lambda_toolkit.metrics._model import MetricSeries, MetricSet
from lambda_toolkit.metrics._rules import (
    MAX_DIMENSIONS,
    RULE_DIMENSION_VALUE,
    RULE_DUPLICATE_DIMENSION_SET,
    RULE_MAX_DIMENSIONS,
    DimensionLimitError,
    DuplicateDimensionSetError,
    MetricsError,
    MetricValidationError,
    check_dimension,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

__all__ = ["Document"]


class Document:
    """What one invocation (or one ``single_metric``) has recorded so far.

    ``where`` prefixes the messages of its errors and ``metric`` names the metric they
    concern (a ``single_metric``'s); an invocation's document has neither.
    """

    __slots__ = (
        "dimension_sets",
        "dimensions",
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
        replace its own) with ``new`` just added; raise naming the rule broken."""
        default_names = frozenset(defaults)
        sets = [default_names.union(self.dimensions if primary is None else primary)]
        sets.extend(default_names.union(names) for names in (self.dimension_sets if extras is None else extras))
        seen: dict[frozenset[str], int] = {}
        for number, names in enumerate(sets, start=1):
            if len(names) > MAX_DIMENSIONS:
                raise DimensionLimitError(
                    f"{self.where}dimension(s) {', '.join(new)} would make {len(names)} dimensions; "
                    f"EMF allows {MAX_DIMENSIONS} in a dimension set (set {number})",
                    rule=RULE_MAX_DIMENSIONS,
                    metric=self.metric,
                )
            if names in seen:
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
