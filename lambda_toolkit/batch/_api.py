"""The two ways to use the utility: the ``@batch`` decorator and ``process_batch()``.

``@batch(source)`` is made by core's middleware factory. Its layer changes the call
signature: ``prepare`` checks the record function when the decorator is applied, and
``signature`` presents the result as an ``(event, context)`` handler; the before hook
runs ``call.target`` (the record function, maybe itself decorated) once per record and
answers the invocation with the partial batch response. An ``async def`` record function
gives a plain (sync) handler, as the Lambda Python runtime wants: the records are awaited
on an event loop inside the call.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Awaitable, Callable, Mapping
from types import FunctionType

from lambda_toolkit.batch._answer import Answer, run_coroutine
from lambda_toolkit.batch._options import plan_for
from lambda_toolkit.batch._processor import Plan
from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.core.middleware import Call, Middleware, MiddlewareDecorator

# typing and inspect cost milliseconds at cold start: type names are for type checkers
# only, and inspect is imported when a signature is asked for (or a record function is
# not a plain function)
TYPE_CHECKING = False
if TYPE_CHECKING:
    import inspect
    from typing import Any

    from typing_extensions import Unpack

    from lambda_toolkit.batch._outcome import BatchOutcome
    from lambda_toolkit.batch._types import BatchHandler, BatchOptions, Source

__all__ = ["batch", "process_batch", "process_batch_async"]

_CO_VARARGS = 0x04
_CO_COROUTINE = 0x80
_CO_ASYNC_GENERATOR = 0x200


def _is_async(fn: Any) -> bool:
    code = getattr(fn, "__code__", None)  # functions and bound methods: their code flags
    if code is not None:
        if code.co_flags & _CO_COROUTINE:
            return True
        # a sync function marked as a coroutine function (3.12+): whoever marks one has
        # imported inspect
        marker = sys.modules.get("inspect") if sys.version_info >= (3, 12) else None
        return marker is not None and bool(marker.iscoroutinefunction(fn))
    import inspect

    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)


def _refuse_async_generator(fn: Any, where: str) -> None:
    """An async generator function is not a record function: calling one runs none of its
    code, and every record would count as processed."""
    code = getattr(fn, "__code__", None)
    if code is not None and code.co_flags & _CO_ASYNC_GENERATOR:
        raise ConfigurationError(
            f"{where}: the record function {fn.__qualname__} is an async generator function; "
            "a record function returns or raises once per record (async def without yield)"
        )


class _AsyncRecordFunction:
    """A sync stand-in for an ``async def`` record function, so the handler stays sync."""

    def __init__(self, function: Callable[..., Awaitable[Any]]) -> None:
        self.function = function
        functools.update_wrapper(self, function)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return run_coroutine(self.function(*args, **kwargs))


def _binds(fn: FunctionType, count: int) -> bool:
    """True when the plain function ``fn`` accepts ``count`` positional arguments alone."""
    code = fn.__code__
    positional = code.co_argcount
    required = positional - len(fn.__defaults__ or ())
    required_keywords = code.co_kwonlyargcount - len(fn.__kwdefaults__ or {})
    fits = count <= positional or bool(code.co_flags & _CO_VARARGS)
    return required <= count and fits and required_keywords == 0


def _takes_self(fn: Callable[..., Any]) -> bool:
    """Check the record function's signature; True when it is a method (self, record)."""
    if type(fn) is FunctionType:  # the common case, read from its code (no inspect)
        if _binds(fn, 1):
            return False
        names = fn.__code__.co_varnames[: fn.__code__.co_argcount]
        if names and names[0] in ("self", "cls") and _binds(fn, 2):
            return True
        import inspect

        signature = inspect.signature(fn)
    else:
        import inspect

        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError):  # a builtin without a signature: nothing to check
            return False
        try:
            signature.bind(None)
            return False
        except TypeError:
            pass
        names = tuple(signature.parameters)
        if names and names[0] in ("self", "cls"):
            try:
                signature.bind(None, None)
                return True
            except TypeError:
                pass
    name = getattr(fn, "__qualname__", type(fn).__name__)
    raise ConfigurationError(
        f"batch: the record function {name}{signature} must accept exactly one positional argument, the record"
    )


