"""The per-invocation state of a service's logger: sampling verdict and the debug buffer.

Lines below the level are kept (already formatted, so their timestamp and fields are
those of the moment they were logged) in a bounded buffer; they are written out when
the invocation logs an error or the handler raises, and dropped when it ends well.
"""

from __future__ import annotations

from collections import deque

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["InvocationLogState", "LineBuffer"]


class LineBuffer:
    """At most ``size`` lines; past that the oldest go, and are counted."""

    __slots__ = ("dropped", "lines")

    def __init__(self, size: int) -> None:
        self.lines: deque[str] = deque(maxlen=size)
        self.dropped = 0

    def add(self, line: str) -> None:
        """Keep a line, pushing out the oldest when full."""
        lines = self.lines
        if len(lines) == lines.maxlen:
            self.dropped += 1
        lines.append(line)

    def drain(self, write: Callable[[str], None]) -> int:
        """Write out every kept line in order (and empty the buffer); return how many were dropped."""
        lines = self.lines
        while lines:
            try:
                line = lines.popleft()
            except IndexError:  # drained concurrently (a signal handler, another thread)
                break
            write(line)
        dropped, self.dropped = self.dropped, 0
        return dropped

    def clear(self) -> None:
        """Forget every kept line."""
        self.lines.clear()
        self.dropped = 0


class InvocationLogState:
    """What one logger configuration decided for one invocation."""

    __slots__ = ("buffer", "level")

    def __init__(self, level: int, buffer: LineBuffer | None) -> None:
        self.level = level
        self.buffer = buffer
