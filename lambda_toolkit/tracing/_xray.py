"""The X-Ray backend: subsegments of the Lambda invocation's segment, via aws-xray-sdk.

In Lambda the runtime opens the invocation's segment itself; the SDK, in its Lambda
mode, holds a read-only "facade" of it built from ``_X_AMZN_TRACE_ID`` and sends each
subsegment to the X-Ray daemon (UDP, ``AWS_XRAY_DAEMON_ADDRESS``) as soon as it closes.
This module is imported only when a call is actually traced.
"""

from __future__ import annotations

import logging
import os
import traceback
import weakref
from typing import Any

from aws_xray_sdk.core import patch as sdk_patch
from aws_xray_sdk.core import patch_all as sdk_patch_all
from aws_xray_sdk.core import xray_recorder
from aws_xray_sdk.core.lambda_launcher import LambdaContext
from aws_xray_sdk.core.models.subsegment import Subsegment

from lambda_toolkit.tracing._sanitize import ANNOTATION_VALUE_MAX
from lambda_toolkit.tracing._warn import LOGGER_NAME

__all__ = ["XRayBackend", "XRaySpan"]

_MESSAGE_MAX = 2048
# X-Ray strips these from names (and the SDK logs a warning each time): strip them first.
_NAME_DELETE = str.maketrans("", "", "?;*()!$~^<>")
_NAME_MAX = 200
# X-Ray keeps at most 50 annotations per segment or subsegment.
ANNOTATIONS_MAX = 50
# The subsegments that already dropped an annotation and said so (one warning each: a
# loop over data must not write a log line per key). Weak: a sent subsegment is forgotten.
_over_limit: weakref.WeakSet[Any] = weakref.WeakSet()


class _Cause:
    """One entry of a subsegment's ``cause.exceptions``, built without touching the exception.

    (The SDK's own ``Throwable`` sets attributes on the exception object; a traced
    function's exceptions must reach its caller exactly as they were raised.)
    """

    def __init__(self, error: BaseException, *, details: bool, max_frames: int) -> None:
        self.id = os.urandom(8).hex()
        self.type = type(error).__name__
        self.message = ""
        self.stack: list[dict[str, Any]] = []
        if details:
            try:
                self.message = str(error)[:_MESSAGE_MAX]
            except Exception:
                self.message = ""
            frames = [
                {"path": os.path.basename(frame.f_code.co_filename), "line": line, "label": frame.f_code.co_name}
                for frame, line in traceback.walk_tb(error.__traceback__)
            ]
            self.stack = frames[-max_frames:] if max_frames > 0 else []

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.message:
            entry["message"] = self.message
        if self.stack:
            entry["stack"] = self.stack
        return entry


def _close_left_open(entity: Any) -> None:
    """Close the descendants of ``entity`` still open when it ends (a generator closed early,
    an exception that is not an Exception): an open child would hold it back forever."""
    for child in list(getattr(entity, "subsegments", ())):
        _close_left_open(child)
        if child.in_progress:
            child.close()


class XRaySpan:
    """An X-Ray subsegment (or a sampled-out dummy one) behind the Span interface."""

    __slots__ = ("_entity", "_recorder")

    def __init__(self, recorder: Any, entity: Any) -> None:
        self._recorder = recorder
        self._entity = entity

    @property
    def native(self) -> Any:
        return self._entity

    def put_annotation(self, key: str, value: str | int | float | bool) -> None:
        _annotate(self._entity, key, value)

    def put_metadata(self, key: str, value: Any, text: str, namespace: str) -> None:
        self._entity.put_metadata(key, value, namespace)

    def record_error(self, error: BaseException, *, details: bool) -> None:
        entity = self._entity
        entity.add_fault_flag()
        cause = entity.cause if isinstance(entity.cause, dict) and "exceptions" in entity.cause else None
        if cause is None:
            cause = {"working_directory": os.getcwd(), "exceptions": []}
            entity.cause = cause
        cause["exceptions"].append(_Cause(error, details=details, max_frames=self._recorder.max_trace_back))

    def mark_timed_out(self) -> None:
        _annotate(self._entity, "TimedOut", True)
        self._entity.add_fault_flag()

    def record_route(self, route: str) -> None:
        _annotate(self._entity, "Route", route[:ANNOTATION_VALUE_MAX])

    def record_batch_record(self, record_id: str, correlation_id: str | None) -> None:
        _annotate(self._entity, "RecordId", record_id[:ANNOTATION_VALUE_MAX])
        if correlation_id is not None:
            _annotate(self._entity, "CorrelationId", correlation_id[:ANNOTATION_VALUE_MAX])

    def record_invocation(self, invocation: Any) -> None:
        pass  # Lambda's own segment names the function, its ARN and the request id

    def end(self) -> None:
        recorder, entity = self._recorder, self._entity
        if not entity.in_progress:
            return
        _close_left_open(entity)
        entities = _open_entities(recorder)
        if entities is not None and any(open_entity is entity for open_entity in entities):
            while entities.pop() is not entity:  # what is above it was closed just now
                pass
        entity.close()
        # The invocation's segment belongs to Lambda: send each finished subtree now
        # (what the SDK's end_subsegment does in Lambda, without re-reading the header
        # three more times).
        segment = entity.parent_segment
        streaming = recorder.streaming
        if streaming.is_eligible(segment):
            streaming.stream(segment, self._send)

    def _send(self, subsegment: Any) -> None:
        if subsegment.sampled:
            self._recorder.emitter.send_entity(subsegment)


