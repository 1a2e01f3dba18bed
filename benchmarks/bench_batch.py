"""Batch scenarios: a 10,000-message SQS event where every 10th record fails, and I/O-bound records.

Powertools' side is ``BatchProcessor(event_type=EventType.SQS)`` with
``process_partial_response`` (and ``model=`` an ``SqsRecordModel`` whose body is ``Json[Order]``
for the model scenario). The record functions do what users write: the typed-record one
decodes the body (``json.loads(record.body)``, the same call on both sides) and decides
from its content; the model one reads a field of the validated order. Both sides answer
with the same 1,000 failed message ids. The two sides of a scenario are measured
alternately, batch after batch, so that a noisy machine affects both alike.

Logging is set up as the Lambda runtime does (a handler on the root logger, level
WARNING), writing to a null stream: lambda-toolkit logs each failed record at WARNING
(id, index, exception type), Powertools at DEBUG, so the toolkit's figure includes
writing those 1,000 lines; the extra figure is the same run with them filtered out.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _harness import Scenario, cold_import
from pydantic import BaseModel

from lambda_toolkit.batch import batch
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import sqs_event

APPS = Path(__file__).resolve().parent / "apps" / "batch_worker"
# A queue worker module on each side (apps/batch_worker): importing it is the cold start
# the function pays before its first batch.
_IMPORT = "import sys; sys.path.insert(0, {path!r}); import {module}"
RECORDS = 10_000
IO_RECORDS = 500
IO_THREADS = 16
CPU_RECORDS = 200
CPU_PROCESSES = 2
CONTEXT = FakeContext(timeout_ms=900_000)


class Order(BaseModel):
    order_id: str
    quantity: int
    price: float


EVENT: dict[str, Any] = sqs_event([{"order_id": f"o-{i}", "quantity": i, "price": 1.5} for i in range(RECORDS)])
IO_EVENT: dict[str, Any] = sqs_event([{"order_id": f"o-{i}", "quantity": i, "price": 1.5} for i in range(IO_RECORDS)])
CPU_EVENT: dict[str, Any] = sqs_event([{"order_id": f"o-{i}", "rounds": 100_000} for i in range(CPU_RECORDS)])


def _every_tenth_fails(read: Callable[[Any], int]) -> Callable[[Any], None]:
    """A record function that reads the order's quantity (``read``) and fails every 10th."""

    def record_function(record: Any) -> None:
        if read(record) % 10 == 9:
            raise ValueError("cannot process this one")

    return record_function


def _decoded_quantity(record: Any) -> int:  # the same call on both sides
    return int(json.loads(record.body)["quantity"])


def _model_quantity(order: Order) -> int:  # lambda-toolkit hands over the validated body
    return order.quantity


def _their_model_quantity(record: Any) -> int:  # Powertools hands over the record model
    return int(record.body.quantity)


def _io_bound(record: Any) -> None:
    time.sleep(0.001)


async def _io_bound_async(record: Any) -> None:
    await asyncio.sleep(0.001)


def _record_function_alone() -> Callable[[], None]:
    """The typed-record scenario's record function over the same 10,000 bodies, without any
    processor: the floor of both libraries' time. A library with no cost at all would run
    at (this figure / Powertools') times Powertools: the most any processor can reach."""
    bodies = [record["body"] for record in EVENT["Records"]]
    record_function = _every_tenth_fails(lambda body: int(json.loads(body)["quantity"]))

    def alone() -> None:
        for body in bodies:
            try:
                record_function(body)
            except ValueError:
                pass

    return alone


def _cpu_bound(record: Any) -> int:
    """A few milliseconds of pure-Python work decided by the body (a hash chain)."""
    rounds = int(json.loads(record.body)["rounds"])
    value = 0
    for i in range(rounds):
        value = (value * 31 + i) % 1_000_003
    return value


def _ours_cpu(**options: Any) -> Callable[[], dict[str, Any]]:
    handler = batch("sqs", **options)(_cpu_bound)
    return lambda: handler(CPU_EVENT, CONTEXT)


