"""The TTL cache shared by every lookup of the sandbox.

Entries live in a ``cachetools.TLRUCache`` (the per-entry time-to-live cache of
cachetools) on ``time.monotonic``: bounded to ``max_entries``, each entry dropped once its
time is up. An entry is *fresh* for its ``max_age`` (shortened by a random jitter of up to
``jitter`` of it, so that many sandboxes started together do not all refresh at the same
instant), then kept ``stale_on_error`` seconds longer as a fallback for a refresh that
fails. An entry may carry a ``copy`` function: its value is then copied for each reader
(the value is mutable and could not be made read-only). Writes take a lock; the hot path
(a fresh hit) reads a plain dict that mirrors the cache, without the lock, which is safe
because a dict lookup is atomic.

After a SnapStart restore (``after_restore``) the entries fetched longer ago than
``restore_max_age`` (default 0: all of them) are dropped: the snapshot may be days old and
every restored copy shares it. Ages are measured on the wall clock there, since the
monotonic clock need not have run while the snapshot was stored; the entries kept have
their instants moved onto the clock as it reads now, so each keeps what was left of its
freshness.
"""

from __future__ import annotations

import time
from threading import Lock

from lambda_toolkit.core.options import check_count, check_fraction, check_seconds

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Hashable
    from typing import Any

    from cachetools import TLRUCache

__all__ = ["MISSING", "Entry", "ParameterCache"]

MISSING: Any = object()  # 'no value': None may be a cached value


class Entry:
    """One cached value, the instants (monotonic) it stays fresh and kept until, and the
    copy to hand out in its place (None: the value itself, it is read-only).
    ``fetched_wall`` is the wall-clock time of the fetch (for a SnapStart restore)."""

    __slots__ = ("copy", "fetched_at", "fetched_wall", "fresh_until", "keep_until", "value")

    def __init__(
        self,
        value: Any,
        fetched_at: float,
        fresh_until: float,
        keep_until: float,
        copy: Callable[[Any], Any] | None = None,
        fetched_wall: float = 0.0,
    ) -> None:
        self.value = value
        self.fetched_at = fetched_at
        self.fresh_until = fresh_until
        self.keep_until = keep_until
        self.copy = copy
        self.fetched_wall = fetched_wall

    def read(self) -> Any:
        """The value for one reader."""
        return self.value if self.copy is None else self.copy(self.value)

    def __repr__(self) -> str:  # never the value: it may be a secret
        return f"<Entry fresh_until={self.fresh_until:.3f} keep_until={self.keep_until:.3f}>"


def _keep_until(key: Hashable, entry: Entry, now: float) -> float:
    return entry.keep_until


def _new_store(
    max_entries: int, clock: Callable[[], float], index: dict[Hashable, Entry]
) -> TLRUCache[Hashable, Entry]:
    from cachetools import TLRUCache  # imported on first use: a function that reads nothing pays nothing

    if TYPE_CHECKING:
        base = TLRUCache[Hashable, Entry]
    else:
        base = TLRUCache

    class _MirroredStore(base):
        """A TLRUCache that keeps ``index`` (key -> entry) in step with what it holds."""

        def __setitem__(self, key: Hashable, value: Entry) -> None:
            super().__setitem__(key, value)
            index[key] = value

        def __delitem__(self, key: Hashable) -> None:
            index.pop(key, None)
            super().__delitem__(key)

        def expire(self, time: float | None = None) -> list[tuple[Hashable, Entry]]:
            expired: list[tuple[Hashable, Entry]] = list(super().expire(time))
            for key, entry in expired:
                if index.get(key) is entry:
                    del index[key]
            return expired

    return _MirroredStore(maxsize=max_entries, ttu=_keep_until, timer=clock)


