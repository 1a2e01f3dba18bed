"""Where a correlation id is written in a raw event record: one definition of the rules.

The logger picks the invocation's id with them (from the first record of an SQS or SNS
event), batch the id of each record it runs; both read the raw dicts (no pydantic):

- SQS: the message attribute named ``correlation_id`` (names are compared without case,
  ``-`` or ``_``: ``CorrelationId`` and ``correlation-id`` match); else, in the body, the
  same attribute of an SNS notification delivered to the queue (not in raw delivery,
  where SNS sets it as a queue attribute), or the id of an EventBridge event a rule
  sent to the queue (as below);
- SNS: the attribute of the notification;
- EventBridge: the key of that name in the event's ``detail`` (where
  ``propagate_correlation_id`` puts it), else the event ``id``;
- a direct invocation: the key of that name in the client context's ``custom`` object
  (where ``propagate_correlation_id`` puts it for ``Invoke``);
- Kafka: the record header of that name (UTF-8).

A function returns None when the record holds no id: the caller decides the fallback
(the logger takes the message id, batch the message id for SQS and the invocation's
id otherwise). A body is decoded only when it can hold an id (a substring check first),
and only when someone asks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from lambda_toolkit.core.secrets import SECRET_MASK, is_secret

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, TypeGuard

__all__ = [
    "DEFAULT_ATTRIBUTES",
    "DEFAULT_NAMES",
    "MAX_ID_CHARS",
    "attribute_id",
    "client_context_id",
    "eventbridge_id",
    "id_text",
    "kafka_record_id",
    "names_of",
    "normal_name",
    "sns_record_id",
    "sqs_record_id",
]

MAX_ID_CHARS = 256
DEFAULT_ATTRIBUTES = ("correlation_id",)


def normal_name(name: str) -> str:
    """``name`` as attribute names are compared: lower case, without ``-`` and ``_``."""
    return name.lower().replace("-", "").replace("_", "")


def names_of(attributes: Iterable[str]) -> frozenset[str]:
    """The attribute names to look for, compared as ``normal_name`` does."""
    return frozenset(normal_name(name) for name in attributes)


DEFAULT_NAMES = names_of(DEFAULT_ATTRIBUTES)


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    return type(value) is dict or isinstance(value, Mapping)  # the ABC check only for the rare non-dict


def id_text(value: Any, mask: str = SECRET_MASK) -> str | None:
    """A usable id: a non-empty string (or number; the first of a list), stripped and
    capped at MAX_ID_CHARS; ``mask`` for a secret value; None for anything else."""
    if type(value) is not str:  # (a plain str is never a secret: secret types subclass it)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            return None
        if is_secret(value):  # its strip() would be the plain value
            return mask
    value = value.strip()
    return value[:MAX_ID_CHARS] or None


def attribute_id(
    attributes: Any, names: frozenset[str], value_keys: tuple[str, ...], mask: str = SECRET_MASK
) -> str | None:
    """The id in the first attribute of ``attributes`` (a name -> attribute mapping) whose
    name is one of ``names``, read under the first of ``value_keys`` that holds one."""
    if not _is_mapping(attributes) or not attributes:
        return None
    for name, attribute in attributes.items():
        if isinstance(name, str) and normal_name(name) in names and _is_mapping(attribute):
            for value_key in value_keys:
                found = id_text(attribute.get(value_key), mask)
                if found is not None:
                    return found
    return None


def _body_id(body: str, names: frozenset[str], mask: str) -> str | None:
    sns = '"MessageAttributes"' in body
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not _is_mapping(document):
        return None
    if sns and document.get("Type") == "Notification":
        return attribute_id(document.get("MessageAttributes"), names, ("Value",), mask)
    if "detail-type" in document and "source" in document:
        return eventbridge_id(document, names, mask)
    return None


def _key_id(document: Any, names: frozenset[str], mask: str) -> str | None:
    """The id under the first key of the mapping ``document`` whose name is one of ``names``."""
    if not _is_mapping(document) or not document:
        return None
    for name, value in document.items():
        if isinstance(name, str) and normal_name(name) in names:
            found = id_text(value, mask)
            if found is not None:
                return found
    return None


def eventbridge_id(
    event: Mapping[str, Any], names: frozenset[str] = DEFAULT_NAMES, mask: str = SECRET_MASK
) -> str | None:
    """The correlation id of an EventBridge event: the key in its ``detail``, else its ``id``."""
    return _key_id(event.get("detail"), names, mask) or id_text(event.get("id"), mask)


def client_context_id(context: Any, names: frozenset[str] = DEFAULT_NAMES, mask: str = SECRET_MASK) -> str | None:
    """The correlation id in the ``custom`` object of a Lambda context's client context
    (an object with ``.custom`` under the runtime, a dict from some local runners), or None."""
    client_context = getattr(context, "client_context", None)
    if client_context is None:
        return None
    if _is_mapping(client_context):
        return _key_id(client_context.get("custom"), names, mask)
    return _key_id(getattr(client_context, "custom", None), names, mask)


def sqs_record_id(
    record: Mapping[str, Any], names: frozenset[str] = DEFAULT_NAMES, mask: str = SECRET_MASK
) -> str | None:
    """The correlation id an SQS record carries (see the module's rules), or None."""
    attributes = record.get("messageAttributes")
    if attributes:  # (most messages have none: no call for them)
        found = attribute_id(attributes, names, ("stringValue",), mask)
        if found is not None:
            return found
    body = record.get("body")
    # Most bodies are neither a notification nor an event: two substring checks spare
    # them the JSON decoding.
    if type(body) is str and ('"MessageAttributes"' in body or '"detail-type"' in body):
        return _body_id(body, names, mask)
    return None


def sns_record_id(
    record: Mapping[str, Any], names: frozenset[str] = DEFAULT_NAMES, mask: str = SECRET_MASK
) -> str | None:
    """The correlation id an SNS record's notification carries, or None."""
    sns = record.get("Sns")
    if not _is_mapping(sns):
        return None
    return attribute_id(sns.get("MessageAttributes"), names, ("Value", "StringValue"), mask)


def kafka_record_id(
    record: Mapping[str, Any], names: frozenset[str] = DEFAULT_NAMES, mask: str = SECRET_MASK
) -> str | None:
    """The correlation id in a Kafka record's headers (a list of one-entry objects, each
    value a list of byte values), or None. A value that is not UTF-8 is no id."""
    headers = record.get("headers")
    if not isinstance(headers, list):
        return None
    for header in headers:
        if not _is_mapping(header):
            continue
        for name, value in header.items():
            if not isinstance(name, str) or normal_name(name) not in names or not isinstance(value, list):
                continue
            try:
                text = bytes(value).decode("utf-8")
            except (TypeError, ValueError):  # not bytes, or not UTF-8
                continue
            found = id_text(text, mask)
            if found is not None:
                return found
    return None