def _handler_signature(takes_self: bool) -> inspect.Signature:
    import inspect
    from typing import Any

    from lambda_toolkit.core.context import LambdaContext

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter("self", kind)] if takes_self else []
    parameters += [
        inspect.Parameter("event", kind, annotation=Mapping[str, Any]),
        inspect.Parameter("context", kind, annotation=LambdaContext),
    ]
    return inspect.Signature(parameters, return_annotation=dict[str, Any])


def _presented_signature(fn: Callable[..., Any]) -> inspect.Signature:
    """What a batch handler presents: ``(event, context)``, or ``(self, event, context)``
    for a method."""
    return _handler_signature(_takes_self(fn))


def _check_processes(plan: Plan, fn: Callable[..., Any], *, takes_self: bool, is_async: bool) -> None:
    """With ``processes=``: a sync function of the record that worker processes can get."""
    if plan.processes is None:
        return
    if is_async:
        raise ConfigurationError(
            f"{plan.where}: processes= runs CPU-bound sync record functions; "
            "an async def record function takes concurrency= instead"
        )
    if takes_self:
        raise ConfigurationError(f"{plan.where}: processes= needs a plain function of the record, not a method")
    from lambda_toolkit.batch._processes import check_record_function  # multiprocessing: only for its users

    check_record_function(fn, plan.where)


def _prepare(plan: Plan, fn: Any) -> Callable[..., Any]:
    """Check the record function when ``@batch`` is applied; what the engine calls."""
    if not callable(fn):
        raise ConfigurationError(f"batch: the record function must be callable, got {type(fn).__name__}")
    _refuse_async_generator(fn, plan.where)
    takes_self = _takes_self(fn)  # raises for a function that cannot take the record
    is_async = _is_async(fn)
    _check_processes(plan, fn, takes_self=takes_self, is_async=is_async)
    return _AsyncRecordFunction(fn) if is_async else fn


def _record_function_of(call: Call) -> tuple[Callable[[Any], Any], bool]:
    """The record function a handler call runs, and whether it is async."""
    target = call.target
    is_async = isinstance(target, _AsyncRecordFunction)
    fn: Callable[[Any], Any] = target.function if isinstance(target, _AsyncRecordFunction) else target
    lead = call.args[:-2]
    if lead:  # a method: handler(self, event, context) -> record function(self, record)
        fn = functools.partial(fn, *lead)
    return fn, is_async


def _batch_layer(source: Source | None = None, model: Any = None, **options: Unpack[BatchOptions]) -> Middleware:
    """Turn a function of one record into a Lambda handler answering with partial failures
    (``@batch(source, model=None, **options)``: the options are described with its typed
    signature below, in the API reference and in docs/batch.md)."""
    plan = plan_for("batch", source, model, options)

    def before(call: Call) -> None:
        answer = Answer(plan, call.event)
        # The timeout guard's InvocationTimeout can land at any instruction: whenever it
        # does (after the record loop, while the response is built...), the handler still
        # answers with the partial response.
        while True:
            try:
                call.respond(answer.step(functools.partial(_record_function_of, call)).response)
                return
            except InvocationTimeout:
                answer.interrupted = True

    # the handler is called as handler(event, context) and runs the record function itself
    return Middleware(
        "batch",
        before=before,
        handler_only=True,
        mapping_event=True,
        prepare=functools.partial(_prepare, plan),
        signature=_presented_signature,
    )