class ParameterCache:
    """A bounded, thread-safe TTL cache of looked-up values.

    ``clock`` (monotonic seconds), ``wall_clock`` (``time.time``) and ``rand`` (uniform in
    [0, 1)) are injectable for tests. ``restore_max_age`` (seconds): after a SnapStart
    restore, entries fetched at least that long ago are dropped (0: every entry).
    """

    def __init__(
        self,
        *,
        max_entries: int = 1024,
        jitter: float = 0.1,
        stale_on_error: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] | None = None,
        restore_max_age: float = 0.0,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_entries = check_count("parameters cache max_entries", max_entries)
        self.jitter = check_fraction("parameters cache jitter", jitter)
        self.stale_on_error = check_seconds("parameters cache stale_on_error", stale_on_error)
        self.restore_max_age = check_seconds("parameters cache restore_max_age", restore_max_age)
        self.clock = clock
        self.wall_clock = wall_clock
        self._rand = rand
        self._lock = Lock()
        self._index: dict[Hashable, Entry] = {}
        self._store: TLRUCache[Hashable, Entry] | None = None

    def fresh(self, key: Hashable, max_age: float | None = None) -> Any:
        """The value cached under ``key`` if still fresh (and younger than ``max_age`` when
        given), else ``MISSING``. Lock-free: this is the hot path."""
        entry = self.fresh_entry(key, max_age)
        if entry is None:
            return MISSING
        return entry.value if entry.copy is None else entry.copy(entry.value)

    def fresh_entry(self, key: Hashable, max_age: float | None = None) -> Entry | None:
        """The entry under ``key`` if still fresh (and younger than ``max_age`` when given), else None."""
        entry = self._index.get(key)
        if entry is None:
            return None
        now = self.clock()
        try:
            if now < entry.fresh_until and (max_age is None or now - entry.fetched_at < max_age):
                return entry
        except TypeError:  # max_age is not a number: the lookup's own check says so
            pass
        return None

    def stale(self, key: Hashable) -> Any:
        """The value cached under ``key`` if still kept as a fallback (fresh or stale), else ``MISSING``."""
        entry = self.kept(key)
        return MISSING if entry is None else entry.read()

    def kept(self, key: Hashable) -> Entry | None:
        """The entry under ``key`` if still kept as a fallback (fresh or stale), else None."""
        entry = self._index.get(key)
        if entry is None or not self.clock() < entry.keep_until:
            return None
        return entry

    def put(self, key: Hashable, value: Any, max_age: float, copy: Callable[[Any], Any] | None = None) -> None:
        """Cache ``value`` for ``max_age`` seconds (less the jitter); ``max_age <= 0`` caches nothing.

        ``copy``, when given, makes each reader's copy of the value (see ``Entry``)."""
        if max_age <= 0:
            return
        now = self.clock()
        fresh_until = now + max_age * (1.0 - self.jitter * self._draw()) if self.jitter else now + max_age
        entry = Entry(value, now, fresh_until, fresh_until + self.stale_on_error, copy, self.wall_clock())
        with self._lock:
            if self._store is None:
                self._store = _new_store(self.max_entries, self.clock, self._index)
            self._store[key] = entry

    def _draw(self) -> float:
        if self._rand is None:
            import random  # on the first write, not at import

            self._rand = random.random
        return self._rand()

    def discard(self, key: Hashable) -> None:
        """Forget the entry under ``key``, if any."""
        with self._lock:
            if self._store is not None and key in self._index:
                try:
                    del self._store[key]
                except KeyError:  # it had expired in the store already
                    pass
            self._index.pop(key, None)

    def discard_where(self, predicate: Callable[[Hashable], bool]) -> None:
        """Forget every entry whose key satisfies ``predicate`` (a write's stale readings)."""
        for key in [key for key in list(self._index) if predicate(key)]:
            self.discard(key)

    def after_restore(self) -> int:
        """After a SnapStart restore: drop the entries fetched ``restore_max_age`` seconds
        ago or more (wall clock), move the others' instants onto the monotonic clock as it
        reads now (each keeps what was left of its freshness); the number dropped."""
        with self._lock:
            entries = list(self._index.items())
            self._store = None
            self._index.clear()
            now, wall_now = self.clock(), self.wall_clock()
            kept: list[tuple[Hashable, Entry]] = []
            for key, entry in entries:
                age = max(0.0, wall_now - entry.fetched_wall)
                if age >= self.restore_max_age:
                    continue
                shift = (now - age) - entry.fetched_at
                entry.fetched_at += shift
                entry.fresh_until += shift
                entry.keep_until += shift
                if now < entry.keep_until:
                    kept.append((key, entry))
            if kept:
                # a new store: the TLRU cache computed each expiry when the entry went in
                self._store = _new_store(self.max_entries, self.clock, self._index)
                for key, entry in kept:
                    self._store[key] = entry
        return len(entries) - len(kept)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._store = None
            self._index.clear()

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return (
            f"<ParameterCache entries={len(self._index)} max_entries={self.max_entries} "
            f"jitter={self.jitter} stale_on_error={self.stale_on_error} restore_max_age={self.restore_max_age}>"
        )
