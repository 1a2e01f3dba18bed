"""SnapStart: a CachedStore is emptied after a restore (the store decides again)."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.core import snapstart
from lambda_toolkit.idempotency import CachedStore, MemoryStore, Record, idempotent
from lambda_toolkit.testing import FakeContext, simulate_restore


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.acquires = 0

    def acquire(self, record: Record, now_ms: int) -> Record | None:
        self.acquires += 1
        return super().acquire(record, now_ms)


def test_after_a_restore_the_store_is_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapstart, "_disabled", False)
    inner = CountingStore()

    @idempotent(store=CachedStore(inner), key="id")
    def handler(event: dict[str, Any], context: Any) -> int:
        return 7

    handler({"id": 1}, FakeContext())  # priming, during init: cached in the snapshot
    handler({"id": 1}, FakeContext())
    assert inner.acquires == 1
    simulate_restore()
    assert handler({"id": 1}, FakeContext()) == 7
    assert inner.acquires == 2
