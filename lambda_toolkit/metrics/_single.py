"""``SingleMetric``: one metric in its own document, given by ``Metrics.single_metric``.

Loaded by the first ``single_metric`` call.
"""

from __future__ import annotations

import time

from lambda_toolkit.metrics._validation import check_timestamp

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any

    from lambda_toolkit.metrics._metrics import Document, Metrics
    from lambda_toolkit.metrics._types import Timestamp

__all__ = ["SingleMetric"]


class SingleMetric:
    """One metric in its own document, written when its ``with`` block ends.

    Given by ``Metrics.single_metric``; its dimensions, dimension sets, metadata and
    timestamp are its own, never the invocation's.
    """

    __slots__ = ("_document", "_metrics", "_replayed", "defaults")

    def __init__(
        self, metrics: Metrics, document: Document, defaults: dict[str, str], *, replayed: bool = False
    ) -> None:
        self._metrics = metrics
        self._document = document
        self.defaults = defaults
        self._replayed = replayed  # made by replayed durable code: written by the first run

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
        if self._replayed:
            return
        metrics = self._metrics
        metric_set = self._document.metric_set(metrics._require_namespace(), self.defaults, int(time.time() * 1000))
        metrics._publish([metric_set])

    def __repr__(self) -> str:
        return f"<SingleMetric {self.name!r}>"
