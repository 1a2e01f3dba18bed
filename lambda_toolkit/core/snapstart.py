"""SnapStart: what the package does again after Lambda restores a snapshot of the sandbox.

With SnapStart, Lambda runs the init phase once, when a version is published, snapshots
the sandbox and resumes every new execution environment from that snapshot, maybe days
later. Whatever init left in memory is then shared by every restored copy: cached
secrets (maybe rotated since), open connections (dead), the random generator's state
(every copy would draw the same "random" jitter and sampling decisions), timestamps taken
on a clock that did not run while the snapshot was stored.

Each utility registers here, for itself, what it redoes after a restore
(``on_restore(callback)``); the utilities never import each other, so the registry is
in the core. ``run_restore_hooks`` runs, in this order: the core's own work (the next
invocation is marked ``restored`` and counts as the cold start again, the ``random``
module is seeded again when it was imported), then the callbacks in their order of
registration.

Under SnapStart (Lambda sets ``AWS_LAMBDA_INITIALIZATION_TYPE`` to ``snap-start`` during
that init), importing the core registers ``run_restore_hooks`` with the runtime's
``snapshot_restore_py`` (``register_after_restore``): that module is imported only then,
so nothing is paid elsewhere. ``LAMBDA_TOOLKIT_SNAPSTART=off`` (or ``false``, ``0``)
registers nothing; ``disable()`` makes the hooks do nothing from then on.
``lambda_toolkit.testing.simulate_restore()`` runs the hooks as the runtime would.
"""

from __future__ import annotations

import os
import sys

from lambda_toolkit.core import state
from lambda_toolkit.core.state import on_restore

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "INITIALIZATION_TYPE",
    "SWITCH_VARIABLE",
    "disable",
    "enable",
    "enabled",
    "on_restore",
    "register_with_runtime",
    "restore_hooks",
    "run_restore_hooks",
    "snapstart_init",
]

#: The value of ``AWS_LAMBDA_INITIALIZATION_TYPE`` while Lambda initialises a sandbox for a SnapStart snapshot.
INITIALIZATION_TYPE = "snap-start"
#: The opt-out: ``off``, ``false``, ``no`` or ``0`` and the package registers no hook with the runtime.
SWITCH_VARIABLE = "LAMBDA_TOOLKIT_SNAPSTART"
_OFF = frozenset({"off", "false", "no", "0"})

_disabled = False
_registered = False


def snapstart_init() -> bool:
    """True when Lambda initialises this sandbox for a SnapStart snapshot
    (``AWS_LAMBDA_INITIALIZATION_TYPE`` is ``snap-start``)."""
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == INITIALIZATION_TYPE


def _switched_off() -> bool:
    return os.environ.get(SWITCH_VARIABLE, "").strip().lower() in _OFF


def enabled() -> bool:
    """True unless the package's restore hooks are turned off (``disable()`` or
    ``LAMBDA_TOOLKIT_SNAPSTART=off``)."""
    return not _disabled and not _switched_off()


def disable() -> None:
    """Turn the package's restore hooks off: after a restore, caches, clients, the random
    generator and the cold start are left as the snapshot had them. Call it during init
    (a hook already registered with the runtime then does nothing)."""
    global _disabled
    _disabled = True


def enable() -> None:
    """Undo ``disable()`` (``LAMBDA_TOOLKIT_SNAPSTART=off`` still wins)."""
    global _disabled
    _disabled = False


def restore_hooks() -> tuple[Callable[[], object], ...]:
    """The registered callbacks, in the order they run."""
    return tuple(state._restore_callbacks)


def run_restore_hooks() -> None:
    """What the package does after a restore (nothing when ``enabled()`` is False).

    The runtime calls it once, before the first invocation of the restored sandbox. A
    callback that raises is logged (its name and the error's type: never a value) and the
    others still run: a restore that fails costs the invocation, a stale cache does not.
    """
    if not enabled():
        return
    state.mark_restored()
    # Only when imported: a module imported later is seeded from os.urandom then, and
    # Lambda makes os.urandom unique to each restored sandbox.
    random = sys.modules.get("random")
    if random is not None:
        random.seed()
    for callback in tuple(state._restore_callbacks):
        try:
            callback()
        except Exception as error:  # one failing hook must not stop the others
            import logging  # only when a hook fails: the package imports it only when it logs

            name = getattr(callback, "__qualname__", type(callback).__name__)
            log = logging.getLogger("lambda_toolkit.core")
            log.warning("SnapStart restore hook %s failed (%s)", name, type(error).__name__)


def register_with_runtime() -> bool:
    """Register ``run_restore_hooks`` with the runtime's ``snapshot_restore_py`` (once);
    False when that module cannot be imported (not on a SnapStart-capable runtime) or the
    hooks are turned off. Done on import of the core under SnapStart: call it yourself
    only to register outside that case."""
    global _registered
    if _registered:
        return True
    if not enabled():
        return False
    try:
        from snapshot_restore_py import register_after_restore  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        return False
    register_after_restore(run_restore_hooks)
    _registered = True
    return True


if snapstart_init():
    register_with_runtime()
