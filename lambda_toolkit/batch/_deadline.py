"""Deadline awareness: stop starting records when the invocation is about to run out of time.

The deadline comes from the core invocation state (a ``time.monotonic()`` instant, fixed
once known, so it is read once per batch). A timeout guard working cooperatively (off the
main thread, where it cannot raise into the code) raises the flag
``invocation.data["timeout.interrupted"]`` instead: it is checked before every record too.
Outside an invocation, or when the context cannot tell the remaining time, there is no
deadline.
"""

from __future__ import annotations

import time
from typing import Any

from lambda_toolkit.batch._errors import DeadlineMarginError
from lambda_toolkit.core.state import Invocation, current_invocation

__all__ = ["INTERRUPTED_FLAG", "Deadline"]

INTERRUPTED_FLAG = "timeout.interrupted"
"""The invocation-state key a timeout guard sets when it reaches its margin."""

_monotonic = time.monotonic


class Deadline:
    """``reached()`` is true once less than ``margin_ms`` is left, or a guard interrupted."""

    __slots__ = ("_invocation", "_margin")

    def __init__(self, margin_ms: float, invocation: Invocation | None = None) -> None:
        self._invocation = invocation if invocation is not None else current_invocation()
        self._margin = margin_ms / 1000.0

    def check(self, where: str) -> None:
        """Raise DeadlineMarginError when the margin is not below the whole time the
        invocation had when it started: no record could ever start, in any invocation.
        (A batch started late in its invocation, with less than the margin left, is not
        a mistake: its records are reported with the reason "deadline".)"""
        invocation = self._invocation
        if invocation is None or self._margin <= 0:
            return
        deadline = invocation.deadline
        if deadline is None:
            return
        # whole milliseconds, as the context reports them
        whole_ms = float(int((deadline - invocation.started) * 1000.0))
        if self._margin * 1000.0 >= whole_ms:
            raise DeadlineMarginError(where, self._margin * 1000.0, whole_ms)

    def stop_at(self) -> float | None:
        """The monotonic instant from which no record may start, or None without a deadline."""
        invocation = self._invocation
        if invocation is None:
            return None
        deadline = invocation.deadline
        return None if deadline is None else deadline - self._margin

    def flags(self) -> dict[str, Any]:
        """The invocation state's data, where a timeout guard raises its flag (empty outside one)."""
        return {} if self._invocation is None else self._invocation.data

    def interrupted(self) -> bool:
        """True when a timeout guard has flagged the invocation as interrupted."""
        return self._invocation is not None and bool(self._invocation.data.get(INTERRUPTED_FLAG))

    def reached(self) -> bool:
        """True when the remaining time is below the margin: start no more records."""
        invocation = self._invocation
        if invocation is None:
            return False
        if invocation.data.get(INTERRUPTED_FLAG):
            return True
        deadline = invocation.deadline
        return deadline is not None and _monotonic() >= deadline - self._margin

    def wait_budget(self) -> float | None:
        """Seconds the processor may still wait for records in flight before it must
        answer: until half the margin is left. None without a deadline."""
        invocation = self._invocation
        if invocation is None or invocation.deadline is None:
            return None
        return max(0.0, invocation.deadline - self._margin / 2.0 - _monotonic())
