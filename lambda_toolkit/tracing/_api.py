"""Recording on the current span: annotations, metadata, custom subsegments, patching.

Every function here is safe to call anywhere: when tracing is off it returns at once,
and bad input is repaired or dropped with one warning, never raised (a misused
``subsegment()`` or ``patch()`` call, a programming error, does raise at once).
"""

from __future__ import annotations

from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.core.secrets import SECRET_MASK, is_secret, mask_secrets
from lambda_toolkit.core.state import current_record
from lambda_toolkit.tracing._noop import NOOP_SPAN
from lambda_toolkit.tracing._runtime import active_backend, metadata_budget, request_patch, service_name
from lambda_toolkit.tracing._warn import warn_once

TYPE_CHECKING = False  # typing costs milliseconds at cold start: type checkers only
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any

    from lambda_toolkit.tracing._backend import Span
    from lambda_toolkit.tracing._types import AnnotationValue

__all__ = [
    "PATCHABLE",
    "Subsegment",
    "SubsegmentScope",
    "annotate",
    "attach_metadata",
    "close_span",
    "describe_record",
    "patch",
    "put_annotation",
    "put_metadata",
    "subsegment",
    "tracing_active",
]

# What aws-xray-sdk can patch, and the top-level module each needs installed.
PATCHABLE: dict[str, str] = {
    "boto3": "botocore",
    "botocore": "botocore",
    "aioboto3": "aiobotocore",
    "aiobotocore": "aiobotocore",
    "requests": "requests",
    "httpx": "httpx",
    "httplib": "http",
    "pynamodb": "pynamodb",
    "sqlite3": "sqlite3",
    "mysql": "mysql",
    "pymysql": "pymysql",
    "psycopg2": "psycopg2",
    "psycopg": "psycopg",
    "pg8000": "pg8000",
    "pymongo": "pymongo",
    "sqlalchemy_core": "sqlalchemy",
}


def annotate(span: Span, key: object, value: object) -> None:
    """Validate and record one annotation on ``span``; problems are warned about once."""
    from lambda_toolkit.tracing._sanitize import clean_annotation

    cleaned = clean_annotation(key, SECRET_MASK if is_secret(value) else value)
    if cleaned is None:
        return
    try:
        span.put_annotation(*cleaned)
    except Exception as exc:
        warn_once("backend-call", "put_annotation", f"recording an annotation failed ({type(exc).__name__})")


def describe_record(span: Span) -> None:
    """Name on ``span`` the batch record being processed in this thread or task, if any
    (``lambda_toolkit.batch`` makes each record current while it runs)."""
    record = current_record()
    if record is None:
        return
    try:
        correlation_id = record.correlation_id
        span.record_batch_record(str(record.record_id), None if correlation_id is None else str(correlation_id))
    except Exception as exc:
        warn_once("backend-call", "record_batch_record", f"naming the batch record failed ({type(exc).__name__})")


def attach_metadata(span: Span, key: object, value: Any, namespace: str | None = None) -> None:
    """Convert, cap and record one metadata value on ``span``."""
    if not isinstance(key, str) or not key:
        warn_once("metadata-key", type(key).__name__, "metadata dropped: its key must be a non-empty str")
        return
    if namespace is None:
        namespace = service_name()
    elif not isinstance(namespace, str) or not namespace or namespace.startswith("AWS."):
        warn_once(
            "metadata-namespace",
            str(namespace)[:80],
            "metadata dropped: the namespace must be a non-empty str not starting with 'AWS.' (reserved by X-Ray)",
        )
        return
    try:
        data, text = metadata_budget().fit(span.native, key, mask_secrets(value))
        span.put_metadata(key, data, text, namespace)
    except Exception as exc:
        warn_once("backend-call", "put_metadata", f"recording metadata {key!r} failed ({type(exc).__name__})")


def close_span(span: Span, error: BaseException | None = None, *, details: bool = True) -> None:
    """Record ``error`` (if any) on ``span`` and end it; never raises."""
    try:
        if error is not None:
            if isinstance(error, InvocationTimeout):
                span.mark_timed_out()
            span.record_error(error, details=details)
    except Exception as exc:
        warn_once("backend-call", "record_error", f"recording an error on a span failed ({type(exc).__name__})")
    try:
        span.end()
    except Exception as exc:
        warn_once("backend-call", "end", f"ending a span failed ({type(exc).__name__})")


def _current_span(what: str) -> Span | None:
    backend = active_backend()
    if backend is None:
        return None
    try:
        span = backend.current()
    except Exception:
        span = None
    if span is None:
        warn_once(
            "no-span",
            what,
            f"{what} outside any traced function or subsegment: dropped (the invocation's own "
            "segment belongs to Lambda and cannot be changed)",
        )
    return span


