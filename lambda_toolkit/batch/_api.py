"""The two ways to use the utility: the ``@batch`` decorator and ``process_batch()``.

``@batch(source)`` is a core middleware (``handler_only``, ``mapping_event``,
``replaces_call``): its before hook runs ``call.target`` (the record function, maybe
itself decorated) once per record and answers the invocation with the partial batch
response. An ``async def`` record function gives a plain (sync) handler, as the Lambda
Python runtime wants: the records are awaited on an event loop inside the call.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Awaitable, Callable, Mapping
from types import FunctionType, MethodType

from lambda_toolkit.batch._answer import Answer, run_coroutine
from lambda_toolkit.batch._convert import model_converter
from lambda_toolkit.batch._processor import Plan
from lambda_toolkit.batch._records import record_converter
from lambda_toolkit.batch._sources import source_spec
from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.core.middleware import Call, Middleware, apply_middleware

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

_FIFO_STOPS = ("batch", "group")
_ALL_FAILED = ("raise", "report")


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


_DEFAULTS: dict[str, Any] = {
    "concurrency": 1,
    "stop_on_first_failure": False,
    "fifo_stop": "batch",
    "all_failed": "raise",
    "deadline_margin_ms": 1000,
    "on_outcome": None,
}


def _unknown_option(where: str, name: str) -> ConfigurationError:
    import difflib  # the error path only

    close = difflib.get_close_matches(name, list(_DEFAULTS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ConfigurationError(f"{where}: unknown option {name!r}{hint}; the options are {', '.join(_DEFAULTS)}")


def make_plan(where: str, source: Any, model: Any, given: Mapping[str, Any]) -> Plan:
    """Check every option once, at set-up, and build the plan."""
    for name in given:
        if name not in _DEFAULTS:
            raise _unknown_option(where, name)
    options = {**_DEFAULTS, **given}
    concurrency, stop_on_first_failure = options["concurrency"], options["stop_on_first_failure"]
    fifo_stop, all_failed = options["fifo_stop"], options["all_failed"]
    deadline_margin_ms, on_outcome = options["deadline_margin_ms"], options["on_outcome"]
    if not isinstance(source, str):
        raise ConfigurationError(
            f"{where}: source must be a trigger name such as 'sqs', got {type(source).__name__} "
            "(write @batch('sqs'), not @batch)"
        )
    spec = source_spec(source, where)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError(f"{where}: concurrency must be a positive integer")
    if not isinstance(stop_on_first_failure, bool):
        raise ConfigurationError(f"{where}: stop_on_first_failure must be True or False")
    if fifo_stop not in _FIFO_STOPS:
        raise ConfigurationError(f"{where}: fifo_stop must be 'batch' or 'group'")
    if all_failed not in _ALL_FAILED:
        raise ConfigurationError(f"{where}: all_failed must be 'raise' or 'report'")
    if (
        isinstance(deadline_margin_ms, bool)
        or not isinstance(deadline_margin_ms, (int, float))
        or not deadline_margin_ms >= 0
    ):
        raise ConfigurationError(f"{where}: deadline_margin_ms must be a number >= 0")
    if on_outcome is not None and not callable(on_outcome):
        raise ConfigurationError(f"{where}: on_outcome must be callable")
    convert = record_converter(spec.name) if model is None else model_converter(spec, model, where)
    return Plan(
        where=where,
        spec=spec,
        convert=convert,
        concurrency=concurrency,
        stop_on_first_failure=stop_on_first_failure,
        fifo_stop=fifo_stop,
        all_failed=all_failed,
        deadline_margin_ms=float(deadline_margin_ms),
        on_outcome=on_outcome,
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


class _Handler:
    """The handler ``@batch`` returns: the core middleware's wrapper around the record
    function, presented as ``(event, context)``.

    A function's signature must be set when it is made, and building one imports
    inspect (milliseconds at cold start); this object answers ``__signature__`` only
    when asked. It binds like a function (a method's ``self`` is passed on), and carries
    the wrapper's attributes, so another layer stacked on top flattens into the same
    middleware chain.
    """

    def __init__(self, wrapper: Callable[..., Any], record_function: Callable[..., Any], takes_self: bool) -> None:
        self.__dict__.update(wrapper.__dict__)  # the chain, __name__, __doc__...
        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            value = getattr(wrapper, attribute, None)
            if value is not None:
                self.__dict__[attribute] = value
        self.__dict__["__wrapped__"] = record_function
        self._takes_self = takes_self

    def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError  # pragma: no cover - each handler's class calls its wrapper

    @staticmethod
    def make(wrapper: Callable[..., Any], record_function: Callable[..., Any], takes_self: bool) -> _Handler:
        """The handler calling ``wrapper``: its class's ``__call__`` is the wrapper itself,
        so no frame of this module stands between Lambda and the middleware (an
        ``InvocationTimeout`` landing after the wrapper returned would lose the answer)."""
        cls = type("BatchHandler", (_Handler,), {"__call__": staticmethod(wrapper), "__module__": __name__})
        handler: _Handler = cls(wrapper, record_function, takes_self)
        return handler

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return self if instance is None else MethodType(self, instance)

    @property
    def __signature__(self) -> inspect.Signature:
        return _handler_signature(self._takes_self)

    @property
    def __annotations__(self) -> dict[str, Any]:  # type: ignore[override]
        from lambda_toolkit.core.context import LambdaContext

        return {"event": Mapping[str, object], "context": LambdaContext, "return": dict[str, object]}

    def __repr__(self) -> str:
        return f"<batch handler {self.__dict__.get('__qualname__', '?')}>"


def _record_function_of(call: Call) -> tuple[Callable[[Any], Any], bool]:
    """The record function a handler call runs, and whether it is async."""
    target = call.target
    is_async = isinstance(target, _AsyncRecordFunction)
    fn: Callable[[Any], Any] = target.function if isinstance(target, _AsyncRecordFunction) else target
    lead = call.args[:-2]
    if lead:  # a method: handler(self, event, context) -> record function(self, record)
        fn = functools.partial(fn, *lead)
    return fn, is_async


def batch(
    source: Source,
    model: Any = None,
    **options: Unpack[BatchOptions],
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
    ``on_outcome`` (called with the BatchOutcome of every batch).

    An ``Exception`` from the record function fails that record; ``InvocationTimeout``
    stops the batch and the handler answers with the partial response, whatever moment
    it lands; any other BaseException stops the batch and propagates, unreported.

    The handler's signature is ``(event, context)``; ``handler.__wrapped__`` is the
    record function, for tests.
    """
    plan = make_plan("batch", source, model, options)

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

    layer = Middleware("batch", before=before, handler_only=True, mapping_event=True, replaces_call=True)

    def decorate(fn: Callable[..., Any]) -> BatchHandler:
        if not callable(fn):
            raise ConfigurationError(f"batch: the record function must be callable, got {type(fn).__name__}")
        takes_self = _takes_self(fn)
        target: Callable[..., Any] = _AsyncRecordFunction(fn) if _is_async(fn) else fn
        # The core wrapper claims the record function's signature and annotations; the
        # handler is called as handler(event, context). __wrapped__ stays the record
        # function so tests can call it on one record.
        handler: BatchHandler = _Handler.make(apply_middleware(layer, target), fn, takes_self)  # type: ignore[assignment]
        return handler

    return decorate


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
    plan = make_plan("process_batch", source, model, options)
    if not callable(record_handler):
        raise ConfigurationError(f"process_batch: record_handler must be callable, got {type(record_handler).__name__}")
    found = (record_handler, _is_async(record_handler))
    answer = Answer(plan, event)
    while True:  # see batch(): an InvocationTimeout at any moment still gives the outcome
        try:
            outcome = answer.step(lambda: found)
            break
        except InvocationTimeout:
            answer.interrupted = True
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
    plan = make_plan("process_batch_async", source, model, options)
    if not _is_async(record_handler):
        raise ConfigurationError("process_batch_async: record_handler must be an async function")
    answer = Answer(plan, event)
    while True:  # see batch(): an InvocationTimeout at any moment still gives the outcome
        try:
            outcome = await answer.step_async(record_handler)
            break
        except InvocationTimeout:
            answer.interrupted = True
    return outcome