def _theirs_cpu() -> Callable[[], dict[str, Any]]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    return lambda: process_partial_response(
        event=CPU_EVENT, record_handler=_cpu_bound, processor=processor, context=CONTEXT
    )


def _ours(model: Any = None, **options: Any) -> Callable[[], dict[str, Any]]:
    read = _decoded_quantity if model is None else _model_quantity
    handler = batch("sqs", model=model, **options)(_every_tenth_fails(read))
    return lambda: handler(EVENT, CONTEXT)


def _ours_correlated() -> Callable[[], dict[str, Any]]:
    """``_ours`` with a record function that also reads its record's correlation id (what
    a log line written in every record costs on top of writing it): the id is read from
    the record only then (its ``correlation_id`` attribute, else its body, else its
    message id; these bodies hold none)."""
    from lambda_toolkit.core import get_correlation_id

    work = _every_tenth_fails(_decoded_quantity)

    def record_function(record: Any) -> None:
        get_correlation_id()
        work(record)

    handler = batch("sqs")(record_function)
    return lambda: handler(EVENT, CONTEXT)


def _ours_quiet(model: Any = None) -> Callable[[], dict[str, Any]]:
    """``_ours`` with the per-record WARNING lines filtered out (the library's own cost)."""
    run = _ours(model)
    batch_logger = logging.getLogger("lambda_toolkit.batch")

    def quiet() -> dict[str, Any]:
        batch_logger.setLevel(logging.ERROR)
        try:
            return run()
        finally:
            batch_logger.setLevel(logging.NOTSET)

    return quiet


def _theirs(model: Any = None) -> Callable[[], dict[str, Any]]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, model=model)
    record_function = _every_tenth_fails(_decoded_quantity if model is None else _their_model_quantity)
    return lambda: process_partial_response(
        event=EVENT, record_handler=record_function, processor=processor, context=CONTEXT
    )


def _theirs_model() -> Any:
    from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
    from aws_lambda_powertools.utilities.parser.types import Json

    class OrderRecord(SqsRecordModel):
        body: Json[Order]  # type: ignore[assignment]

    return OrderRecord


def _ours_io(record_function: Any, concurrency: int = IO_THREADS) -> Callable[[], dict[str, Any]]:
    handler = batch("sqs", concurrency=concurrency)(record_function)
    return lambda: handler(IO_EVENT, CONTEXT)


def _theirs_io() -> Callable[[], dict[str, Any]]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    return lambda: process_partial_response(
        event=IO_EVENT, record_handler=_io_bound, processor=processor, context=CONTEXT
    )


def _theirs_io_async() -> Callable[[], dict[str, Any]]:
    from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response

    processor = AsyncBatchProcessor(event_type=EventType.SQS)
    return lambda: async_process_partial_response(
        event=IO_EVENT, record_handler=_io_bound_async, processor=processor, context=CONTEXT
    )


class _Pair:
    """Measures two batch runners alternately; ``ours``/``theirs`` give records per second."""

    def __init__(
        self,
        ours: Callable[[], Any],
        theirs: Callable[[], Any],
        records: int,
        rounds: int,
        extra: Any = None,
        alone: Any = None,
        correlated: Any = None,
    ) -> None:
        self._runners = {
            "ours": ours,
            "theirs": theirs,
            **({"extra": extra} if extra else {}),
            **({"alone": alone} if alone else {}),
            **({"correlated": correlated} if correlated else {}),
        }
        self._records = records
        self._rounds = rounds
        self._medians: dict[str, float] | None = None

    def _measure(self) -> dict[str, float]:
        if self._medians is None:
            samples: dict[str, list[float]] = {name: [] for name in self._runners}
            for runner in self._runners.values():  # warm up
                runner()
            for _ in range(self._rounds):
                for name, runner in self._runners.items():
                    start = time.perf_counter()
                    runner()
                    samples[name].append(time.perf_counter() - start)
            self._medians = {name: self._records / statistics.median(values) for name, values in samples.items()}
        return self._medians

    def ours(self) -> float:
        return self._measure()["ours"]

    def theirs(self) -> float:
        return self._measure()["theirs"]

    def extra(self) -> float:
        return self._measure()["extra"]

    def alone(self) -> float:
        return self._measure()["alone"]

    def correlated(self) -> float:
        return self._measure()["correlated"]


