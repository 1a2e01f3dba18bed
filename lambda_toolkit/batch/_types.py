"""The batch utility's type names: imported by type checkers, and at run time only when
someone reads them from ``lambda_toolkit.batch`` (typing costs milliseconds at cold start)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal, Protocol, TypedDict

from lambda_toolkit.batch._backoff import Backoff
from lambda_toolkit.batch._outcome import BatchOutcome

__all__ = [
    "BatchHandler",
    "BatchOptions",
    "FailureEntry",
    "FailureReason",
    "ItemId",
    "Source",
    "StopScope",
    "StoppedBy",
]

Source = Literal["sqs", "kinesis-stream", "dynamodb-stream", "kafka"]
"""The trigger names accepted by ``batch()`` (the names of ``lambda_toolkit.events``)."""

FailureReason = Literal["error", "invalid", "skipped", "deadline", "interrupted"]
"""Why a record is reported failed.

``error``: the record function raised. ``invalid``: the payload does not fit the model.
``skipped``: not started because an earlier record failed and order must hold (FIFO,
``stop_on_first_failure``). ``deadline``: not started (or not finished) because the
invocation ran out of time. ``interrupted``: the record function was interrupted by
``InvocationTimeout``.
"""

FailureEntry = tuple[FailureReason, BaseException | None] | BaseException
"""How a failure is kept by index: ``(reason, error)``, or the bare exception for the
common ``("error", exception)`` (one object less per failed record on the hot path)."""

ItemId = str | dict[str, Any]
"""The ``itemIdentifier`` of a record: a message id or sequence number, or for Kafka
``{"partition": "<topic>-<partition>", "offset": <offset>}``."""

StopScope = Literal["none", "batch", "key"]
StoppedBy = Literal["failure", "deadline", "timeout"]


class BatchHandler(Protocol):
    """What ``@batch`` returns: a Lambda handler ``(event, context)`` answering
    ``{"batchItemFailures": [...]}``, whose ``__wrapped__`` is the record function."""

    __wrapped__: Callable[..., Any]
    __name__: str

    def __call__(self, *args: Any) -> dict[str, Any]: ...


class BatchOptions(TypedDict, total=False):
    """The options shared by ``batch()``, ``process_batch()`` and ``process_batch_async()``
    (all keyword-only; see ``batch()`` for what each does)."""

    concurrency: int
    stop_on_first_failure: bool
    fifo_stop: Literal["batch", "group"]
    all_failed: Literal["raise", "report"]
    deadline_margin_ms: float
    on_outcome: Callable[[BatchOutcome], object] | None
    backoff: Backoff | None
    processes: int | None
    correlation_attributes: Iterable[str]
