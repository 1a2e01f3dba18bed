"""The record a runner is processing, made the core's current record while it runs.

While a record runs it is ``core.state.current_record()`` and listed in the invocation's
``records_in_flight``: log lines written in it carry its own correlation id, a
subsegment opened in it is annotated with its id, a timeout post-mortem names it.

A batch of 10,000 records must not pay for this (the budget is well under a microsecond
a record), and setting a ContextVar costs more than the rest together: so each runner
(the sequential loop, each worker thread, each asyncio worker task) makes one
``InFlight`` current once, and moves it from record to record (``index`` and
``record_id`` set, the invocation's ``records_in_flight`` entry added and removed).
Its correlation id is read from the record (``SourceSpec.correlation_id``) only when
something asks, once per record: most records are never logged about.
"""

from __future__ import annotations

from lambda_toolkit.core.state import RecordInFlight

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from lambda_toolkit.batch._processor import Run
    from lambda_toolkit.batch._sources import SourceSpec

__all__ = ["InFlight"]


class InFlight(RecordInFlight):
    """The record one runner is processing: moved by the runner from record to record
    (read it while the record runs; a reference kept after it names the runner's next
    record). ``index`` is -1 before the first."""

    # (RecordInFlight's own correlation_id slot is shadowed by the property: unused)
    __slots__ = ("_found", "_found_at", "_names", "_records", "_spec", "record_ids")

    def __init__(self, run: Run) -> None:
        self.index = -1
        self.record_id = ""
        self.record_ids: Sequence[str] = run.record_ids
        self._records: Sequence[Mapping[str, Any]] = run.records
        self._spec: SourceSpec = run.plan.spec
        self._names = run.plan.correlation_names
        self._found: str | None = None
        self._found_at = -1

    @property
    def correlation_id(self) -> str | None:
        """The current record's own correlation id (None: the invocation's applies)."""
        index = self.index
        if self._found_at != index:
            # (another thread, a timeout post-mortem, may read it too: the worst a race
            # does is read the record's attributes twice)
            self._found = self._spec.correlation_id(self._records[index], self._names) if index >= 0 else None
            self._found_at = index
        return self._found

    @correlation_id.setter
    def correlation_id(self, value: str | None) -> None:
        # set_correlation_id inside a record: that record's, until the runner moves on
        self._found = value
        self._found_at = self.index
