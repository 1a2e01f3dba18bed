"""Idempotency under an async handler: 100 concurrent invocations on one event loop.

The store answers every call after 5 ms (a blocking sleep, as a boto3 call blocks its
thread), and each invocation has a key of its own, so each makes two store calls (take
the lock, store the result). lambda-toolkit's ``@idempotent`` on an ``async def``
handler runs those calls on its I/O threads and the loop keeps serving the other
invocations: the total is reported in milliseconds and in store round trips (total / 5 ms).

A second scenario reads one uncached parameter from 100 concurrent coroutines, against a
provider answering in 5 ms: lambda-toolkit's ``aget_parameter`` makes one fetch for all
(single flight); Powertools' ``get_parameter`` is run through ``asyncio.to_thread`` too.

Powertools' idempotency is synchronous (its decorator calls the store on the calling
thread). A user with an async handler runs the decorated sync function the way asyncio
offers, ``await asyncio.to_thread(handler, event, context)``, on the loop's default
executor (``min(32, CPUs + 4)`` threads): that is the Powertools figure. Calling it
straight from the async handler, which blocks the loop for every store call, is given as
an extra figure.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time
from typing import Any

from _harness import Scenario

from lambda_toolkit.testing import FakeContext

LATENCY_S = 0.005
INVOCATIONS = 100
ROUNDS = 5
CONTEXT = FakeContext(timeout_ms=900_000)
RESPONSE = {"statusCode": 201, "body": '{"status": "created"}'}

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def _slow_memory_store() -> Any:
    from lambda_toolkit.idempotency import MemoryStore, Record

    class SlowStore(MemoryStore):
        """A MemoryStore whose every call takes LATENCY_S, blocking its thread."""

        def acquire(self, record: Record, now_ms: int) -> Record | None:
            time.sleep(LATENCY_S)
            return super().acquire(record, now_ms)

        def complete(self, record: Record) -> bool:
            time.sleep(LATENCY_S)
            return super().complete(record)

        def release(self, record: Record) -> None:
            time.sleep(LATENCY_S)
            super().release(record)

    return SlowStore()


def _slow_powertools_layer() -> Any:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyItemAlreadyExistsError,
        IdempotencyItemNotFoundError,
    )
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

    class SlowLayer(BasePersistenceLayer):
        """Powertools' persistence layer over a dict, every call taking LATENCY_S."""

        def __init__(self) -> None:
            super().__init__()
            self.records: dict[str, DataRecord] = {}
            self.lock = threading.Lock()

        def _get_record(self, idempotency_key: str) -> DataRecord:
            time.sleep(LATENCY_S)
            with self.lock:
                found = self.records.get(idempotency_key)
            if found is None:
                raise IdempotencyItemNotFoundError
            return found

        def _put_record(self, data_record: DataRecord) -> None:
            time.sleep(LATENCY_S)
            with self.lock:
                existing = self.records.get(data_record.idempotency_key)
                if existing is not None and not existing.is_expired:
                    raise IdempotencyItemAlreadyExistsError(old_data_record=existing)
                self.records[data_record.idempotency_key] = data_record

        def _update_record(self, data_record: DataRecord) -> None:
            time.sleep(LATENCY_S)
            with self.lock:
                self.records[data_record.idempotency_key] = data_record

        def _delete_record(self, data_record: DataRecord) -> None:
            time.sleep(LATENCY_S)
            with self.lock:
                self.records.pop(data_record.idempotency_key, None)

    return SlowLayer()


def _events(round_number: int) -> list[dict[str, str]]:
    return [{"order_id": f"r{round_number}-o{index}"} for index in range(INVOCATIONS)]


def _median_ms(run_round: Any) -> float:
    """Median wall time in ms of ROUNDS rounds of 100 concurrent invocations (new keys each)."""
    samples = []
    for round_number in range(ROUNDS):
        events = _events(round_number)
        start = time.perf_counter()
        asyncio.run(run_round(events))
        samples.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(samples)


def _ours() -> float:
    from lambda_toolkit.idempotency import idempotent

    store = _slow_memory_store()

    @idempotent(store=store, key="order_id")
    async def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return RESPONSE

    async def run_round(events: list[dict[str, str]]) -> None:
        results = await asyncio.gather(*(handler(event, CONTEXT) for event in events))
        assert results == [RESPONSE] * INVOCATIONS

    asyncio.run(run_round(_events(-1)))  # threads started, modules loaded
    return _median_ms(run_round)


