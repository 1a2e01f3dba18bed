"""``Logger``: one JSON object per line, with the invocation's context and correlation id.

The hot path of a call is: level check, a line assembled from pre-encoded parts (the
standard fields; the invocation's fields, encoded once per invocation), one encoding of
the call's own keys by the C JSON encoder, one ``write`` under the stream's (reentrant)
lock. No stdlib ``LogRecord``: a call from a signal handler or another thread writes its
own complete line.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping

from lambda_toolkit.core.correlation import DEFAULT_ATTRIBUTES
from lambda_toolkit.core.env import env_bool
from lambda_toolkit.core.env import service_name as resolve_service
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.middleware import Call, Middleware, MiddlewareDecorator, Slot
from lambda_toolkit.core.options import check_count
from lambda_toolkit.core.secrets import any_secret, is_secret
from lambda_toolkit.core.state import current_invocation
from lambda_toolkit.logging._config import config_for
from lambda_toolkit.logging._correlation import make_source
from lambda_toolkit.logging._formatter import (
    RESERVED_FIELDS,
    encode,
    escape,
    exception_fields,
    fit_line,
    invocation_part,
    timestamp,
)
from lambda_toolkit.logging._keys import ScopedKeys
from lambda_toolkit.logging._levels import (
    CRITICAL,
    DEBUG,
    ERROR,
    INFO,
    WARNING,
    lenient_level,
    parse_level,
    resolve_level,
)
from lambda_toolkit.logging._redaction import MASK, MaskTexts, Redactor, mask_args, safe_str
from lambda_toolkit.logging._sampling import check_rate, rate_from_env

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from contextvars import Token
    from typing import Any, Literal, Protocol, TextIO, overload

    from lambda_toolkit.core.state import Invocation
    from lambda_toolkit.logging._types import CorrelationIdSpec, Processor

    class _BoundLevelMethod(Protocol):
        def __call__(
            self,
            msg: object,
            /,
            *args: object,
            exc_info: Any = None,
            stacklevel: int = 1,
            extra: Mapping[str, Any] | None = None,
            **fields: Any,
        ) -> None: ...

    class _LevelMethod(Protocol):
        @overload
        def __get__(self, logger: None, owner: type[Any], /) -> Callable[..., None]: ...
        @overload
        def __get__(self, logger: Logger, owner: type[Any] | None = None, /) -> _BoundLevelMethod: ...


__all__ = ["Logger"]

_warned: set[str] = set()  # level conflicts already reported by this process
_DEFAULT_ATTRIBUTES = DEFAULT_ATTRIBUTES  # the name batch also reads on each record (core.correlation)
LIBRARY_LOGS_VARIABLE = "LAMBDA_TOOLKIT_LIBRARY_LOGS"


def _exc_info_of(exc_info: Any) -> BaseException | None:
    if exc_info is None or exc_info is False:
        return None
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3 and isinstance(exc_info[1], BaseException):
        return exc_info[1]
    return sys.exc_info()[1]


def format_message(msg: str, args: Any) -> str:
    """``msg % args`` as the stdlib does it (one mapping argument fills ``%(name)s``), with
    secret arguments masked; a mismatch is written, not raised."""
    if type(args) is tuple and len(args) == 1 and isinstance(args[0], Mapping) and args[0]:
        args = args[0]
    try:
        text: str = msg % mask_args(args)
    except Exception:
        return f"{msg} {safe_str(args)}"
    return text


def _where(call: Call) -> str:
    """``module:function:line`` of the decorated handler itself."""
    target = call.target
    code = getattr(target, "__code__", None)
    line = code.co_firstlineno if code is not None else 0
    return f"{getattr(target, '__module__', '?')}:{getattr(target, '__qualname__', '?')}:{line}"


def _positive(value: int, where: str) -> int:
    return check_count(f"Logger: {where}", value)


def _level_method(level: int, name: str, doc: str, exc_info_default: Any = None) -> _LevelMethod:
    """A level method of ``Logger`` (``debug``, ``info``...): the level checked first, so a
    line below every level in effect costs one comparison."""

    def method(
        self: Logger,
        msg: object,
        /,
        *args: object,
        exc_info: Any = exc_info_default,
        stacklevel: int = 1,
        extra: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        if self._cfg.floor <= level:
            self._emit(level, msg, args, exc_info, extra, fields, stacklevel)

    method.__name__ = name
    method.__qualname__ = f"Logger.{name}"
    method.__doc__ = doc
    return method


class Logger:
    """A structured JSON logger for one service.

    ``service`` (the one positional argument; the other options are keyword-only): the
    ``service`` field, default the package's service name (``LAMBDA_TOOLKIT_SERVICE``,
    ``POWERTOOLS_SERVICE_NAME``, the function name, ``"service"``). ``level``: a name or
    number; when omitted, ``LOG_LEVEL``, then Lambda's
    ``AWS_LAMBDA_LOG_LEVEL``, then INFO. ``stream``: where lines go (default: the
    current ``sys.stdout`` at each write). ``sample_rate``: the share of invocations
    that log at DEBUG (default ``LOG_SAMPLE_RATE`` or 0). ``buffer_size``: keep up to
    that many lines below the level per invocation, written out if it fails.
    ``redact``/``redact_keys``/``redact_paths``: what is masked. ``max_field_chars``/
    ``max_line_chars``: size caps. ``child=True``: share the configuration of the
    service's parent logger. ``library_logs``: write the library's own stdlib lines
    (``lambda_toolkit.*`` loggers: batch, timeout, idempotency...) through this logger
    (default ``LAMBDA_TOOLKIT_LIBRARY_LOGS``, on; the last Logger created gets them).
    ``processors``: callables, each taking a line as a dict and returning the dict to
    write (rename, add or drop fields), applied in order after the standard fields and
    before encoding; one that raises leaves the line unprocessed with a
    ``processor_error`` field. ``log_replays``: in a durable function, also write the
    lines of code the SDK replays (by default they are not written again: they were
    written by the invocation that first ran that code). Extra keyword arguments are keys
    on every line.

    Log with ``debug``, ``info``, ``warning``, ``error``, ``critical`` and ``exception``,
    each ``(msg, *args, exc_info=None, stacklevel=1, extra=None, **fields)``, or with
    ``log(level, msg, ...)``: keyword arguments become keys of the line; an ERROR or
    CRITICAL line first writes out the invocation's buffered lines (``buffer_size``);
    ``exception`` (``exc_info=True``) adds the exception being handled (type, message, stack).
    """

    def __init__(
        self,
        service: str | None = None,
        *,
        level: int | str | None = None,
        stream: TextIO | None = None,
        name: str | None = None,
        child: bool = False,
        sample_rate: float | None = None,
        buffer_size: int = 0,
        redact: bool = True,
        redact_keys: Iterable[str] | None = None,
        redact_paths: Iterable[str] = (),
        max_field_chars: int = 10_000,
        max_line_chars: int = 200_000,
        library_logs: bool | None = None,
        processors: Sequence[Processor] | None = None,
        log_replays: bool = False,
        **keys: Any,
    ) -> None:
        service_name = resolve_service(service, option="Logger: service")
        if child and (
            stream is not None
            or sample_rate is not None
            or buffer_size != 0
            or not redact
            or redact_keys is not None
            or tuple(redact_paths)
            or max_field_chars != 10_000
            or max_line_chars != 200_000
            or library_logs is not None
            or processors is not None
            or log_replays
        ):
            raise ConfigurationError(
                "Logger: a child logger takes only name, level and keys; "
                f"set the other options on the parent Logger(service={service_name!r})"
            )
        config = config_for(service_name, child=child)
        self._cfg = config
        if child:
            caller = sys._getframe(1).f_globals.get("__name__", service_name)
            self.name = name or str(caller)
            if level is not None:
                number, problem = lenient_level(level, "the level argument")
                config.set_level(number)
                self._warn_once(() if problem is None else (problem,))
            if keys:
                self.append_keys(**keys)
        else:
            self.name = name or service_name
            self._configure(
                level=level,
                stream=stream,
                sample_rate=sample_rate,
                buffer_size=buffer_size,
                redactor=Redactor(
                    redact_keys,
                    redact_paths,
                    enabled=redact,
                    max_field_chars=_positive(max_field_chars, "max_field_chars"),
                ),
                max_line_chars=_positive(max_line_chars, "max_line_chars"),
            )
            if processors is None:
                self._cfg.processors = ()
            else:
                from lambda_toolkit.logging._processors import check_processors  # only when used (cold start)

                self._cfg.processors = check_processors(processors)
            if not isinstance(log_replays, bool):
                raise ConfigurationError(f"Logger: log_replays must be True or False, got {type(log_replays).__name__}")
            self._cfg.log_replays = log_replays
            self._choose_format()
            if keys:
                self.append_keys(**keys)
            if env_bool(LIBRARY_LOGS_VARIABLE, True) if library_logs is None else library_logs:
                from lambda_toolkit.logging._library import route  # imports the stdlib logging module

                route(self)
        self.inject_context = MiddlewareDecorator(self._inject_context, name="inject_context")

    def _configure(
        self,
        *,
        level: int | str | None,
        stream: TextIO | None,
        sample_rate: float | None,
        buffer_size: int,
        redactor: Redactor,
        max_line_chars: int,
    ) -> None:
        config = self._cfg
        if stream is not None and not callable(getattr(stream, "write", None)):
            raise ConfigurationError("Logger: stream must have a write(str) method")
        buffer_size = check_count("Logger: buffer_size", buffer_size, minimum=0)
        choice = resolve_level(level)
        config.set_stream(stream)
        config.redactor = redactor
        config.max_line_chars = max(max_line_chars, 512)
        config.sample_rate = rate_from_env() if sample_rate is None else check_rate(sample_rate, "Logger: sample_rate")
        config.buffer_size = buffer_size
        config.set_level(choice.level)
        self._warn_once(choice.warnings)

    def _choose_format(self) -> None:
        config = self._cfg
        # Under the Lambda runtime (its Runtime API address set; see _pretty): always JSON,
        # and the renderer is not even imported. `invoke`/`serve` do not set that variable.
        if os.environ.get("AWS_LAMBDA_RUNTIME_API"):
            config.pretty = False
            return
        from lambda_toolkit.logging._pretty import choose_pretty

        config.pretty, warning = choose_pretty(config.stream)
        self._warn_once(() if warning is None else (warning,))

    def _warn_once(self, warnings: Iterable[str]) -> None:
        for warning in warnings:
            if warning not in _warned:
                _warned.add(warning)
                self.warning(warning)

    # ----------------------------------------------------------------- levels

    @property
    def service(self) -> str:
        """The service name on every line."""
        return self._cfg.service

    @property
    def level(self) -> int:
        """The level in effect (a number, as in the stdlib ``logging`` module)."""
        return self._cfg.level

    def set_level(self, level: int | str) -> None:
        """Change the level of this service's loggers."""
        self._cfg.set_level(parse_level(level))

    def is_enabled_for(self, level: int | str) -> bool:
        """True when a line at ``level`` would be written now (sampling included)."""
        number = parse_level(level)
        if number >= self._cfg.level:
            return True
        invocation = current_invocation()
        return invocation is not None and number >= self._cfg.state_of(invocation).level

    # ------------------------------------------------------------ log calls

    # Made from one template (_level_method); type checkers see their one signature in
    # _BoundLevelMethod.
    debug = _level_method(DEBUG, "debug", "Log at DEBUG; keyword arguments become keys of the line.")
    info = _level_method(INFO, "info", "Log at INFO; keyword arguments become keys of the line.")
    warning = _level_method(WARNING, "warning", "Log at WARNING; keyword arguments become keys of the line.")
    error = _level_method(ERROR, "error", "Log at ERROR (writes out this invocation's buffered lines first).")
    critical = _level_method(
        CRITICAL, "critical", "Log at CRITICAL (writes out this invocation's buffered lines first)."
    )
    exception = _level_method(
        ERROR,
        "exception",
        "Log at ERROR with the exception being handled (type, message, stack).",
        exc_info_default=True,
    )

    def log(
        self,
        level: int | str,
        msg: object,
        /,
        *args: object,
        exc_info: Any = None,
        stacklevel: int = 1,
        extra: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        """Log at any level (a number or a name)."""
        number = level if type(level) is int else parse_level(level)
        if self._cfg.floor <= number:
            self._emit(number, msg, args, exc_info, extra, fields, stacklevel)

    def _emit(
        self,
        level: int,
        msg: object,
        args: tuple[object, ...],
        exc_info: Any,
        extra: Mapping[str, Any] | None,
        fields: Mapping[str, Any] | None,
        where: int | str,
        logger_name: Any = None,
    ) -> None:
        """Write (or buffer) one line at ``level``. ``where``: the log call's ``stacklevel``
        (its caller's frame is the location), or the location itself when it is known (a
        stdlib record, the decorator's own lines). ``logger_name``: default this logger's."""
        config = self._cfg
        invocation = current_invocation()
        if (
            invocation is not None
            and invocation.durable is not None
            and invocation.replaying
            and not config.log_replays
        ):
            return  # durable code being replayed: the invocation that first ran it wrote this line
        buffer = None
        if level < config.level:
            if invocation is None:
                return
            state = config.state_of(invocation)
            if level < state.level:
                buffer = state.buffer
                if buffer is None:
                    return
        elif level >= ERROR and config.buffer_size and invocation is not None:
            self._flush(invocation)
        if type(where) is int:
            try:
                frame = sys._getframe(where + 1)
                location = f"{frame.f_globals.get('__name__', '?')}:{frame.f_code.co_name}:{frame.f_lineno}"
            except ValueError:  # stacklevel deeper than the stack
                location = "?"
        else:
            location = str(where)
        if logger_name is None:
            logger_name = self.name
        try:
            line = self._line(level, msg, args, exc_info, extra, fields, location, invocation, logger_name)
        except Exception as exc:  # a log call never raises: say what went wrong instead
            line = self._failure_line(level, exc, location, safe_str(logger_name))
        if buffer is not None:
            buffer.add(line)
        else:
            config.write(line)

    def _line(
        self,
        level: int,
        msg: object,
        args: tuple[object, ...],
        exc_info: Any,
        extra: Mapping[str, Any] | None,
        fields: Mapping[str, Any] | None,
        location: str,
        invocation: Invocation | None,
        logger_name: str,
    ) -> str:
        # The line is assembled from pre-encoded parts: the standard fields around the
        # message, the invocation's fields (encoded once per invocation), and one encoding
        # of the keys; only values that vary are escaped at each call.
        config = self._cfg
        redactor = config.redactor
        if type(msg) is str:
            if args:
                if any_secret(args):
                    msg = format_message(msg, args)
                else:
                    try:
                        msg = msg % args
                    except Exception:  # a mapping argument for %(name)s, or a mismatch
                        msg = format_message(msg, args)
            if len(msg) > redactor.max_field_chars:
                msg = redactor.cap(msg)
            message = escape(msg)
        elif isinstance(msg, (Mapping, list)):
            message = encode(redactor.clean(msg), redactor)
        elif is_secret(msg):
            message = escape(MASK)
        else:
            message = escape(redactor.cap(safe_str(msg)))
        level_part = config.level_parts.get(level) or config.level_part(level)
        identity = config.identities.get(logger_name) or config.identity(logger_name)
        line = f'{{"timestamp":"{timestamp()}",{level_part}"message":{message},{identity}"location":{escape(location)}'
        if invocation is not None:
            line += invocation_part(invocation)
        keys = config.keys
        base = keys.invocation.get()
        if base is None:
            base = keys.shared
        scoped = keys.scoped.get()
        error = None if exc_info is None or exc_info is False else _exc_info_of(exc_info)
        if base or scoped or extra or fields or error is not None:
            tail: dict[str, Any] = {}
            if base:
                tail.update(base)
            if scoped:
                tail.update(scoped)
            if extra:
                redactor.clean_fields(extra, tail, RESERVED_FIELDS)
            if fields:
                redactor.clean_fields(fields, tail, RESERVED_FIELDS)
            if error is not None:
                tail["exception"] = exception_fields(error, redactor)
            line = f"{line},{encode(tail, redactor)[1:]}"
        else:
            line += "}"
        if config.processors:
            from lambda_toolkit.logging._processors import apply as apply_processors

            line = apply_processors(line, config.processors, redactor)
        if len(line) > config.max_line_chars:
            line = fit_line(json.loads(line), line, config.max_line_chars, redactor)
        return line

    def _failure_line(self, level: int, error: Exception, location: str, logger_name: str) -> str:
        config = self._cfg
        level_part = config.level_parts.get(level) or config.level_part(level)
        identity = config.identities.get(logger_name) or config.identity(logger_name)
        message = escape(f"log call failed: {type(error).__name__} while formatting the line")
        return (
            f'{{"timestamp":"{timestamp()}",{level_part}"message":{message},{identity}"location":{escape(location)}}}'
        )

    def _flush(self, invocation: Invocation) -> None:
        state = self._cfg.state_of(invocation)
        buffer = state.buffer
        if buffer is None or not (buffer.lines or buffer.dropped):
            return
        dropped = buffer.drain(self._cfg.write)
        if dropped:
            self._cfg.write(
                self._line(
                    WARNING,
                    "%d earlier buffered lines were dropped (buffer_size=%d)",
                    (dropped, self._cfg.buffer_size),
                    None,
                    None,
                    None,
                    "lambda_toolkit.logging:flush:0",
                    invocation,
                    self.name,
                )
            )

    def flush_buffer(self) -> None:
        """Write out the lines buffered by the current invocation now."""
        invocation = current_invocation()
        if invocation is not None and self._cfg.buffer_size:
            self._flush(invocation)

    # ------------------------------------------------------------------ keys

    def append_keys(self, **keys: Any) -> None:
        """Add keys to every following line: of this invocation when called inside one
        (cleared when it ends), else of every invocation."""
        cleaned: dict[str, Any] = {}
        self._cfg.redactor.clean_fields(keys, cleaned, RESERVED_FIELDS)
        self._cfg.keys.append(cleaned)

    def remove_keys(self, *names: str) -> None:
        """Remove keys added by ``append_keys`` (or a ``scoped_keys`` block in progress)."""
        self._cfg.keys.remove(tuple(names))

    def clear_keys(self) -> None:
        """Remove every key of the current scope (the invocation's, or all outside one)."""
        self._cfg.keys.clear()

    def scoped_keys(self, **keys: Any) -> ScopedKeys:
        """Keys on the lines written inside a ``with`` block (this thread or task only)."""
        cleaned: dict[str, Any] = {}
        self._cfg.redactor.clean_fields(keys, cleaned, RESERVED_FIELDS)
        return ScopedKeys(self._cfg.keys, cleaned)

    def current_keys(self) -> dict[str, Any]:
        """The keys a line written here and now would carry (after masking)."""
        return self._cfg.keys.current()

    # --------------------------------------------------------------- children

    def get_child(self, suffix: str) -> Logger:
        """A logger named ``<name>.<suffix>`` sharing this one's configuration."""
        child = Logger.__new__(Logger)
        child._cfg = self._cfg
        child.name = f"{self.name}.{suffix}"
        child.inject_context = MiddlewareDecorator(child._inject_context, name="inject_context")
        return child

    getChild = get_child  # noqa: N815 (the stdlib spelling)

    # ----------------------------------------------------------------- stdlib

    def capture_stdlib(self, *names: str, level: int | str | None = None) -> None:
        """Write the records of these stdlib loggers (none given: the root logger, so
        every library) as this service's JSON lines, each exactly once.

        ``level`` also sets the stdlib loggers' own level (they filter first).
        """
        from lambda_toolkit.logging._stdlib import install  # the stdlib module is imported on use

        number = None if level is None else parse_level(level, "capture_stdlib level")
        install(self, names or (None,), number)

    def _emit_record(self, record: Any) -> None:
        """Write a stdlib ``LogRecord`` (called by the handler ``capture_stdlib`` installs)."""
        from lambda_toolkit.logging._stdlib import record_extra

        level = record.levelno
        if level < self._cfg.floor:
            return
        msg = MASK if is_secret(record.msg) else safe_str(record.msg)
        message = format_message(msg, record.args) if record.args else msg
        exc_info = record.exc_info[1] if record.exc_info else None
        location = f"{record.module}:{record.funcName}:{record.lineno}"
        self._emit(level, message, (), exc_info, None, record_extra(record), location, record.name)

    # ----------------------------------------------------------- middleware

    def _inject_context(
        self,
        *,
        correlation_id: CorrelationIdSpec = "auto",
        correlation_header: str = "x-correlation-id",
        correlation_attributes: Iterable[str] = _DEFAULT_ATTRIBUTES,
        log_event: bool = False,
        clear_keys: bool = True,
        log_errors: bool = True,
    ) -> Middleware:
        """Decorate a handler: context fields and a correlation id on every line.

        ``correlation_id``: ``"auto"`` (by trigger), a JMESPath expression, a callable
        ``(event) -> str | None``, or None for no id. ``correlation_header``: the request
        header read by ``"auto"``; ``correlation_attributes``: the SQS/SNS message
        attribute names. ``log_event``: write the incoming event (masked) at INFO.
        ``clear_keys``: forget keys appended by an invocation when it ends.
        ``log_errors``: write an ERROR line for an exception escaping the handler.
        """
        if isinstance(correlation_attributes, str):
            correlation_attributes = (correlation_attributes,)
        source = make_source(correlation_id, correlation_header, tuple(correlation_attributes))
        config = self._cfg
        keys = config.keys
        logger = self
        sampling_or_buffering = config.sample_rate > 0.0 or config.buffer_size > 0
        # This layer's own state for a handler call: the token that restores the keys when
        # it ends (clear_keys), else True. Unset for a plain function call. A Slot per
        # layer: two inject_context layers on one handler (two loggers, or one twice)
        # never end each other's key scope.
        entered: Slot[Token[Mapping[str, Any] | None] | Literal[True]] = Slot("logging.inject_context")

        def before(call: Call) -> None:
            invocation = call.invocation
            if invocation is None or not call.is_handler_call:
                return
            entered.set(call, keys.start_invocation() if clear_keys else True)
            if sampling_or_buffering:
                config.state_of(invocation)  # decide sampling now, once for the invocation
            if source is not None and invocation.correlation_id is None:
                try:
                    found = source(invocation.event, invocation.context)
                except Exception as exc:
                    found = None
                    logger.warning("correlation id source raised %s; using the request id", type(exc).__name__)
                invocation.correlation_id = found or invocation.request_id or None
            if log_event:
                # (MaskTexts: a raw query string or a body repeats what is masked by key name)
                event = {"event": MaskTexts(invocation.event)}
                logger._emit(INFO, "incoming event", (), None, None, event, _where(call))

        def after(call: Call) -> None:
            state = entered.pop(call)
            invocation = call.invocation
            if state is None or invocation is None:
                return
            if config.buffer_size:
                if invocation.interrupted:  # set by a timeout guard (a core field)
                    # A timeout guard inside this layer answered with its fallback: the
                    # invocation failed, so its debug trail is written, not dropped.
                    logger._flush(invocation)
                else:
                    buffer = config.state_of(invocation).buffer
                    if buffer is not None:
                        buffer.clear()
            if state is not True:
                keys.end_invocation(state)

        def on_error(call: Call) -> None:
            invocation = call.invocation
            if invocation is not None and invocation.suspended:
                # A durable function's wait: the invocation ends without failing (its
                # execution goes on in the next one), so it ends as a returning one does.
                after(call)
                return
            state = entered.pop(call)
            if state is None or invocation is None:
                return
            logger._flush(invocation)
            if log_errors and call.error is not None:
                logger._emit_error(call.error)
            if state is not True:
                keys.end_invocation(state)

        return Middleware("inject_context", before=before, after=after, on_error=on_error)

    def _emit_error(self, error: BaseException) -> None:
        tb = error.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        location = "?"
        if tb is not None:
            frame = tb.tb_frame
            location = f"{frame.f_globals.get('__name__', '?')}:{frame.f_code.co_name}:{tb.tb_lineno}"
        self._emit(ERROR, f"handler raised {type(error).__name__}", (), error, None, None, location)

    def __repr__(self) -> str:
        return f"Logger(service={self._cfg.service!r}, name={self.name!r}, level={self._cfg.level})"