def put_annotation(key: str, value: AnnotationValue) -> None:
    """Add an indexed annotation (searchable in X-Ray) to the current subsegment.

    Keys are letters, digits and underscores (others are replaced by ``_``); values are
    strings (up to 1000 characters), numbers or booleans. Anything else is dropped with
    one warning. Does nothing when tracing is off.
    """
    span = _current_span("put_annotation")
    if span is not None:
        annotate(span, key, value)


def put_metadata(key: str, value: Any, *, namespace: str | None = None) -> None:
    """Add a structured, non-indexed value to the current subsegment.

    ``namespace`` defaults to the service name. The value is turned into JSON (dates,
    decimals, sets, dataclasses and pydantic models are converted; what cannot be is
    replaced by a marker) and capped so the subsegment stays under X-Ray's 64 KB document
    limit. Does nothing when tracing is off.
    """
    span = _current_span("put_metadata")
    if span is not None:
        attach_metadata(span, key, value, namespace)


def tracing_active() -> bool:
    """True when a call made now would be traced (enabled, a backend, a sampled invocation)."""
    return active_backend() is not None


class Subsegment:
    """A subsegment opened by ``subsegment()``: record on it directly.

    When tracing is off it is a stand-in on which every call does nothing.
    """

    __slots__ = ("_span", "name")

    def __init__(self, name: str, span: Span) -> None:
        self.name = name
        self._span = span

    @property
    def recording(self) -> bool:
        """False when tracing is off and nothing is recorded."""
        return self._span is not NOOP_SPAN

    def put_annotation(self, key: str, value: str | int | float | bool) -> None:
        """Add an indexed annotation to this subsegment (see ``put_annotation``)."""
        if self._span is not NOOP_SPAN:
            annotate(self._span, key, value)

    def put_metadata(self, key: str, value: Any, *, namespace: str | None = None) -> None:
        """Add a structured value to this subsegment (see ``put_metadata``)."""
        if self._span is not NOOP_SPAN:
            attach_metadata(self._span, key, value, namespace)

    def __repr__(self) -> str:
        return f"<Subsegment {self.name!r}{'' if self.recording else ' (not recording)'}>"


class SubsegmentScope:
    """The context manager ``subsegment()`` returns; usable with ``with`` and ``async with``."""

    __slots__ = ("_capture_error", "_name", "_segment")

    def __init__(self, name: str, *, capture_error: bool) -> None:
        self._name = name
        self._capture_error = capture_error
        self._segment: Subsegment | None = None

    def __enter__(self) -> Subsegment:
        span: Span | None = None
        backend = active_backend()
        if backend is not None:
            try:
                span = backend.begin(self._name, handler=False)
            except Exception as exc:
                warn_once("backend-call", "begin", f"opening a subsegment failed ({type(exc).__name__})")
            if span is not None:
                describe_record(span)
        self._segment = Subsegment(self._name, span or NOOP_SPAN)
        return self._segment

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        segment, self._segment = self._segment, None
        if segment is not None and segment.recording:
            close_span(segment._span, exc, details=self._capture_error)

    async def __aenter__(self) -> Subsegment:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)


def subsegment(name: str, *, capture_error: bool = True) -> SubsegmentScope:
    """A custom subsegment around a block of code::

        with subsegment("charge card") as seg:
            seg.put_annotation("provider", "stripe")
            charge(...)

    An exception leaving the block is recorded (its message and stack unless
    ``capture_error=False``) and propagates unchanged.
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigurationError("tracing.subsegment: name must be a non-empty str")
    return SubsegmentScope(name, capture_error=capture_error)


def patch(*modules: str, eager: bool = False) -> None:
    """Make library calls appear as subsegments: ``patch("boto3", "requests")``, or ``patch()`` for
    every library aws-xray-sdk supports that is installed.

    Patching is X-Ray's: it is applied when the first invocation is actually traced, so
    a function without active tracing never imports aws-xray-sdk; ``eager=True`` patches
    at once when running in Lambda with the X-Ray backend (then also clients created
    before the first invocation, such as httpx clients, are traced). Does nothing when
    tracing is disabled or outside Lambda. Unknown or missing libraries raise a
    ConfigurationError.
    """
    for module in modules:
        if module not in PATCHABLE:
            raise ConfigurationError(
                f"tracing.patch: cannot patch {module!r}; supported: {', '.join(sorted(PATCHABLE))}"
            )
    if modules:
        from importlib.util import find_spec

        missing = [module for module in modules if find_spec(PATCHABLE[module]) is None]
        if missing:
            raise ConfigurationError(f"tracing.patch: not installed: {', '.join(missing)}")
    request_patch(tuple(dict.fromkeys(modules)) or None, eager=eager)
