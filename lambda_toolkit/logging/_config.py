"""The configuration one service's loggers share (a parent ``Logger`` and its children).

Loggers are looked up by service name: ``Logger(service="orders", child=True)`` in
another module finds the configuration of ``Logger(service="orders")``, whichever of
the two modules is imported first.

Each stream has one lock, shared by every logger writing to it: a ``write`` call is not
atomic on every stream (a block-buffered ``TextIOWrapper`` from ``open(path, "w")``
loses and splits lines written by many threads at once). The lock is reentrant, so a
signal handler that logs while the code it interrupted was writing does not deadlock.
"""

from __future__ import annotations

import os
import sys
from threading import Lock, RLock
from weakref import ref

from lambda_toolkit.logging._buffer import InvocationLogState, LineBuffer
from lambda_toolkit.logging._formatter import escape
from lambda_toolkit.logging._keys import KeyScopes
from lambda_toolkit.logging._levels import DEBUG, level_names, name_of, resolve_level
from lambda_toolkit.logging._redaction import Redactor, safe_str
from lambda_toolkit.logging._sampling import decide

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

    from lambda_toolkit.core.state import Invocation

__all__ = ["Config", "config_for", "lock_for"]

_registry: dict[str, Config] = {}
_registry_lock = Lock()
_MAX_PENDING = 1000
_MAX_CACHED = 256


# id(stream) -> (a weak reference to it, or the stream itself when it takes none; its lock)
_stream_locks: dict[int, tuple[Any, RLock]] = {}


def _forget(key: int, holder: Any) -> None:
    entry = _stream_locks.get(key)
    if entry is not None and entry[0] is holder:  # (not a newer stream with the same id)
        _stream_locks.pop(key, None)


def lock_for(stream: object) -> RLock:
    """The one write lock of ``stream``, shared by every logger that writes to it."""
    key = id(stream)
    with _registry_lock:
        entry = _stream_locks.get(key)
        if entry is not None:
            holder, lock = entry
            if (holder() if type(holder) is ref else holder) is stream:
                return lock
        lock = RLock()

        def forget(dead: Any) -> None:
            _forget(key, dead)

        try:
            holder = ref(stream, forget)
        except TypeError:  # no weak references: kept alive with its lock
            holder = stream
        _stream_locks[key] = (holder, lock)
        return lock


def _reinit_locks_after_fork() -> None:
    # A lock held by another thread at fork time would never be released in the child.
    global _registry_lock
    _registry_lock = Lock()
    for _, lock in list(_stream_locks.values()):
        lock._at_fork_reinit()  # type: ignore[attr-defined]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_locks_after_fork)


class Config:
    """Everything a line of this service depends on, resolved once at setup."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.claimed = False  # a parent Logger configured it (children only attach)
        self.level = 20
        self.floor = 20  # the lowest level that can produce anything (sampling, buffering)
        self.stream: TextIO | None = None
        self.lock = RLock()  # the stream's (not used while stream is None)
        self.stdout: tuple[TextIO | None, RLock | None] = (None, None)  # the last sys.stdout seen, its lock
        self.names = level_names()
        # pre-encoded parts of every line (see Logger._line)
        self.level_parts: dict[int, str] = {}
        self.identities: dict[str, str] = {}
        self.sample_rate = 0.0
        self.buffer_size = 0
        self.redactor = Redactor()
        self.max_line_chars = 200_000
        self.processors: tuple[Any, ...] = ()  # see _processors; empty: nothing runs
        self.pretty = False  # human-readable lines (local runs only, see _pretty)
        self.log_replays = False  # durable functions: write the lines of replayed code again
        self.keys = KeyScopes(service)
        self.state_key = f"logging.state.{id(self)}"
        self.pending: list[str] = []  # lines a failed (reentrant) write could not write yet

    def level_part(self, level: int) -> str:
        """``"level":"INFO",`` for a level number (cached)."""
        part = f'"level":{escape(name_of(level, self.names))},'
        if len(self.level_parts) < _MAX_CACHED:
            self.level_parts[level] = part
        return part

    def identity(self, logger_name: str) -> str:
        """``"service":"...","logger":"...",`` for a logger name (cached)."""
        part = f'"service":{escape(self.service)},"logger":{escape(safe_str(logger_name))},'
        if len(self.identities) < _MAX_CACHED:
            self.identities[logger_name] = part
        return part

    def set_level(self, level: int) -> None:
        """Change the level (and the floor below which calls return at once)."""
        self.level = level
        self.floor = min(level, DEBUG) if (self.sample_rate > 0.0 or self.buffer_size > 0) else level

    def state_of(self, invocation: Invocation) -> InvocationLogState:
        """This service's sampling verdict and buffer for an invocation, decided on first use."""
        state: InvocationLogState | None = invocation.data.get(self.state_key)
        if state is None:
            level = min(self.level, DEBUG) if decide(self.sample_rate) else self.level
            buffer = LineBuffer(self.buffer_size) if self.buffer_size > 0 else None
            state = InvocationLogState(level, buffer)
            invocation.data[self.state_key] = state
        return state

    def set_stream(self, stream: TextIO | None) -> None:
        """Write to ``stream`` (None: the current ``sys.stdout`` at each write)."""
        self.stream = stream
        if stream is not None:
            self.lock = lock_for(stream)

    def write(self, line: str) -> None:
        """Write one JSON line in one call, under the stream's lock; never raises (a log
        call must not break the caller)."""
        if self.pretty:
            # Rendered here, at the last step, so that what reads the JSON line on its way
            # (capture_logs, the debug buffer) still reads fields. Local runs only: see _pretty.
            from lambda_toolkit.logging._pretty import colour_for, render

            line = render(line, colour_for(self.stream))
        configured = self.stream
        if configured is None:
            stream = sys.stdout  # looked up each time: `lambda-toolkit invoke` redirects it
            seen, lock = self.stdout
            if seen is not stream or lock is None:
                lock = lock_for(stream)
                self.stdout = (stream, lock)
        else:
            stream, lock = configured, self.lock
        with lock:
            try:
                stream.write(line + "\n")
            except Exception:
                # A signal handler that logs while the code it interrupted was inside a
                # write of the same buffered stream gets "reentrant call": keep the line
                # and write it right after the interrupted write returns (below), whole
                # and in order.
                if len(self.pending) < _MAX_PENDING:
                    self.pending.append(line)
                return
            if self.pending:
                self._write_pending(stream)

    def _write_pending(self, stream: TextIO) -> None:
        pending = self.pending
        while pending:
            try:
                line = pending.pop(0)
            except IndexError:  # taken by a concurrent writer
                return
            try:
                stream.write(line + "\n")
            except Exception:
                pending.insert(0, line)
                return


def config_for(service: str, *, child: bool) -> Config:
    """The configuration of ``service``: a parent gets a fresh (or the children's waiting) one."""
    with _registry_lock:
        existing = _registry.get(service)
        if child:
            if existing is None:
                existing = _registry[service] = Config(service)
                existing.set_level(resolve_level(None).level)
            return existing
        if existing is not None and not existing.claimed:
            existing.claimed = True
            return existing
        config = Config(service)
        config.claimed = True
        _registry[service] = config
        return config