if TYPE_CHECKING:

    def batch(
        source: Source, model: Any = None, **options: Unpack[BatchOptions]
    ) -> Callable[[Callable[..., Any]], BatchHandler]:
        """Turn a function of one record into a Lambda handler answering with partial failures.

        ``source``: ``"sqs"`` (standard or FIFO, told apart by the queue ARN),
        ``"kinesis-stream"``, ``"dynamodb-stream"`` or ``"kafka"``. The record function gets
        the record, or with ``model=`` the record's payload validated against ``model``
        (SQS body, Kinesis data, DynamoDB new image, Kafka value). It raises to fail just
        that record. The handler returns ``{"batchItemFailures": [...]}``.

        Options: ``concurrency`` (threads for a sync record function, records in flight for
        an ``async def`` one; ordered records never overlap); ``stop_on_first_failure``
        (start no more records once one failed; Kafka: per partition); ``fifo_stop``
        (FIFO queues: ``"batch"`` stops the whole batch at the first failure, ``"group"``
        only the failed message's group); ``all_failed`` (``"raise"`` a BatchProcessingError
        so Lambda retries the batch, or ``"report"`` every record as failed);
        ``deadline_margin_ms`` (start no record with less time than this left; a margin not
        below the invocation's whole time raises DeadlineMarginError at the first batch);
        ``on_outcome`` (called with the BatchOutcome of every batch); ``backoff`` (SQS only:
        a ``Backoff`` gives each failed message a visibility timeout growing with its
        receive count, before the answer); ``processes`` (run a CPU-bound sync record
        function in that many worker processes, with the ordering, stop rules, deadline
        and failure reporting of ``concurrency``; records and results cross processes
        pickled); ``correlation_attributes`` (the SQS message attribute or Kafka header
        names a record's own correlation id is read from while it runs, compared without
        case, ``-`` or ``_``; default ``("correlation_id",)``, as the logger's option). A
        misspelt option is a ConfigurationError when the decorator is set up.

        An ``Exception`` from the record function fails that record; ``InvocationTimeout``
        stops the batch and the handler answers with the partial response, whatever moment
        it lands; any other BaseException stops the batch and propagates, unreported.

        The handler's signature is ``(event, context)``; ``handler.__wrapped__`` is the
        record function, for tests.
        """

else:
    # The core types a decorator as keeping the signature it wraps; batch changes it, so
    # type checkers (and the API reference) see the signature above.
    batch = MiddlewareDecorator(_batch_layer, "batch")


def process_batch(
    event: Mapping[str, Any],
    record_handler: Callable[[Any], Any],
    *,
    source: Source,
    model: Any = None,
    **options: Unpack[BatchOptions],
) -> BatchOutcome:
    """Run ``record_handler`` over the records of ``event`` inside an existing handler.

    Same options as ``batch()``. Returns the BatchOutcome; the handler returns
    ``outcome.response``. ``record_handler`` may be ``async def``.
    """
    plan = plan_for("process_batch", source, model, options)
    if not callable(record_handler):
        raise ConfigurationError(f"process_batch: record_handler must be callable, got {type(record_handler).__name__}")
    _refuse_async_generator(record_handler, plan.where)
    found = (record_handler, _is_async(record_handler))
    _check_processes(plan, record_handler, takes_self=False, is_async=found[1])
    answer = Answer(plan, event)
    try:
        while True:  # see batch(): an InvocationTimeout at any moment still gives the outcome
            try:
                outcome = answer.step(lambda: found)
                break
            except InvocationTimeout:
                answer.interrupted = True
    finally:
        if plan.pool is not None:  # processes=: this call's worker processes
            from lambda_toolkit.batch._processes import close_pool

            close_pool(plan)
    return outcome


async def process_batch_async(
    event: Mapping[str, Any],
    record_handler: Callable[[Any], Awaitable[Any]],
    *,
    source: Source,
    model: Any = None,
    **options: Unpack[BatchOptions],
) -> BatchOutcome:
    """``process_batch`` for code already on an event loop: awaits an ``async def``
    record handler with at most ``concurrency`` records in flight."""
    plan = plan_for("process_batch_async", source, model, options)
    _refuse_async_generator(record_handler, plan.where)
    if not _is_async(record_handler):
        raise ConfigurationError("process_batch_async: record_handler must be an async function")
    _check_processes(plan, record_handler, takes_self=False, is_async=True)
    answer = Answer(plan, event)
    while True:  # see batch(): an InvocationTimeout at any moment still gives the outcome
        try:
            outcome = await answer.step_async(record_handler)
            break
        except InvocationTimeout:
            answer.interrupted = True
    return outcome
