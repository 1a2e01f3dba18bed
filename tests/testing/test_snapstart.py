"""simulate_restore: the after-restore hooks run as Lambda's runtime runs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import snapshot_restore_py

from lambda_toolkit.core import snapstart, state
from lambda_toolkit.testing import simulate_restore


@pytest.fixture(autouse=True)
def _registries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    # The runtime's registry is a module-level list: what a test adds is removed after it.
    monkeypatch.setattr(state, "_restore_callbacks", list(state._restore_callbacks))
    monkeypatch.setattr(snapstart, "_disabled", False)
    registry = snapshot_restore_py.get_after_restore()
    before = list(registry)
    yield registry
    registry[:] = before


def test_hooks_registered_with_snapshot_restore_py_run_after_the_packages_with_their_arguments() -> None:
    calls: list[object] = []
    snapstart.on_restore(lambda: calls.append("package"))
    snapshot_restore_py.register_after_restore(lambda *args, **kwargs: calls.append((args, kwargs)), 1, key="v")

    @snapshot_restore_py.register_after_restore  # type: ignore[untyped-decorator]
    def decorated() -> None:
        calls.append("decorated")

    simulate_restore()
    assert calls == ["package", ((1,), {"key": "v"}), "decorated"]


def test_the_packages_hook_runs_once_when_it_is_registered_with_the_runtime_too() -> None:
    calls: list[str] = []
    snapstart.on_restore(lambda: calls.append("package"))
    snapshot_restore_py.register_after_restore(lambda: calls.append("user"))
    snapshot_restore_py.register_after_restore(snapstart.run_restore_hooks)  # as under SnapStart
    simulate_restore()
    assert calls == ["user", "package"]  # the runtime's order: registration


def test_a_failing_user_hook_fails_the_simulated_restore_as_it_would_fail_the_real_one() -> None:
    def broken() -> None:
        raise RuntimeError("cannot reconnect")

    snapshot_restore_py.register_after_restore(broken)
    with pytest.raises(RuntimeError, match="cannot reconnect"):
        simulate_restore()
