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

from lambda_toolkit.batch._api import BatchHandler, BatchOptions, batch, process_batch, process_batch_async
from lambda_toolkit.batch._errors import (
    BatchError,
    BatchProcessingError,
    BatchSourceError,
    DeadlineMarginError,
    MissingItemIdError,
    RecordValidationError,
)
from lambda_toolkit.batch._outcome import (
    OUTCOME_KEY,
    BatchOutcome,
    FailureReason,
    ItemId,
    RecordFailure,
    RecordSuccess,
)
from lambda_toolkit.batch._sources import Source

__all__ = [
    "OUTCOME_KEY",
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
    "batch",
    "process_batch",
    "process_batch_async",
]
