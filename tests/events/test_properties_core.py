"""Property test: real events of the queue, stream, storage and EventBridge families, mutated
(fields dropped, retyped, corrupted), fail only with EventValidationError or UnknownEventError,
naming field paths and never a payload value. Everything a model decodes on demand is read too,
and every envelope of the family is tried with a user model.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from lambda_toolkit.events import EventValidationError, UnknownEventError, detect, envelopes, parse
from tests.events.core_samples import CORE_TRIGGERS, events_of

SAMPLES = [(name, event, detect(event)) for name, event in events_of(*CORE_TRIGGERS)]
MARKER = "ZZ-PAYLOAD-MARKER-ZZ"
REPLACEMENTS: st.SearchStrategy[object] = st.sampled_from(
    [None, 0, -7, 10**40, 2.5, True, "", MARKER, f"{MARKER}!!not base64", [MARKER], {"S": MARKER}, {}, [], [{}]]
)
ENVELOPES_OF: dict[str, list[envelopes.Envelope]] = {
    "sqs": [envelopes.SQS, envelopes.SNS_IN_SQS],
    "sns": [envelopes.SNS],
    "kinesis-stream": [envelopes.KINESIS],
    "kinesis-firehose": [envelopes.KINESIS_FIREHOSE],
    "kafka": [envelopes.KAFKA],
    "dynamodb-stream": [envelopes.DYNAMODB_NEW_IMAGE, envelopes.DYNAMODB_OLD_IMAGE],
    "eventbridge": [envelopes.EVENTBRIDGE],
    "s3-eventbridge": [envelopes.EVENTBRIDGE],
    "cloudwatch-logs": [envelopes.CLOUDWATCH_LOGS],
}


class Payload(BaseModel):
    id: int


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(event: dict[str, Any], path: tuple[Any, ...], action: str, replacement: Any) -> dict[str, Any]:
    mutated = copy.deepcopy(event)
    parent: Any = mutated
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "drop":
        if isinstance(parent, dict):
            del parent[last]
        else:
            parent.pop(last)
    elif action == "corrupt" and isinstance(parent[last], str):
        parent[last] = parent[last][: len(parent[last]) // 2] + MARKER + "{!"
    else:
        parent[last] = replacement
    return mutated


def _read_everything(model: Any) -> None:
    """Touch every on-demand decoding helper of the parsed model."""
    for record in [*getattr(model, "records", [])] if isinstance(getattr(model, "records", None), list) else []:
        for reader in ("json_body", "json_data", "json_value"):
            if hasattr(record, reader):
                getattr(record, reader)()
        for attribute in ("system_attributes", "typed_message_attributes", "data_bytes", "key", "new_item", "old_item"):
            if hasattr(type(record), attribute):
                getattr(record, attribute)
        if hasattr(record, "sns"):
            record.sns.json_message()
    if hasattr(model, "all_records"):
        for record in model.all_records():
            record.value_bytes, record.key_bytes, record.decoded_headers
            record.json_value()
    if hasattr(model, "all_messages"):
        for message in model.all_messages():
            message.json_data()
    for message in getattr(model, "messages", []) or []:
        message.json_data()
    if hasattr(type(model), "decoded"):
        for entry in model.decoded.log_events:
            entry.json_message()
    data = getattr(model, "alarm_data", None)
    if data is not None:
        data.state.json_reason_data()


def _check(error: Exception) -> None:
    assert isinstance(error, (EventValidationError, UnknownEventError)), repr(error)
    assert MARKER not in str(error)
    if isinstance(error, EventValidationError):
        assert error.errors and all(isinstance(e.path, str) for e in error.errors)


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, dict[str, Any], str]:
    name, event, trigger = draw(st.sampled_from(SAMPLES))
    mutated = event
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(mutated)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["drop", "retype", "corrupt"]))
        mutated = _mutate(mutated, path, action, draw(REPLACEMENTS))
    return name, mutated, trigger


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_mutated_events_fail_only_with_event_errors(case: tuple[str, dict[str, Any], str]) -> None:
    _, event, trigger = case
    for chosen in (trigger, None):
        try:
            model = parse(event, chosen)
            _read_everything(model)
        except Exception as error:
            _check(error)
    for envelope in ENVELOPES_OF.get(trigger, []):
        try:
            envelope.parse(event, Payload)  # type: ignore[attr-defined]
        except Exception as error:
            _check(error)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: st.lists(c) | st.dictionaries(st.text(max_size=8), c),
        max_leaves=10,
    )
)
def test_arbitrary_json_is_detected_or_rejected_cleanly(value: Any) -> None:
    detect(value)
    try:
        parse(value)
    except Exception as error:
        _check(error)
