"""What happened to each record of a batch, and the response Lambda expects from it.

The processor fills flat arrays (one result slot per record, failures by index); the
per-record objects are only built when someone reads ``successes`` or ``failures``, so
a batch of 10,000 records does not pay for 10,000 objects nobody looks at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# typing costs milliseconds at cold start: type names are for type checkers only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    from lambda_toolkit.batch._types import FailureEntry, FailureReason, ItemId

__all__ = ["OUTCOME_KEY", "BatchOutcome", "FailureReason", "ItemId", "RecordFailure", "RecordSuccess"]

OUTCOME_KEY = "batch.outcome"
"""Key of the invocation state (``current_invocation().data``) holding the last BatchOutcome."""


def _entry(value: FailureEntry) -> tuple[FailureReason, BaseException | None]:
    return value if isinstance(value, tuple) else ("error", value)


class RecordSuccess:
    """A record the record function processed; ``result`` is what it returned."""

    __slots__ = ("index", "item_id", "record", "result")

    def __init__(self, index: int, item_id: ItemId, record: Mapping[str, Any], result: Any) -> None:
        self.index = index
        self.item_id = item_id
        self.record = record
        self.result = result

    def __repr__(self) -> str:  # never the record or the result: they carry the payload
        return f"RecordSuccess(index={self.index}, item_id={self.item_id!r})"


class RecordFailure:
    """A record reported to Lambda as failed; ``error`` is None for records never started."""

    __slots__ = ("error", "index", "item_id", "reason", "record")

    def __init__(
        self, index: int, item_id: ItemId, record: Mapping[str, Any], reason: FailureReason, error: BaseException | None
    ) -> None:
        self.index = index
        self.item_id = item_id
        self.record = record
        self.reason: FailureReason = reason
        self.error = error

    def __repr__(self) -> str:
        error = "None" if self.error is None else type(self.error).__name__
        return f"RecordFailure(index={self.index}, item_id={self.item_id!r}, reason={self.reason!r}, error={error})"


class BatchOutcome:
    """The result of one batch: every record is either a success or a failure, never both.

    ``response`` is the ``{"batchItemFailures": [...]}`` answer for Lambda (failed records
    in batch order). ``stopped_by`` says why processing ended early: ``"failure"`` (FIFO or
    ``stop_on_first_failure``), ``"deadline"`` (the time margin was reached),
    ``"timeout"`` (``InvocationTimeout`` was raised), or None.
    """

    __slots__ = ("_failed", "_failures", "_ids", "_records", "_results", "_successes", "fifo", "source", "stopped_by")

    def __init__(
        self,
        source: str,
        ids: Sequence[ItemId],
        records: Sequence[Mapping[str, Any]],
        results: Sequence[Any],
        failed: Mapping[int, FailureEntry],
        *,
        fifo: bool = False,
        stopped_by: Literal["failure", "deadline", "timeout"] | None = None,
        in_order: bool = False,
    ) -> None:
        self.source = source
        self.fifo = fifo
        self.stopped_by = stopped_by
        self._ids = ids
        self._records = records
        self._results = results
        # ``in_order``: the caller promises ``failed`` is keyed in ascending index order: a
        # plain copy instead of a sort
        self._failed = dict(failed) if in_order else dict(sorted(failed.items())) if failed else {}
        self._successes: tuple[RecordSuccess, ...] | None = None
        self._failures: tuple[RecordFailure, ...] | None = None

    @property
    def total(self) -> int:
        """Number of records in the batch."""
        return len(self._ids)

    @property
    def failed_count(self) -> int:
        """Number of records reported failed."""
        return len(self._failed)

    @property
    def succeeded_count(self) -> int:
        """Number of records processed successfully."""
        return len(self._ids) - len(self._failed)

    @property
    def all_failed(self) -> bool:
        """True when no record succeeded."""
        return len(self._failed) == len(self._ids)

    @property
    def successes(self) -> tuple[RecordSuccess, ...]:
        """The processed records, in batch order."""
        if self._successes is None:
            failed, ids, records, results = self._failed, self._ids, self._records, self._results
            self._successes = tuple(
                RecordSuccess(i, ids[i], records[i], results[i]) for i in range(len(ids)) if i not in failed
            )
        return self._successes

    @property
    def failures(self) -> tuple[RecordFailure, ...]:
        """The records reported failed, in batch order."""
        if self._failures is None:
            ids, records = self._ids, self._records
            self._failures = tuple(
                RecordFailure(i, ids[i], records[i], *_entry(value)) for i, value in self._failed.items()
            )
        return self._failures

    @property
    def response(self) -> dict[str, list[dict[str, ItemId]]]:
        """The partial batch response: ``{"batchItemFailures": [{"itemIdentifier": ...}]}``."""
        ids = self._ids
        return {"batchItemFailures": [{"itemIdentifier": ids[i]} for i in self._failed]}

    def failure_counts(self) -> dict[FailureReason, int]:
        """How many records failed for each reason (only reasons that occurred)."""
        counts: dict[FailureReason, int] = {}
        for value in self._failed.values():
            reason = value[0] if isinstance(value, tuple) else "error"
            counts[reason] = counts.get(reason, 0) + 1
        return counts

    def first_error(self) -> BaseException | None:
        """The exception of the first failed record that raised one, if any."""
        for value in self._failed.values():
            error = value[1] if isinstance(value, tuple) else value
            if error is not None:
                return error
        return None

    def __repr__(self) -> str:
        return (
            f"BatchOutcome(source={self.source!r}, total={self.total}, succeeded={self.succeeded_count}, "
            f"failed={self.failed_count}, stopped_by={self.stopped_by!r})"
        )
