"""``@watchdog``: a post-mortem line shortly before Lambda stops a handler, without
interrupting it.

For a function that must not be interrupted (no ``timeout_guard``) but whose timeouts
must be explained: ``margin_ms`` before the deadline, if the handler is still running,
one log line says where its thread is (see ``_postmortem``). The handler goes on; Lambda
stops it at the deadline as before.
"""

from __future__ import annotations

import time

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.middleware import Call, Middleware, MiddlewareDecorator, Slot
from lambda_toolkit.timeout._deadline import check_margin, remaining_ms_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from lambda_toolkit.timeout._postmortem import PostMortem

__all__ = ["DEFAULT_WATCHDOG_MARGIN_MS", "check_all_threads", "watchdog"]

DEFAULT_WATCHDOG_MARGIN_MS = 500


def check_all_threads(value: object, where: str) -> bool:
    """``value`` if it is a bool, else ConfigurationError naming ``where``."""
    if not isinstance(value, bool):
        raise ConfigurationError(f"{where}: all_threads must be True or False, got a {type(value).__name__}")
    return value


def _watchdog_layer(*, margin_ms: float = DEFAULT_WATCHDOG_MARGIN_MS, all_threads: bool = False) -> Middleware:
    """Log a post-mortem of the handler ``margin_ms`` before the deadline if it still runs."""
    margin = check_margin(margin_ms, "watchdog")
    every_thread = check_all_threads(all_threads, "watchdog")
    name = f"watchdog(margin_ms={margin:g})"
    armed: Slot[PostMortem] = Slot("timeout.watchdog")
    validated = False

    def before(call: Call) -> None:
        nonlocal validated
        invocation = call.invocation
        now = time.monotonic()
        remaining = None if invocation is None else invocation.remaining_ms()
        if remaining is None:  # the context could not tell: remaining_ms_of raises the error that says why
            remaining = remaining_ms_of(call.args[-1], "watchdog")
        if not validated:
            if remaining <= margin:
                raise ConfigurationError(
                    f"watchdog: margin_ms={margin:g} is not below the function's timeout "
                    f"({remaining:.0f} ms remained at the first invocation); use a smaller margin or a longer timeout"
                )
            validated = True
        if invocation is None:  # pragma: no cover - handler_only guarantees an invocation
            return
        from lambda_toolkit.timeout import _postmortem

        due = now + max(0.0, remaining - margin) / 1000.0
        armed.set(
            call,
            _postmortem.arm(
                invocation,
                trigger="watchdog",
                margin_ms=margin,
                all_threads=every_thread,
                due=due,
                dump_due=due + margin / 2000.0,
            ),
        )

    def finish(call: Call) -> None:
        post_mortem = armed.pop(call)
        if post_mortem is not None:
            post_mortem.close()

    return Middleware(name, before=before, after=finish, on_error=finish, handler_only=True)


watchdog = MiddlewareDecorator(_watchdog_layer, "watchdog")
"""Log where the handler is ``margin_ms`` before Lambda stops it, without interrupting it.

``@watchdog`` (500 ms) or ``@watchdog(margin_ms=..., all_threads=...)``; both options
keyword-only. If the handler is still running at that instant, one WARNING line on the
``lambda_toolkit.timeout`` logger gives the stack of the thread running it (of every
thread with ``all_threads=True``), the time left, the request id and the batch records
in progress. When the handler's thread holds the GIL in C code, ``faulthandler`` writes
every thread's stack to stderr as text ``margin_ms / 2`` before the deadline instead.
"""