def _annotate(entity: Any, key: str, value: str | int | float | bool) -> None:
    """Put one annotation on ``entity`` unless it already holds X-Ray's 50 (a key it already
    has is replaced: that adds nothing)."""
    annotations = getattr(entity, "annotations", None)
    if isinstance(annotations, dict) and len(annotations) >= ANNOTATIONS_MAX and key not in annotations:
        if entity not in _over_limit:
            _over_limit.add(entity)
            logging.getLogger(LOGGER_NAME).warning(
                "lambda_toolkit.tracing: subsegment %r already has %d annotations, X-Ray's limit; "
                "later annotations are dropped",
                getattr(entity, "name", ""),
                len(annotations),
            )
        return
    entity.put_annotation(key, value)


def _open_entities(recorder: Any) -> list[Any] | None:
    """The SDK's stack of open entities for this thread (its Lambda context keeps it there)."""
    entities = getattr(getattr(recorder.context, "_local", None), "entities", None)
    return entities if isinstance(entities, list) else None


class XRayBackend:
    """Opens subsegments on the SDK's global recorder (the one patched libraries use)."""

    name = "xray"

    def __init__(self) -> None:
        recorder = xray_recorder
        if not isinstance(recorder.context, LambdaContext):
            # The SDK was imported before the Lambda environment was visible (a test, a
            # tool): put its recorder in the Lambda mode it would have chosen on Lambda.
            recorder.context = LambdaContext()
        # The invocation's segment belongs to Lambda and is never sent by the SDK: each
        # subsegment must be sent as soon as it closes (what the SDK's Lambda mode does).
        recorder.streaming_threshold = 0
        address = os.environ.get("AWS_XRAY_DAEMON_ADDRESS")
        if address:
            recorder.emitter.set_daemon_address(address)
        self._recorder = recorder

    def begin(self, name: str, *, handler: bool, attach: bool = True) -> XRaySpan | None:
        recorder = self._recorder
        parent = recorder.get_trace_entity()  # re-reads _X_AMZN_TRACE_ID: a new invocation starts afresh
        if parent is None or not parent.sampled or getattr(parent, "initializing", False):
            return None
        segment = parent.parent_segment if getattr(parent, "type", None) == "subsegment" else parent
        entity = Subsegment(name.translate(_NAME_DELETE)[:_NAME_MAX] or "anonymous", "local", segment)
        parent.add_subsegment(entity)
        if attach:  # what the SDK's begin_subsegment does, with the header read once, not three times
            entities = _open_entities(recorder)
            if entities is not None:
                entities.append(entity)
        # (A generator's subsegment is not made current: the caller's own work between
        # two resumptions must not nest under it.)
        return XRaySpan(recorder, entity)

    def current(self) -> XRaySpan | None:
        entity = self._recorder.get_trace_entity()
        if getattr(entity, "type", None) != "subsegment" or not entity.sampled or not entity.in_progress:
            return None  # the facade segment of the invocation cannot be changed
        return XRaySpan(self._recorder, entity)

    def patch(self, modules: tuple[str, ...] | None) -> None:
        if modules is None:
            sdk_patch_all()
        else:
            sdk_patch(modules)
