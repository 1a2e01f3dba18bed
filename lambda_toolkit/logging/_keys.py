"""The three scopes of extra keys, isolated per invocation, thread and asyncio task.

- logger-wide keys, set outside any invocation (at import or setup): every line of the
  service in every thread carries them;
- invocation keys, set by ``append_keys`` inside an invocation: held in a ContextVar, so
  a key set by one invocation never shows up in the lines of another running at the
  same time on another thread or task, and cleared when the invocation ends;
- scoped keys, set for the duration of a ``with`` block: a second ContextVar.

One ContextVar per scope, each holding an immutable snapshot that is replaced (never
mutated), so a context copied into a new task sees a consistent view.
"""

from __future__ import annotations

from contextvars import ContextVar
from types import MappingProxyType

from lambda_toolkit.core.state import CarriedState, carry_state, current_invocation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from contextvars import Token
    from types import TracebackType
    from typing import Any

__all__ = ["KeyScopes", "ScopedKeys"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class KeyScopes(CarriedState):
    """The keys of one service's loggers (shared by its child loggers).

    A batch's worker processes (``processes=``) are given them as they are when the batch
    starts (``export``/``restore``): a line logged in a worker has the keys the invocation
    appended, not those of the invocation the process was forked in."""

    def __init__(self, name: str) -> None:
        self.shared: Mapping[str, Any] = _EMPTY
        # None: the invocation has not changed the keys, the shared ones apply.
        self.invocation: ContextVar[Mapping[str, Any] | None] = ContextVar(f"lt_log_{name}_inv", default=None)
        self.scoped: ContextVar[Mapping[str, Any]] = ContextVar(f"lt_log_{name}_scoped", default=_EMPTY)
        carry_state(self)

    def export(self) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]:
        """The three scopes as plain dicts (what crosses to a worker process)."""
        own = self.invocation.get()
        return dict(self.shared), None if own is None else dict(own), dict(self.scoped.get())

    def restore(self, value: Any) -> None:
        """Take the scopes ``export`` gave (None: keys that could not cross, the invocation
        and scoped ones are dropped, the shared ones kept)."""
        if value is None:
            self.invocation.set(None)
            self.scoped.set(_EMPTY)
            return
        shared, own, scoped = value
        self.shared = MappingProxyType(shared)
        self.invocation.set(None if own is None else MappingProxyType(own))
        self.scoped.set(MappingProxyType(scoped))

    def current(self) -> dict[str, Any]:
        """Every key a line written now would carry, in the order they are applied."""
        merged = dict(self.base())
        merged.update(self.scoped.get())
        return merged

    def base(self) -> Mapping[str, Any]:
        """The shared keys, or the invocation's own view of them when it changed them."""
        own = self.invocation.get()
        return self.shared if own is None else own

    def append(self, keys: Mapping[str, Any]) -> None:
        """Add keys to the invocation in progress, or to every line when outside one."""
        if current_invocation() is None:
            self.shared = MappingProxyType({**self.shared, **keys})
        else:
            self.invocation.set(MappingProxyType({**self.base(), **keys}))

    def remove(self, names: tuple[str, ...]) -> None:
        """Remove keys from the same scope ``append`` would write to."""
        if current_invocation() is None:
            self.shared = MappingProxyType({k: v for k, v in self.shared.items() if k not in names})
        else:
            self.invocation.set(MappingProxyType({k: v for k, v in self.base().items() if k not in names}))
        scoped = self.scoped.get()
        if any(name in scoped for name in names):
            self.scoped.set(MappingProxyType({k: v for k, v in scoped.items() if k not in names}))

    def clear(self) -> None:
        """Drop the keys of the current scope (the invocation's, or all shared keys outside one)."""
        if current_invocation() is None:
            self.shared = _EMPTY
        else:
            self.invocation.set(MappingProxyType({}))
        self.scoped.set(_EMPTY)

    def start_invocation(self) -> Token[Mapping[str, Any] | None]:
        """Give the invocation starting now a clean view (the shared keys only)."""
        return self.invocation.set(None)

    def end_invocation(self, token: Token[Mapping[str, Any] | None]) -> None:
        """Forget what the invocation appended."""
        try:
            self.invocation.reset(token)
        except ValueError:  # ended in another context (a generator resumed elsewhere)
            self.invocation.set(None)


class ScopedKeys:
    """The ``with`` block of ``Logger.scoped_keys`` (a class: no generator made per block)."""

    __slots__ = ("_keys", "_scopes", "_token")

    def __init__(self, scopes: KeyScopes, keys: Mapping[str, Any]) -> None:
        self._scopes = scopes
        self._keys = keys
        self._token: Token[Mapping[str, Any]] | None = None

    def __enter__(self) -> None:
        scoped = self._scopes.scoped
        self._token = scoped.set(MappingProxyType({**scoped.get(), **self._keys}))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        token, self._token = self._token, None
        if token is None:
            return
        try:
            self._scopes.scoped.reset(token)
        except ValueError:  # left in another context than it was entered in
            self._scopes.scoped.set(_EMPTY)
