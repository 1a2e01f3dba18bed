"""Errors of the batch utility: what was wrong with which record, never its payload."""

from __future__ import annotations

from collections.abc import Sequence

from lambda_toolkit.core.errors import ConfigurationError, LambdaToolkitError

# typing costs milliseconds at cold start: type names are for type checkers only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lambda_toolkit.batch._outcome import BatchOutcome

__all__ = [
    "BatchError",
    "BatchProcessingError",
    "BatchSourceError",
    "DeadlineMarginError",
    "MissingItemIdError",
    "RecordValidationError",
    "WorkerProcessError",
]


class BatchError(LambdaToolkitError):
    """Root of the errors the batch utility raises: ``except BatchError`` catches them all."""


class BatchSourceError(BatchError, ValueError):
    """The event is not a batch of the declared source (wrong shape, other trigger, empty).

    Raised before any record runs: answering such an event with an empty failure list
    would tell Lambda that every message was processed and delete them from the queue.
    """


class MissingItemIdError(BatchSourceError):
    """A record has no identifier (``messageId``, ``sequenceNumber``, Kafka offset).

    Such a record cannot be named in ``batchItemFailures``, so the whole batch fails
    before any record runs and Lambda retries it as a whole: nothing is lost and
    nothing is processed twice.
    """

    def __init__(self, source: str, index: int, field: str) -> None:
        self.source = source
        self.index = index
        self.field = field
        super().__init__(
            f"{source} batch: record {index} has no {field}, so it cannot be reported as a failed item; "
            "the whole batch is failed so that Lambda retries it"
        )


class RecordValidationError(BatchError, ValueError):
    """A record's payload does not fit the model given to ``batch(model=...)``.

    ``errors`` lists ``(field path, problem)`` pairs; the message names the record and
    the paths, never the values.
    """

    def __init__(self, source: str, item_id: object, model: str, errors: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.item_id = item_id
        self.model = model
        self.errors: list[tuple[str, str]] = [(path, problem) for path, problem in errors]
        shown = "; ".join(f"{path or '<root>'}: {problem}" for path, problem in self.errors[:10])
        more = f" (+{len(self.errors) - 10} more)" if len(self.errors) > 10 else ""
        super().__init__(f"{source} record {item_id}: payload does not match {model}: {shown}{more}")


class BatchProcessingError(BatchError):
    """Every record of the batch failed (with ``all_failed="raise"``, the default).

    Raising makes Lambda retry the whole batch and shows up as a function error in the
    metrics. ``outcome`` holds every failure; the first record's exception is the cause.
    """

    def __init__(self, outcome: BatchOutcome) -> None:
        self.outcome = outcome
        reasons = ", ".join(f"{reason}: {count}" for reason, count in outcome.failure_counts().items())
        super().__init__(f"{outcome.source} batch: all {outcome.total} records failed ({reasons})")


class DeadlineMarginError(BatchError, ConfigurationError):
    """``deadline_margin_ms`` is not below the whole time the invocation had when it started.

    No record could ever start: every batch would be reported failed, retried, and
    reported failed again until the messages expire. Raised before any record runs, so
    the batch is retried; the fix is a smaller margin or a longer function timeout.
    """

    def __init__(self, where: str, margin_ms: float, remaining_ms: float) -> None:
        self.margin_ms = margin_ms
        self.remaining_ms = remaining_ms
        super().__init__(
            f"{where}: deadline_margin_ms={margin_ms:g} is not below the invocation's time "
            f"({remaining_ms:.0f} ms remained when it started), so no record could ever start; "
            "use a smaller deadline_margin_ms or a longer function timeout"
        )


class WorkerProcessError(BatchError):
    """A record could not be run in a worker process (``processes=``): the record or the
    record function's result (or its exception) is not picklable, or the process running
    it exited. The record is reported failed; the message names types, never values."""
