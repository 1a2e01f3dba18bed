"""MemoryStore: records in a dict, for tests and local runs (one process only)."""

from __future__ import annotations

import threading
from dataclasses import replace

from lambda_toolkit.idempotency._store import INPROGRESS, Record

__all__ = ["MemoryStore"]


class MemoryStore:
    """An idempotency store in process memory, thread-safe, with the same semantics as DynamoDBStore.

    ``records`` exposes what is stored (read it in tests; do not change it).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: dict[str, Record] = {}

    def acquire(self, record: Record, now_ms: int) -> Record | None:
        """Store the INPROGRESS ``record`` unless a live record holds its key; return that one."""
        with self._lock:
            existing = self.records.get(record.key)
            if existing is not None and existing.is_live(now_ms):
                return existing
            self.records[record.key] = record
            return None

    def complete(self, record: Record) -> bool:
        """Store the COMPLETED ``record`` if its token still holds the lock."""
        with self._lock:
            current = self.records.get(record.key)
            if current is None or current.token != record.token:
                return False
            self.records[record.key] = replace(record)
            return True

    def release(self, record: Record) -> None:
        """Delete the lock held under ``record.token``, if it is still that one."""
        with self._lock:
            current = self.records.get(record.key)
            if current is not None and current.token == record.token and current.status == INPROGRESS:
                del self.records[record.key]

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self.records.clear()

    def __repr__(self) -> str:
        return f"MemoryStore(records={len(self.records)})"
