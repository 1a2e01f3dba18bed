"""CachedStore: an in-process, bounded, TTL cache of completed records in front of any store.

A replay found in the cache costs no call to the store. Only COMPLETED records are
cached (a lock must always be decided by the store); an entry lives at most ``max_age``
seconds and never beyond the record's own expiry. The option names are those of every
cache of the package: ``max_entries`` and ``max_age`` (seconds). After a SnapStart restore
every CachedStore is emptied: its ages were measured on a clock that need not have run
while the snapshot was stored, and the store holds the truth.
"""

from __future__ import annotations

import threading
import time
import weakref

from lambda_toolkit.core.options import check_count, check_seconds
from lambda_toolkit.core.state import on_restore
from lambda_toolkit.idempotency._errors import IdempotencyConfigurationError
from lambda_toolkit.idempotency._store import COMPLETED, IdempotencyStore, Record

__all__ = ["CachedStore"]


class CachedStore:
    """Wrap ``store`` with a cache of up to ``max_entries`` completed records kept ``max_age`` seconds."""

    def __init__(self, store: IdempotencyStore, *, max_entries: int = 1024, max_age: float = 300.0) -> None:
        if not isinstance(store, IdempotencyStore):
            raise IdempotencyConfigurationError(f"CachedStore needs an idempotency store, got {type(store).__name__}")
        max_entries = check_count("CachedStore max_entries", max_entries, error=IdempotencyConfigurationError)
        max_age = check_seconds("CachedStore max_age", max_age, allow_zero=False, error=IdempotencyConfigurationError)
        from cachetools import TTLCache

        self.store = store
        self.max_entries = max_entries
        self.max_age = max_age
        self._cache: TTLCache[str, Record] = TTLCache(maxsize=max_entries, ttl=max_age, timer=time.monotonic)
        self._lock = threading.Lock()
        _instances.add(self)

    def cached_record(self, key: str, now_ms: int) -> Record | None:
        """The live completed record of ``key`` in the cache, or None (the store is not asked)."""
        with self._lock:
            cached = self._cache.get(key)
        if cached is None:
            return None
        if cached.is_live(now_ms):
            return cached
        self._forget(key)
        return None

    def acquire(self, record: Record, now_ms: int) -> Record | None:
        """Answer from the cache when a live completed record is there, else ask the store."""
        cached = self.cached_record(record.key, now_ms)
        if cached is not None:
            return cached
        existing = self.store.acquire(record, now_ms)
        if existing is not None and existing.status == COMPLETED:
            self._remember(existing)
        return existing

    def complete(self, record: Record) -> bool:
        """Store through, then cache the completed record."""
        stored = self.store.complete(record)
        if stored:
            self._remember(record)
        return stored

    def release(self, record: Record) -> None:
        """Release through the store and drop any cached entry of the key."""
        self._forget(record.key)
        self.store.release(record)

    def clear(self) -> None:
        """Empty the cache (the store is untouched)."""
        with self._lock:
            self._cache.clear()

    def _remember(self, record: Record) -> None:
        with self._lock:
            self._cache[record.key] = record

    def _forget(self, key: str) -> None:
        with self._lock:
            self._cache.pop(key, None)

    def __repr__(self) -> str:
        return f"CachedStore({self.store!r}, size={len(self._cache)})"


_instances: weakref.WeakSet[CachedStore] = weakref.WeakSet()


@on_restore
def _clear_after_restore() -> None:
    for cached in list(_instances):
        cached.clear()
