"""Outbound correlation: the current correlation id added to what a function sends through
boto3, so that the next function logs the same id (``propagate_correlation_id``).

One call at init registers botocore ``before-parameter-build`` hooks; each reads the id when
the call is made, through ``core.state.get_correlation_id()`` (the batch record's own id
while ``@batch`` runs a record, else the invocation's), and does nothing when none is
current (outside an invocation). What each operation carries:

- SQS ``SendMessage``/``SendMessageBatch``, SNS ``Publish``/``PublishBatch``: a ``String``
  message attribute, ``correlation_id`` by default (the name the receiving side reads);
- Lambda ``Invoke`` and ``InvokeWithResponseStream``: a key of the ``custom`` object of the
  client context (base64 JSON), merged with what the caller put there;
- EventBridge ``PutEvents``: a top-level key of each entry's ``Detail`` JSON object.

A value the caller set is never replaced: a message or object that already has the name
(compared as the receiving side compares: any case, ``-`` and ``_`` ignored) is sent as
given, and so is one that already has SQS's/SNS's limit of 10 message attributes (with one
warning per invocation) or anything botocore would refuse anyway (its own error then
reaches the caller as it would have). The caller's objects are never changed in place: a
new attributes dict, entry or entries list replaces the one handed in, so a dict reused
across calls (a module-level constant) never carries one invocation's id into the next.

Where the hooks go: every botocore session and client alive at the call (one pass of the
garbage collector over the heap, only when botocore is imported already) and every session
created afterwards (botocore's ``BUILTIN_HANDLERS``, which each new session registers, and
whose emitter each new client copies). So clients made before the call and after it, by
``boto3.client``, by a session of the user's or by the package's own ``core.aws``, all
propagate.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from threading import Lock

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.state import current_invocation, get_correlation_id

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

__all__ = ["DEFAULT_SERVICES", "MAX_CLIENT_CONTEXT_CHARS", "MAX_MESSAGE_ATTRIBUTES", "propagate_correlation_id"]

#: The services whose calls carry the id unless ``services=`` names fewer (boto3's names).
DEFAULT_SERVICES = ("sqs", "sns", "lambda", "events")
#: SQS's limit of message attributes per message, which SNS applies too when it delivers to
#: an SQS subscription with raw message delivery (messages with more are discarded).
MAX_MESSAGE_ATTRIBUTES = 10
#: Lambda's limit on ``ClientContext`` (base64 text).
MAX_CLIENT_CONTEXT_CHARS = 3583

_SERVICE_NAMES = {"sqs": "sqs", "sns": "sns", "lambda": "lambda", "events": "events", "eventbridge": "events"}
# SQS's rule for attribute names (SNS's is the same): letters, digits, _ - and single inner periods.
_NAME = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
# Characters SQS accepts in an attribute value (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF).
_REFUSED_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_WARNED_KEY = "logging.propagation.warned"
_log = logging.getLogger("lambda_toolkit.logging")


def _normal(name: str) -> str:
    # As the receiving side compares attribute names: correlationId is correlation_id.
    return name.lower().replace("-", "").replace("_", "")


class _Settings:
    """What ``propagate_correlation_id`` was last asked for (swapped whole, read lock-free)."""

    __slots__ = ("attribute", "json_name", "normal", "services")

    def __init__(self, services: frozenset[str], attribute: str) -> None:
        self.services = services
        self.attribute = attribute
        self.normal = _normal(attribute)
        self.json_name = json.dumps(attribute)


_settings: _Settings | None = None
_lock = Lock()
# True while the hooks are registered (every session made since has them): a second call
# only swaps the settings.
_attached = False
# The id last found sendable: the same id is checked once, not at every call.
_checked_id: str | None = None


def propagate_correlation_id(
    *, services: Iterable[str] = DEFAULT_SERVICES, attribute: str = "correlation_id", enabled: bool = True
) -> None:
    """Add the current correlation id to the messages, events and invocations this process
    sends through boto3, from now on.

    Call it once at init (module level). ``services``: which of ``"sqs"``, ``"sns"``,
    ``"lambda"`` and ``"events"`` (EventBridge) carry it. ``attribute``: the message
    attribute name (and the key in Lambda's client context and EventBridge's detail),
    ``correlation_id`` by default, the name ``inject_context`` reads on the receiving side.
    Calling it again changes the settings without registering anything twice;
    ``enabled=False`` stops the propagation (for tests). botocore is imported by the first
    call (not by importing ``lambda_toolkit.logging``).

    Raises ``ConfigurationError`` for an unknown service or an attribute name SQS/SNS refuse.
    """
    global _settings, _attached
    if not enabled:
        with _lock:
            _settings = None
            if _attached:
                _detach()
                _attached = False
        return
    settings = _Settings(_services(services), _attribute(attribute))
    with _lock:
        if not _attached:
            _attached = _attach()
        _settings = settings


def _services(services: Iterable[str]) -> frozenset[str]:
    if isinstance(services, str):
        services = (services,)
    chosen = set()
    for name in services:
        known = _SERVICE_NAMES.get(name) if isinstance(name, str) else None
        if known is None:
            raise ConfigurationError(
                f"propagate_correlation_id: services: unknown service {name!r} (known: {', '.join(DEFAULT_SERVICES)})"
            )
        chosen.add(known)
    return frozenset(chosen)


def _attribute(name: object) -> str:
    if (
        not isinstance(name, str)
        or len(name) > 256
        or not _NAME.fullmatch(name)
        or name.lower().startswith(("aws.", "amazon."))
    ):
        raise ConfigurationError(
            "propagate_correlation_id: attribute must be a message attribute name: letters, digits, _ - and "
            "single inner periods, at most 256 characters, not starting with AWS. or Amazon."
        )
    return name


def _current(service: str) -> tuple[_Settings, str] | None:
    """The settings and the id to send in a call to ``service``, or None: send nothing."""
    global _checked_id
    settings = _settings
    if settings is None or service not in settings.services:
        return None
    correlation_id = get_correlation_id()
    if not correlation_id:
        return None
    if correlation_id is not _checked_id:
        if type(correlation_id) is not str or _REFUSED_CHARACTER.search(correlation_id) is not None:
            return None  # SQS would refuse the whole call for it
        _checked_id = correlation_id
    return settings, correlation_id


def _warn_once(key: str, message: str, *args: object) -> None:
    """A warning of the library, once per invocation for ``key`` (never with a payload)."""
    invocation = current_invocation()
    if invocation is not None:
        warned: set[str] | None = invocation.data.get(_WARNED_KEY)
        if warned is None:
            warned = invocation.data[_WARNED_KEY] = set()
        if key in warned:
            return
        warned.add(key)
    _log.warning("propagate_correlation_id: " + message, *args)


# --- SQS and SNS: message attributes ---------------------------------------------------

_FULL: Any = object()


def _attributes_with_id(message: Any, correlation_id: str, settings: _Settings) -> Any:
    """``message``'s attributes with the id added; None: send the message as it is;
    ``_FULL``: it has the limit of attributes already."""
    if not isinstance(message, dict):
        return None
    if "MessageAttributes" not in message:
        return {settings.attribute: {"DataType": "String", "StringValue": correlation_id}}
    attributes = message["MessageAttributes"]
    if not isinstance(attributes, dict) or settings.attribute in attributes:
        return None
    wanted = settings.normal
    for name in attributes:
        if isinstance(name, str) and _normal(name) == wanted:
            return None  # the caller's own id (correlationId, Correlation-Id...) wins
    if len(attributes) >= MAX_MESSAGE_ATTRIBUTES:
        return _FULL
    with_id = dict(attributes)
    with_id[settings.attribute] = {"DataType": "String", "StringValue": correlation_id}
    return with_id


def _warn_full(operation: str, count: int) -> None:
    _warn_once(
        f"full.{operation}",
        "%s: correlation id not added to %d message(s) that already have %d message attributes "
        "(the limit); sent as given",
        operation,
        count,
        MAX_MESSAGE_ATTRIBUTES,
    )


def _one_message(service: str, operation: str) -> Callable[..., None]:
    def add(params: Any, **_: Any) -> None:
        current = _current(service)
        if current is None or not isinstance(params, dict):
            return
        attributes = _attributes_with_id(params, current[1], current[0])
        if attributes is _FULL:
            _warn_full(operation, 1)
        elif attributes is not None:
            params["MessageAttributes"] = attributes

    add.__name__ = add.__qualname__ = f"propagate_{service}_{operation}"
    return add


def _batch(service: str, operation: str, entries_key: str) -> Callable[..., None]:
    def add(params: Any, **_: Any) -> None:
        current = _current(service)
        if current is None or not isinstance(params, dict):
            return
        entries = params.get(entries_key)
        if not isinstance(entries, (list, tuple)):
            return
        settings, correlation_id = current
        changed: list[Any] | None = None
        full = 0
        for index, entry in enumerate(entries):
            attributes = _attributes_with_id(entry, correlation_id, settings)
            if attributes is None:
                continue
            if attributes is _FULL:
                full += 1
                continue
            if changed is None:
                changed = list(entries)
            changed[index] = {**entry, "MessageAttributes": attributes}
        if changed is not None:
            params[entries_key] = changed
        if full:
            _warn_full(operation, full)

    add.__name__ = add.__qualname__ = f"propagate_{service}_{operation}"
    return add


# --- Lambda: the client context --------------------------------------------------------


def _lambda_invoke(params: Any, **_: Any) -> None:
    current = _current("lambda")
    if current is None or not isinstance(params, dict):
        return
    settings, correlation_id = current
    import base64
    import binascii

    if "ClientContext" not in params:
        context: Any = {}
    else:
        given = params["ClientContext"]
        if not isinstance(given, str):
            return  # botocore reports the caller's type error
        try:
            context = json.loads(base64.b64decode(given, validate=True))
        except (ValueError, binascii.Error, RecursionError):  # UnicodeDecodeError is a ValueError
            context = None
        if not isinstance(context, dict):
            _warn_once("invoke.context", "Invoke: correlation id not added: ClientContext is not base64 JSON object")
            return
    custom = context.get("custom", {})
    if not isinstance(custom, dict):
        _warn_once("invoke.custom", "Invoke: correlation id not added: ClientContext's custom is not a JSON object")
        return
    wanted = settings.normal
    if any(isinstance(name, str) and _normal(name) == wanted for name in custom):
        return
    merged = {**context, "custom": {**custom, settings.attribute: correlation_id}}
    try:
        text = json.dumps(merged, separators=(",", ":"), allow_nan=False)
    except ValueError:  # a value JSON cannot write back as it was read (Infinity)
        return
    encoded = base64.b64encode(text.encode()).decode("ascii")
    if len(encoded) > MAX_CLIENT_CONTEXT_CHARS:
        _warn_once(
            "invoke.size",
            "Invoke: correlation id not added: ClientContext would exceed Lambda's %d characters",
            MAX_CLIENT_CONTEXT_CHARS,
        )
        return
    params["ClientContext"] = encoded


# --- EventBridge: a key of the detail --------------------------------------------------


def _detail_with_id(detail: str, correlation_id: str, settings: _Settings) -> str | None:
    """The caller's Detail text with the id as a first key (the rest kept character for
    character), or None when it is not a JSON object or has the key already."""
    body = detail.lstrip()
    if not body.startswith("{"):
        return None
    try:
        parsed = json.loads(detail)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python's stack
        return None
    if not isinstance(parsed, dict):
        return None
    wanted = settings.normal
    if any(_normal(name) == wanted for name in parsed):
        return None
    inside = len(detail) - len(body) + 1
    field = f"{settings.json_name}:{json.dumps(correlation_id)}"
    return f"{detail[:inside]}{field}{',' if parsed else ''}{detail[inside:]}"


def _put_events(params: Any, **_: Any) -> None:
    current = _current("events")
    if current is None or not isinstance(params, dict):
        return
    entries = params.get("Entries")
    if not isinstance(entries, (list, tuple)):
        return
    settings, correlation_id = current
    changed: list[Any] | None = None
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        detail = entry.get("Detail")
        if not isinstance(detail, str):
            continue
        with_id = _detail_with_id(detail, correlation_id, settings)
        if with_id is None:
            continue
        if changed is None:
            changed = list(entries)
        changed[index] = {**entry, "Detail": with_id}
    if changed is not None:
        params["Entries"] = changed


# --- registration ------------------------------------------------------------------------

# botocore's event names use the service id, hyphenized (EventBridge's is "eventbridge").
_HOOKS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("before-parameter-build.sqs.SendMessage", _one_message("sqs", "SendMessage")),
    ("before-parameter-build.sqs.SendMessageBatch", _batch("sqs", "SendMessageBatch", "Entries")),
    ("before-parameter-build.sns.Publish", _one_message("sns", "Publish")),
    ("before-parameter-build.sns.PublishBatch", _batch("sns", "PublishBatch", "PublishBatchRequestEntries")),
    ("before-parameter-build.lambda.Invoke", _lambda_invoke),
    ("before-parameter-build.lambda.InvokeWithResponseStream", _lambda_invoke),
    ("before-parameter-build.eventbridge.PutEvents", _put_events),
)


def _attach() -> bool:
    """Register the hooks on every session and client alive, and for every later session
    (the caller holds ``_lock``); False when botocore is not installed (nothing can send).
    Registering again is harmless: each emitter ends up with one registration of each hook."""
    try:
        from botocore import handlers
    except ImportError:
        return False

    for hook in _HOOKS:
        if hook not in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.append(hook)
    for emitter in _live_emitters():
        for event, hook_function in _HOOKS:
            emitter.unregister(event, hook_function)  # a session created since the last call has it already
            emitter.register(event, hook_function)
    return True


def _detach() -> None:
    """Remove the hooks from botocore's list and from every session and client alive (the
    caller holds ``_lock``; with no settings a hook left anywhere does nothing)."""
    handlers = sys.modules.get("botocore.handlers")
    if handlers is None:
        return
    for hook in _HOOKS:
        while hook in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.remove(hook)
    for emitter in _live_emitters():
        for event, hook_function in _HOOKS:
            emitter.unregister(event, hook_function)


def _live_emitters() -> list[Any]:
    """The event emitters of every botocore session and client alive."""
    if "botocore.client" not in sys.modules and "botocore.session" not in sys.modules:
        return []  # neither a session nor a client can exist yet
    import gc

    from botocore.client import BaseClient
    from botocore.session import Session

    # Instances refer to their class, so the referrers of the classes are the instances
    # (and a few class-level objects, filtered out): one pass over the heap, in C.
    classes = _subclasses(Session) + _subclasses(BaseClient)
    emitters = []
    for found in gc.get_referrers(*classes):
        if isinstance(found, Session):
            emitters.append(found.get_component("event_emitter"))
        elif isinstance(found, BaseClient):
            emitters.append(found.meta.events)
    return emitters


def _subclasses(cls: type[Any]) -> list[type[Any]]:
    found: list[type[Any]] = [cls]
    for sub in cls.__subclasses__():
        found.extend(_subclasses(sub))
    return found
