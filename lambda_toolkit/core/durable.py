"""Lambda durable functions (AWS's ``aws-durable-execution-sdk-python``) as the core sees them.

``@durable_execution`` turns Lambda's raw durable event (``DurableExecutionArn``,
``CheckpointToken``, the checkpointed operations) into the execution's input and a
``DurableContext``, then calls the user's function with ``(input, DurableContext)``. The
SDK replays that function from the start after every wait, callback or failure; the
operations already checkpointed return their recorded results instead of running again,
and the context's ``is_replaying()`` says whether the code running now has run before.
Steps receive a ``StepContext`` (the SDK's ``OperationContext`` family). A wait suspends
the invocation by raising the SDK's ``SuspendExecution``, a ``BaseException``.

The core recognises these objects without importing the SDK (cold start): an object can
only be an instance of one of the SDK's classes once the module defining the class is
loaded, so each check looks the module up in ``sys.modules`` first.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

__all__ = [
    "execution_arn_of",
    "innermost_context",
    "innermost_replaying",
    "invocation_of_code",
    "is_durable_context",
    "is_durable_input",
    "is_durable_wrapper",
    "is_operation_context",
    "is_suspension",
    "track",
    "untrack",
]

_SDK = "aws_durable_execution_sdk_python"


def _sdk_class(module: str, name: str) -> Any:
    found = sys.modules.get(f"{_SDK}.{module}")
    return None if found is None else getattr(found, name, None)


def is_durable_context(value: object) -> bool:
    """True when ``value`` is the SDK's ``DurableContext`` (what a durable handler and a
    child context, map item or parallel branch receive)."""
    cls = _sdk_class("context", "DurableContext")
    return cls is not None and isinstance(value, cls)


def innermost_context() -> Any:
    """The ``DurableContext`` the running code belongs to: the one taken as an argument by
    the nearest function up the stack (the handler's, or a child context's: a
    ``run_in_child_context`` function, a ``map`` item, a ``parallel`` branch), or None.

    For durable functions only (it reads the arguments of the frames up the stack: a
    dict built per frame): asked while the handler's context replays, and by code on the
    SDK's own threads (``map`` and ``parallel`` branches), which do not carry the
    invocation's state.
    """
    cls = _sdk_class("context", "DurableContext")
    if cls is None:
        return None
    frame: FrameType | None = sys._getframe(1)
    for _ in range(_MAX_FRAMES):
        if frame is None:
            break
        code = frame.f_code
        count = code.co_argcount + code.co_kwonlyargcount
        if count:
            arguments = frame.f_locals
            for name in code.co_varnames[:count]:
                value = arguments.get(name)
                if isinstance(value, cls):
                    return value
        frame = frame.f_back
    return None


_MAX_FRAMES = 200


def innermost_replaying() -> bool | None:
    """Whether the ``DurableContext`` the running code belongs to is replaying (None when
    no frame holds one).

    A child context replays on its own: the handler's context stays "replaying" until the
    whole child operation is done, while the child may already run new code (resumed
    after a wait inside it).
    """
    context = innermost_context()
    return None if context is None else bool(context.is_replaying())


_running: dict[str, Any] = {}  # execution ARN -> its Invocation, while its handler runs


def track(invocation: Any) -> None:
    """Note a durable invocation as running (``begin_durable_invocation`` does), so that
    code on the SDK's threads finds it (``invocation_of_code``)."""
    _running[invocation.execution_arn] = invocation


def untrack(invocation: Any) -> None:
    """Forget a durable invocation that ended."""
    arn = invocation.execution_arn
    if _running.get(arn) is invocation:
        del _running[arn]


def invocation_of_code() -> Any:
    """The durable invocation the running code belongs to, found through its
    ``DurableContext`` (for a ``map``/``parallel`` branch on the SDK's threads), or None."""
    if not _running:
        return None
    context = innermost_context()
    return None if context is None else _running.get(execution_arn_of(context))


def is_operation_context(value: object) -> bool:
    """True when ``value`` is the context the SDK hands to a step (``StepContext``), a
    wait-for-condition check or a callback submitter (their base, ``OperationContext``)."""
    cls = _sdk_class("types", "OperationContext")
    return cls is not None and isinstance(value, cls)


def is_suspension(error: BaseException | None) -> bool:
    """True when ``error`` is the SDK's ``SuspendExecution``: the handler is not failing, the
    invocation ends with the execution PENDING (a wait, a callback, a retry delay) and a
    later invocation replays it."""
    cls = _sdk_class("exceptions", "SuspendExecution")
    return cls is not None and isinstance(error, cls)


def execution_arn_of(durable_context: Any) -> str:
    """The ARN of the durable execution a ``DurableContext`` belongs to: the same in every
    invocation (first run and replays) of one execution."""
    return str(durable_context.execution_context.durable_execution_arn)


def is_durable_input(event: object) -> bool:
    """True for the raw event Lambda sends a durable function (before ``@durable_execution``
    turns it into the execution's input), or the SDK's own object for it (local testing)."""
    if type(event) is dict:
        return "DurableExecutionArn" in event and "CheckpointToken" in event
    cls = _sdk_class("execution", "DurableExecutionInvocationInput")
    return cls is not None and isinstance(event, cls)


def is_durable_wrapper(fn: object) -> bool:
    """True when ``fn`` is the handler ``@durable_execution`` made (its code lives in the
    SDK's ``execution`` module; ``durable_step`` and the like make theirs elsewhere)."""
    code = getattr(fn, "__code__", None)
    return code is not None and code.co_filename.replace("\\", "/").endswith(f"{_SDK}/execution.py")