def _check_same_answers() -> None:
    for ours, theirs in ((_ours(), _theirs()), (_ours(Order), _theirs(_theirs_model()))):
        answer = ours()
        assert len(answer["batchItemFailures"]) == RECORDS // 10
        assert answer == theirs()


def _lambda_like_logging() -> None:
    """A root handler at WARNING, as the Lambda Python runtime installs, writing nowhere."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(_NullStream()))
    root.setLevel(logging.WARNING)


class _NullStream(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def scenarios() -> list[Scenario]:
    _lambda_like_logging()
    _check_same_answers()
    plain = _Pair(
        _ours(),
        _theirs(),
        RECORDS,
        rounds=15,
        extra=_ours_quiet(),
        alone=_record_function_alone(),
        correlated=_ours_correlated(),
    )
    model = _Pair(_ours(Order), _theirs(_theirs_model()), RECORDS, rounds=9, extra=_ours_quiet(Order))
    threads = _Pair(_ours_io(_io_bound), _theirs_io(), IO_RECORDS, rounds=3)
    cpu = _Pair(_ours_cpu(processes=CPU_PROCESSES), _theirs_cpu(), CPU_RECORDS, rounds=5, extra=_ours_cpu())
    asyncio_pair = _Pair(
        _ours_io(_io_bound_async, IO_RECORDS), _theirs_io_async(), IO_RECORDS, rounds=5, extra=_ours_io(_io_bound_async)
    )
    return [
        Scenario(
            "batch: cold import of a module with one @batch('sqs') handler",
            "ms",
            lambda: cold_import(_IMPORT.format(path=str(APPS), module="worker_toolkit")) * 1e3,
            lambda: cold_import(_IMPORT.format(path=str(APPS), module="worker_powertools")) * 1e3,
            goal="<= 0.3x",
        ),
        Scenario(
            "batch: 10,000 SQS records, every 10th fails, body decoded (typed records)",
            "records/s",
            plain.ours,
            plain.theirs,
            goal=">= 2x",
            higher_is_better=True,
            extra={
                "toolkit, failed-record warnings filtered out": plain.extra,
                "the record function alone, no processor (the ceiling)": plain.alone,
                "toolkit, every record reading its correlation id": plain.correlated,
            },
        ),
        Scenario(
            "batch: 10,000 SQS records, every 10th fails, pydantic model",
            "records/s",
            model.ours,
            model.theirs,
            goal=">= 2x",
            higher_is_better=True,
            extra={"toolkit, failed-record warnings filtered out": model.extra},
        ),
        Scenario(
            f"batch: {IO_RECORDS} I/O-bound records (sleep 1 ms), {IO_THREADS} threads vs sequential",
            "records/s",
            threads.ours,
            threads.theirs,
            goal="reported",
            higher_is_better=True,
        ),
        Scenario(
            f"batch: {CPU_RECORDS} CPU-bound records (~5 ms), processes={CPU_PROCESSES} vs sequential",
            "records/s",
            cpu.ours,
            cpu.theirs,
            goal="reported",
            higher_is_better=True,
            extra={"toolkit sequential": cpu.extra},
        ),
        Scenario(
            f"batch: {IO_RECORDS} async records (sleep 1 ms), all in flight vs AsyncBatchProcessor",
            "records/s",
            asyncio_pair.ours,
            asyncio_pair.theirs,
            goal="reported",
            higher_is_better=True,
            extra={f"toolkit async, {IO_THREADS} in flight": asyncio_pair.extra},
        ),
    ]
