"""CachedStore: completed records answered in process, locks always decided by the store."""

from __future__ import annotations

import time
from typing import Any

import pytest

from lambda_toolkit.idempotency import (
    COMPLETED,
    INPROGRESS,
    CachedStore,
    IdempotencyConfigurationError,
    MemoryStore,
    Record,
    idempotent,
)
from lambda_toolkit.testing import FakeContext


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.acquires = 0

    def acquire(self, record: Record, now_ms: int) -> Record | None:
        self.acquires += 1
        return super().acquire(record, now_ms)


def now_ms() -> int:
    return int(time.time() * 1000)


def lock(key: str = "f#k", token: str = "t") -> Record:
    return Record(key, INPROGRESS, int(time.time()) + 60, now_ms() + 60_000, token)


def test_a_completed_result_is_replayed_without_asking_the_store() -> None:
    inner = CountingStore()
    runs: list[int] = []

    @idempotent(store=CachedStore(inner), key="id")
    def handler(event: dict[str, Any], context: Any) -> int:
        runs.append(1)
        return 7

    assert [handler({"id": 1}, FakeContext()) for _ in range(3)] == [7, 7, 7]
    assert inner.acquires == 1 and len(runs) == 1


def test_a_completed_record_read_from_the_store_is_cached() -> None:
    inner = CountingStore()
    record = lock()
    inner.acquire(record, now_ms())
    inner.complete(Record(record.key, COMPLETED, record.expires_at, token="t", result="1"))
    cached = CachedStore(inner)
    assert cached.acquire(lock(token="x"), now_ms()) is not None
    assert cached.acquire(lock(token="y"), now_ms()) is not None
    assert inner.acquires == 2


def test_locks_in_progress_are_not_cached() -> None:
    inner = CountingStore()
    cached = CachedStore(inner)
    assert cached.acquire(lock(token="a"), now_ms()) is None
    assert cached.acquire(lock(token="b"), now_ms()) is not None
    assert cached.acquire(lock(token="c"), now_ms()) is not None
    assert inner.acquires == 3


def test_a_cached_record_past_its_own_expiry_is_dropped() -> None:
    inner = CountingStore()
    cached = CachedStore(inner)
    record = lock()
    cached.acquire(record, now_ms())
    cached.complete(Record(record.key, COMPLETED, int(time.time()) + 1, token="t", result="1"))
    later = now_ms() + 5_000
    assert cached.acquire(lock(token="new"), later) is None
    assert inner.acquires == 2


def test_entries_live_at_most_ttl_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    inner = CountingStore()
    cached = CachedStore(inner, max_age=10)
    record = lock()
    cached.acquire(record, now_ms())
    cached.complete(Record(record.key, COMPLETED, int(time.time()) + 3600, token="t", result="1"))
    clock[0] += 11
    assert cached.acquire(lock(token="n"), now_ms()) is not None
    assert inner.acquires == 2


def test_the_cache_is_bounded() -> None:
    inner = CountingStore()
    cached = CachedStore(inner, max_entries=2)
    for name in "abc":
        record = lock(f"f#{name}")
        cached.acquire(record, now_ms())
        cached.complete(Record(record.key, COMPLETED, record.expires_at, token="t", result="1"))
    assert "size=2" in repr(cached)


def test_release_and_clear() -> None:
    inner = CountingStore()
    cached = CachedStore(inner)
    record = lock()
    cached.acquire(record, now_ms())
    cached.release(record)
    assert inner.records == {}
    cached.acquire(record, now_ms())
    cached.complete(Record(record.key, COMPLETED, record.expires_at, token="t", result="1"))
    cached.clear()
    assert "size=0" in repr(cached)
    inner.clear()
    assert repr(inner) == "MemoryStore(records=0)"


