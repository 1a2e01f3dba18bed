"""The record an idempotency store keeps per key, and the small protocol every store follows.

A store does three things, each atomic on its own: ``acquire`` a key (create an
INPROGRESS record unless a live one exists, and otherwise hand back the live one),
``complete`` it (store the result), and ``release`` it (delete the lock after a failure).
The policy in ``_policy.py`` decides when; a store only keeps records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["COMPLETED", "INPROGRESS", "IdempotencyStore", "Record"]

INPROGRESS = "INPROGRESS"
COMPLETED = "COMPLETED"


@dataclass(frozen=True, slots=True)
class Record:
    """One key's state.

    ``key`` is ``"<namespace>#<sha256 hex>"``; ``expires_at`` is the epoch second after
    which the record counts as absent (usable as a DynamoDB TTL attribute);
    ``lock_expires_at_ms`` is the epoch millisecond at which an INPROGRESS lock ends;
    ``token`` identifies the invocation that holds the lock, so that only it completes or
    releases it. ``result`` is the JSON text of the return value, ``error`` the JSON text of
    a stored exception outcome: its type and a summary made of names, never its message.
    """

    key: str
    status: str
    expires_at: int
    lock_expires_at_ms: int | None = None
    token: str = ""
    payload_hash: str | None = None
    result: str | None = None
    error: str | None = None

    @property
    def namespace(self) -> str:
        """The function namespace part of the key."""
        return self.key.rpartition("#")[0]

    @property
    def key_hash(self) -> str:
        """The SHA-256 hex digest part of the key (safe to log)."""
        return self.key.rpartition("#")[2]

    def is_live(self, now_ms: int) -> bool:
        """True while the record still counts: not expired, and for a lock, not timed out."""
        if self.expires_at * 1000 <= now_ms:
            return False
        return not (
            self.status == INPROGRESS and self.lock_expires_at_ms is not None and self.lock_expires_at_ms <= now_ms
        )

    def __repr__(self) -> str:  # never the result or the error text: they are payload
        return f"Record(key={self.key!r}, status={self.status!r}, expires_at={self.expires_at})"


@runtime_checkable
class IdempotencyStore(Protocol):
    """What the idempotency policy needs from a store."""

    def acquire(self, record: Record, now_ms: int) -> Record | None:
        """Store ``record`` (INPROGRESS) unless a live record exists for its key at ``now_ms``.

        Return None when the lock was taken, else the live record that prevented it. That
        record may be ``record`` itself (same token) when the store's write took effect but
        its answer was lost and a retry of the same write met it: the policy then knows
        the lock is its own.
        """
        ...

    def complete(self, record: Record) -> bool:
        """Replace the lock held under ``record.token`` by ``record`` (COMPLETED).

        Return False when the lock is no longer ours (it expired and another invocation
        took the key): nothing is written then.
        """
        ...

    def release(self, record: Record) -> None:
        """Delete the lock held under ``record.token``; no-op when it is no longer ours."""
        ...
