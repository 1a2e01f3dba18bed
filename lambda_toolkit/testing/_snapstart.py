"""A SnapStart restore in a test: the after-restore hooks, run as Lambda's runtime runs them.

On Lambda the runtime client calls, once per restored sandbox and before its first
invocation, every callable registered with ``snapshot_restore_py.register_after_restore``
in the order of registration. Under SnapStart the package registers its own
(``lambda_toolkit.core.snapstart.run_restore_hooks``) when the core is imported; in a
test that variable is not set, so ``simulate_restore`` runs the package's hooks first
(as on Lambda, where the package is imported before the handler registers its own),
then the ones your code registered with ``snapshot_restore_py``.
"""

from __future__ import annotations

from lambda_toolkit.core.snapstart import run_restore_hooks

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["simulate_restore"]


def simulate_restore() -> None:
    """Do what Lambda does when it resumes a sandbox from a SnapStart snapshot: run the
    package's after-restore hooks (unless turned off: ``LAMBDA_TOOLKIT_SNAPSTART=off``,
    ``snapstart.disable()``), then each hook registered with ``snapshot_restore_py``'s
    ``register_after_restore``, with its arguments, in order (when that module is installed).

    The next invocation is then the first after the restore: ``restored`` and the cold
    start. Call it once per simulated sandbox; an exception of your hook propagates, as it
    would fail the restore on Lambda.
    """
    try:
        from snapshot_restore_py import get_after_restore  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        registered: list[Any] = []
    else:
        registered = list(get_after_restore())  # (func, args, kwargs) tuples
    if not any(func is run_restore_hooks for func, _, _ in registered):
        run_restore_hooks()
    for func, args, kwargs in registered:
        func(*args, **kwargs)