def test_a_failed_completion_is_not_cached() -> None:
    inner = CountingStore()
    cached = CachedStore(inner)
    cached.acquire(lock(), now_ms())
    assert cached.complete(Record("f#k", COMPLETED, int(time.time()) + 60, token="not-ours", result="1")) is False
    assert "size=0" in repr(cached)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"store": object()}, "needs an idempotency store"),
        ({"max_entries": 0}, r"CachedStore max_entries must be an integer >= 1, got 0$"),
        ({"max_entries": True}, r"CachedStore max_entries must be an integer >= 1, got a bool$"),
        ({"max_entries": 2.0}, r"CachedStore max_entries must be an integer >= 1, got 2.0$"),
        ({"max_age": 0}, r"CachedStore max_age must be a finite number of seconds > 0, got 0$"),
        ({"max_age": float("nan")}, r"CachedStore max_age must be a finite number of seconds > 0, got nan$"),
        ({"max_age": float("inf")}, r"CachedStore max_age must be a finite number of seconds > 0, got inf$"),
        ({"max_age": "60"}, r"CachedStore max_age must be a finite number of seconds > 0, got a str$"),
    ],
)
def test_bad_cache_options_fail_at_setup(args: dict[str, Any], message: str) -> None:
    with pytest.raises(IdempotencyConfigurationError, match=message):
        CachedStore(**{"store": MemoryStore(), **args})


@pytest.mark.parametrize("old", ["maxsize", "ttl"])
def test_the_cache_options_have_the_package_wide_names(old: str) -> None:
    # max_entries / max_age, as in lambda_toolkit.parameters; the old names are gone.
    cached = CachedStore(MemoryStore(), max_entries=8, max_age=2.5)
    assert (cached.max_entries, cached.max_age) == (8, 2.5)
    with pytest.raises(TypeError, match=old):
        CachedStore(MemoryStore(), **{old: 10})


def test_cache_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        CachedStore(MemoryStore(), 10)  # type: ignore[call-arg]


def counting_handler(store: Any, **options: Any) -> tuple[Any, list[int]]:
    runs: list[int] = []

    @idempotent(store=store, key="id", **options)
    def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
        runs.append(1)
        return {"run": len(runs)}

    return handler, runs


def test_a_cached_replay_checks_the_payload() -> None:
    from lambda_toolkit.idempotency import IdempotencyPayloadMismatchError

    inner = CountingStore()
    handler, runs = counting_handler(CachedStore(inner), payload="amount")
    assert handler({"id": 1, "amount": 5}, FakeContext()) == {"run": 1}
    assert handler({"id": 1, "amount": 5}, FakeContext()) == {"run": 1}
    with pytest.raises(IdempotencyPayloadMismatchError):
        handler({"id": 1, "amount": 6}, FakeContext())
    assert inner.acquires == 1 and len(runs) == 1


def test_each_cached_replay_is_a_fresh_copy() -> None:
    handler, _ = counting_handler(CachedStore(MemoryStore()))
    handler({"id": 1}, FakeContext())
    replayed = handler({"id": 1}, FakeContext())
    replayed["run"] = 99
    assert handler({"id": 1}, FakeContext()) == {"run": 1}


def test_a_cached_record_that_expired_is_not_replayed(monkeypatch: pytest.MonkeyPatch) -> None:
    inner = CountingStore()
    handler, runs = counting_handler(CachedStore(inner), expires_after=5)
    handler({"id": 1}, FakeContext())
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 10)
    assert handler({"id": 1}, FakeContext()) == {"run": 2}
    assert inner.acquires == 2 and len(runs) == 2


def test_a_stored_exception_outcome_is_replayed_from_the_cache() -> None:
    class DeclinedError(Exception):
        pass

    inner = CountingStore()
    runs: list[int] = []

    @idempotent(store=CachedStore(inner), key="id", store_errors=(DeclinedError,))
    def handler(event: dict[str, Any], context: Any) -> None:
        runs.append(1)
        raise DeclinedError("card declined")

    with pytest.raises(DeclinedError, match="card declined"):
        handler({"id": 1}, FakeContext())
    for _ in range(2):
        with pytest.raises(DeclinedError, match="raised by an earlier call"):
            handler({"id": 1}, FakeContext())
    assert inner.acquires == 1 and len(runs) == 1


def test_cached_record_answers_only_live_completed_entries() -> None:
    cached = CachedStore(MemoryStore())
    record = lock()
    assert cached.cached_record(record.key, now_ms()) is None
    cached.acquire(record, now_ms())
    assert cached.cached_record(record.key, now_ms()) is None  # a lock is never cached
    cached.complete(Record(record.key, COMPLETED, int(time.time()) + 1, token="t", result="1"))
    hit = cached.cached_record(record.key, now_ms())
    assert hit is not None and hit.result == "1"
    assert cached.cached_record(record.key, now_ms() + 5_000) is None
    assert "size=0" in repr(cached)