def _powertools_handler() -> Any:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent

    config = IdempotencyConfig(event_key_jmespath="order_id")

    @idempotent(persistence_store=_slow_powertools_layer(), config=config)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return RESPONSE

    return handler


def _theirs_to_thread() -> float:
    handler = _powertools_handler()

    async def run_round(events: list[dict[str, str]]) -> None:
        results = await asyncio.gather(*(asyncio.to_thread(handler, event, CONTEXT) for event in events))
        assert results == [RESPONSE] * INVOCATIONS

    asyncio.run(run_round(_events(-1)))
    return _median_ms(run_round)


def _theirs_on_the_loop() -> float:
    handler = _powertools_handler()

    async def one(event: dict[str, str]) -> Any:
        return handler(event, CONTEXT)  # blocks the loop for each store call

    async def run_round(events: list[dict[str, str]]) -> None:
        results = await asyncio.gather(*(one(event) for event in events))
        assert results == [RESPONSE] * INVOCATIONS

    asyncio.run(run_round(_events(-1)))
    return _median_ms(run_round)


class _CountingSSM:
    """A parameter provider answering in LATENCY_S (blocking its thread), counting fetches."""

    def __init__(self) -> None:
        self.fetches = 0
        self._lock = threading.Lock()

    def get_parameter(self, name: str, *, decrypt: bool) -> str:
        with self._lock:
            self.fetches += 1
        time.sleep(LATENCY_S)
        return "orders"


def _parameter_fetches_ours() -> float:
    from lambda_toolkit.parameters import aget_parameter, clear_cache

    counts = []
    for _ in range(ROUNDS):
        clear_cache()
        provider = _CountingSSM()

        async def burst(provider: _CountingSSM = provider) -> None:
            values = await asyncio.gather(
                *(aget_parameter("/orders/table", provider=provider) for _ in range(INVOCATIONS))
            )
            assert values == ["orders"] * INVOCATIONS

        asyncio.run(burst())
        counts.append(provider.fetches)
    clear_cache()
    return statistics.median(counts)


def _parameter_fetches_theirs() -> float:
    from aws_lambda_powertools.utilities.parameters import BaseProvider

    class CountingProvider(BaseProvider):
        def __init__(self) -> None:
            super().__init__()
            self.inner = _CountingSSM()

        def _get(self, name: str, **sdk_options: Any) -> str:
            return self.inner.get_parameter(name, decrypt=True)

        def _get_multiple(self, path: str, **sdk_options: Any) -> dict[str, str]:
            raise NotImplementedError

    counts = []
    for _ in range(ROUNDS):
        provider = CountingProvider()

        async def burst(provider: CountingProvider = provider) -> None:
            values = await asyncio.gather(
                *(asyncio.to_thread(provider.get, "/orders/table", max_age=300) for _ in range(INVOCATIONS))
            )
            assert values == ["orders"] * INVOCATIONS

        asyncio.run(burst())
        counts.append(provider.inner.fetches)
    return statistics.median(counts)


_measured: dict[str, float] = {}


def _once(name: str, measure: Any) -> Any:
    """``measure``, run once: the round-trip row divides the very figures of the ms row."""

    def run() -> float:
        if name not in _measured:
            _measured[name] = measure()
        return _measured[name]

    return run


def _round_trips(name: str, measure: Any) -> Any:
    return lambda: _once(name, measure)() / (LATENCY_S * 1000.0)


def scenarios() -> list[Scenario]:
    return [
        Scenario(
            "idempotency async: 100 concurrent invocations, store 5 ms/call",
            "ms",
            _once("ours", _ours),
            _once("theirs", _theirs_to_thread),
            goal="close to 1 round trip",
            extra={"Powertools called on the loop (blocks it)": _theirs_on_the_loop},
        ),
        Scenario(
            "idempotency async: the same, in store round trips (total / 5 ms)",
            "trips",
            _round_trips("ours", _ours),
            _round_trips("theirs", _theirs_to_thread),
            goal="not 100 (2 calls each)",
        ),
        Scenario(
            "parameters async: 100 concurrent reads of one uncached name, provider 5 ms",
            "fetches",
            _parameter_fetches_ours,
            _parameter_fetches_theirs,
            goal="1 (single flight)",
        ),
    ]
