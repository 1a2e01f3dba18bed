"""Partial batch failure reporting for SQS, Kinesis Data Streams, DynamoDB Streams and Kafka.

Write a function for one record; ``@batch(source)`` runs it over the batch and answers
Lambda with exactly the records that failed (``{"batchItemFailures": [...]}``), keeping
FIFO and stream order, stopping before the invocation runs out of time, and reporting
every record it could not process::

    from lambda_toolkit.batch import batch

    @batch("sqs")
    def handler(record):
        ...  # raise to fail just this record

Importing this package is cheap: pydantic is only imported when a model is given.
"""

from __future__ import annotations

from lambda_toolkit.batch._api import batch, process_batch, process_batch_async
from lambda_toolkit.batch._backoff import Backoff
from lambda_toolkit.batch._errors import (
    BatchError,
    BatchProcessingError,
    BatchSourceError,
    DeadlineMarginError,
    MissingItemIdError,
    RecordValidationError,
    WorkerProcessError,
)
from lambda_toolkit.batch._outcome import OUTCOME_KEY, BatchOutcome, RecordFailure, RecordSuccess

# The type names come from typing (milliseconds at cold start): loaded on first access.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from lambda_toolkit.batch._types import BatchHandler, BatchOptions, FailureReason, ItemId, Source

_TYPE_NAMES = ("BatchHandler", "BatchOptions", "FailureReason", "ItemId", "Source")


def __getattr__(name: str) -> object:
    if name in _TYPE_NAMES:
        from lambda_toolkit.batch import _types

        return getattr(_types, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "OUTCOME_KEY",
    "Backoff",
    "BatchError",
    "BatchHandler",
    "BatchOptions",
    "BatchOutcome",
    "BatchProcessingError",
    "BatchSourceError",
    "DeadlineMarginError",
    "FailureReason",
    "ItemId",
    "MissingItemIdError",
    "RecordFailure",
    "RecordSuccess",
    "RecordValidationError",
    "Source",
    "WorkerProcessError",
    "batch",
    "process_batch",
    "process_batch_async",
]
