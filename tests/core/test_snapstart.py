"""SnapStart: the after-restore hooks of the core, the restored invocation, the runtime registration."""

from __future__ import annotations

import json
import logging
import random
import subprocess
import sys
from typing import Any

import pytest

from lambda_toolkit.core import Invocation, Middleware, current_invocation, middleware, snapstart, state
from lambda_toolkit.core.aws import LazyClient, use_client
from lambda_toolkit.testing import FakeContext, simulate_restore


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    # The callbacks a test registers are forgotten after it; the package's own stay.
    monkeypatch.setattr(state, "_restore_callbacks", list(state._restore_callbacks))
    monkeypatch.setattr(snapstart, "_disabled", False)
    monkeypatch.delenv(snapstart.SWITCH_VARIABLE, raising=False)


@middleware
def layer() -> Middleware:
    return Middleware("layer")


@layer
def capture(event: Any, context: Any) -> Invocation | None:
    return current_invocation()


def invoke() -> Invocation:
    invocation = capture({}, FakeContext())
    assert invocation is not None
    return invocation


def test_the_first_invocation_after_a_restore_is_restored_and_the_cold_start() -> None:
    simulate_restore()
    first, second = invoke(), invoke()
    assert (first.restored, first.cold_start) == (True, True)
    assert (second.restored, second.cold_start) == (False, False)


def test_an_invocation_without_a_restore_is_not_restored() -> None:
    assert invoke().restored is False


def test_invocations_made_during_init_do_not_take_the_restored_sandbox_cold_start() -> None:
    primed = invoke()  # priming: the handler called before the snapshot
    assert primed.cold_start is True
    assert invoke().cold_start is False
    simulate_restore()
    assert invoke().cold_start is True


def test_callbacks_run_after_a_restore_in_their_order_once_each() -> None:
    calls: list[str] = []

    def first() -> None:
        calls.append("first")

    def second() -> None:
        calls.append("second")

    assert snapstart.on_restore(first) is first
    snapstart.on_restore(second)
    snapstart.on_restore(first)  # registered again: still once
    assert calls == []
    simulate_restore()
    assert calls == ["first", "second"]


def test_on_restore_decorates_a_function() -> None:
    calls: list[int] = []

    @snapstart.on_restore
    def again() -> None:
        calls.append(1)

    simulate_restore()
    assert calls == [1]


def test_a_failing_callback_is_logged_without_its_message_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    def broken() -> None:
        raise ValueError("s3cr3t-value")

    snapstart.on_restore(broken)
    snapstart.on_restore(lambda: calls.append("after"))
    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.core"):
        simulate_restore()
    assert calls == ["after"]
    assert invoke().restored is True
    assert "broken" in caplog.text and "ValueError" in caplog.text
    assert "s3cr3t" not in caplog.text


def test_the_random_generator_is_seeded_again_so_restored_copies_draw_differently() -> None:
    random.seed(1234)
    snapshot = random.getstate()  # every restored copy starts from the snapshot's state
    simulate_restore()
    first_copy = [random.random() for _ in range(4)]
    random.setstate(snapshot)
    simulate_restore()
    second_copy = [random.random() for _ in range(4)]
    assert first_copy != second_copy


def test_aws_clients_are_made_anew_after_a_restore() -> None:
    stale = object()
    use_client("sqs", stale)
    holder = LazyClient("sqs")
    assert holder.get() is stale
    simulate_restore()
    assert holder.made is False


def test_disable_turns_every_hook_off() -> None:
    calls: list[int] = []
    snapstart.on_restore(lambda: calls.append(1))
    random.seed(7)
    state = random.getstate()
    snapstart.disable()
    assert snapstart.enabled() is False
    simulate_restore()
    assert calls == []
    assert random.getstate() == state
    assert invoke().restored is False
    snapstart.enable()
    simulate_restore()
    assert calls == [1]


@pytest.mark.parametrize("value", ["off", "false", "0", "OFF", "no"])
def test_the_environment_variable_turns_the_hooks_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    calls: list[int] = []
    snapstart.on_restore(lambda: calls.append(1))
    monkeypatch.setenv("LAMBDA_TOOLKIT_SNAPSTART", value)
    simulate_restore()
    assert calls == []
    assert invoke().restored is False
    assert snapstart.register_with_runtime() is False


def test_snapstart_init_reads_lambdas_initialization_type(monkeypatch: pytest.MonkeyPatch) -> None:
    assert snapstart.snapstart_init() is False
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    assert snapstart.snapstart_init() is True
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
    assert snapstart.snapstart_init() is False


def _run(code: str, **env: str) -> Any:
    import os

    environ = {key: value for key, value in os.environ.items() if key != "AWS_LAMBDA_INITIALIZATION_TYPE"}
    environ.update(env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environ)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_without_snapstart_the_runtime_module_is_never_imported() -> None:
    code = (
        "import json, sys\n"
        "import lambda_toolkit, lambda_toolkit.core, lambda_toolkit.core.aws\n"
        "print(json.dumps('snapshot_restore_py' in sys.modules))"
    )
    assert _run(code) is False


def test_importing_the_package_alone_registers_nothing_even_under_snapstart() -> None:
    code = "import json, sys\nimport lambda_toolkit\nprint(json.dumps('snapshot_restore_py' in sys.modules))"
    assert _run(code, AWS_LAMBDA_INITIALIZATION_TYPE="snap-start") is False


def test_under_snapstart_the_core_registers_with_the_runtime_and_the_runtime_runs_it() -> None:
    # The real runtime path: snapshot_restore_py's registry, run by awslambdaric's hook runner.
    code = (
        "import json\n"
        "import snapshot_restore_py\n"
        "from awslambdaric import lambda_runtime_hooks_runner\n"
        "from lambda_toolkit.core import snapstart, current_invocation, middleware, Middleware\n"
        "from lambda_toolkit.testing import FakeContext\n"
        "layer = middleware(lambda: Middleware('layer'))\n"
        "handler = layer(lambda event, context: current_invocation())\n"
        "primed = handler({}, FakeContext())\n"
        "mine = []\n"
        "snapshot_restore_py.register_after_restore(mine.append, 'user hook')\n"
        "registered = [func for func, _, _ in snapshot_restore_py.get_after_restore()]\n"
        "lambda_runtime_hooks_runner.run_after_restore()\n"
        "first, second = handler({}, FakeContext()), handler({}, FakeContext())\n"
        "print(json.dumps({'ours_first': registered[0] is snapstart.run_restore_hooks,\n"
        "    'count': len(registered), 'mine': mine, 'primed': primed.cold_start,\n"
        "    'first': [first.restored, first.cold_start], 'second': [second.restored, second.cold_start]}))"
    )
    result = _run(code, AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    assert result == {
        "ours_first": True,
        "count": 2,
        "mine": ["user hook"],
        "primed": True,
        "first": [True, True],
        "second": [False, False],
    }


def test_the_switch_keeps_the_core_from_registering_under_snapstart() -> None:
    code = (
        "import json, snapshot_restore_py\n"
        "import lambda_toolkit.core\n"
        "print(json.dumps(len(snapshot_restore_py.get_after_restore())))"
    )
    assert _run(code, AWS_LAMBDA_INITIALIZATION_TYPE="snap-start", LAMBDA_TOOLKIT_SNAPSTART="off") == 0
