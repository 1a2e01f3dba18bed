"""Fuzzing every parser and decoder of the events layer: only the errors in ``ALLOWED`` escape.

Inputs are an event of every trigger (from the testing factories, so nothing outside the
repository is read) mutated at random (fields dropped, retyped, corrupted, replaced with
hostile payloads: JSON nested 100,000 deep, numbers past Python's digit limit, lone
surrogates, gzip bombs, DynamoDB values nested past 32 levels), plus arbitrary values fed to
each decoding helper directly. Whatever happens, ``detect`` answers, and ``parse``, every
helper of every parsed model (found by reflection, so new models are covered), every
envelope and every decoding helper either answer or raise one of ``ALLOWED``, whose message
never carries the payload.
"""

from __future__ import annotations

import base64
import copy
import gzip
import inspect
from functools import cached_property
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from lambda_toolkit.events import TRIGGERS, EventModel, EventValidationError, UnknownEventError, decoding, detect, parse
from lambda_toolkit.events.envelopes import ENVELOPES
from lambda_toolkit.testing.events import FACTORIES, make_event

#: The only exceptions untrusted input may raise out of the events layer.
ALLOWED: tuple[type[Exception], ...] = (EventValidationError, UnknownEventError)

MARKER = "ZZ-PAYLOAD-MARKER-ZZ"
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _deep_attribute(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"S": MARKER}
    for _ in range(levels):
        value = {"L": [value]}
    return value


HOSTILE_TEXT = [
    MARKER + "\ud800",
    '{"m": "' + MARKER + '", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"m": "' + MARKER + '", "n": ' + "9" * 5_000 + "}",
    base64.b64encode(("[" * 50_000).encode()).decode(),
    base64.b64encode(gzip.compress(b"\0" * (1024 * 1024))).decode(),
    base64.b64encode(gzip.compress(b'{"logEvents": [' + b"[" * 50_000 + b"]")).decode(),
    base64.b64encode(b"\xff\xfe" + MARKER.encode()).decode(),
    base64.b64encode(MARKER.encode()).decode(),
    f"{MARKER}!!not base64",
    f"{MARKER}+key%ZZ%2",
]
REPLACEMENTS = st.sampled_from(
    [
        None,
        0,
        -7,
        10**40,
        2.5,
        True,
        "",
        MARKER,
        [MARKER],
        {"S": MARKER},
        {"N": MARKER},
        {"B": MARKER},
        {"NS": [MARKER]},
        {},
        [],
        [{}],
        _deep_attribute(40),
        _deep_attribute(1_500),
        *HOSTILE_TEXT,
    ]
)


def _check(error: BaseException) -> None:
    assert isinstance(error, ALLOWED), f"{type(error).__name__} escaped: {error!r}"
    assert MARKER not in str(error)
    if isinstance(error, EventValidationError):
        assert error.errors and all(isinstance(e.path, str) and MARKER not in e.message for e in error.errors)


def _attempt(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except Exception as error:
        _check(error)
        return None


# -- mutating events -------------------------------------------------------------------------------


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if len(prefix) > 12:  # a hostile replacement may be nested thousands deep
        return found
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(
    event: dict[str, Any], path: tuple[Any, ...], action: str, replacement: Any, hostile: str = MARKER
) -> dict[str, Any]:
    """A copy of ``event`` changed at ``path`` (only the containers on the path are copied)."""
    mutated = dict(event)
    parent: Any = mutated
    for key in path[:-1]:
        parent[key] = copy.copy(parent[key])
        parent = parent[key]
    last = path[-1]
    if action == "drop":
        del parent[last]
    elif action == "corrupt" and isinstance(parent[last], str):
        parent[last] = parent[last][: len(parent[last]) // 2] + MARKER + "{!"
    elif action == "hostile" and isinstance(parent[last], str):
        parent[last] = hostile
    else:
        parent[last] = replacement
    return mutated


def _get(event: dict[str, Any], path: tuple[Any, ...]) -> Any:
    node: Any = event
    for key in path:
        node = node[key]
    return node


def _base_event(trigger: str) -> dict[str, Any]:
    event = make_event(trigger)
    if "body" in TRIGGERS[trigger].model_fields:
        event["body"] = '{"id": 1}'  # HTTP bodies are payloads to attack too
    return event


BASE_EVENTS = {trigger: _base_event(trigger) for trigger in FACTORIES}


@st.composite
def mutated_events(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    trigger = draw(st.sampled_from(sorted(BASE_EVENTS)))
    event = BASE_EVENTS[trigger]
    for _ in range(draw(st.integers(1, 3))):
        # String leaves first half of the time: that is where payloads (and hostile text) sit.
        paths = _paths(event)
        leaves = [path for path in paths if isinstance(_get(event, path), str)]
        prefer_leaves: bool = draw(st.booleans())
        if leaves and prefer_leaves:
            paths = leaves
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["drop", "retype", "corrupt", "hostile", "hostile"]))
        event = _mutate(event, path, action, draw(REPLACEMENTS), draw(st.sampled_from(HOSTILE_TEXT)))
    return trigger, event


# -- reading everything a model offers --------------------------------------------------------------


def _helpers(model: EventModel) -> list[tuple[str, Any]]:
    """(name, kind) of the public helpers the events layer defines on the model's class."""
    found = []
    for klass in type(model).__mro__:
        if not klass.__module__.startswith("lambda_toolkit.events"):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_") or name in type(model).model_fields:
                continue
            if isinstance(member, (property, cached_property)) or inspect.isfunction(member):
                found.append((name, member))
    return found


def _call(model: EventModel, name: str, member: Any) -> Any:
    if isinstance(member, (property, cached_property)):
        return getattr(model, name)
    required = [
        p
        for p in list(inspect.signature(member).parameters.values())[1:]
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if not required:
        result = getattr(model, name)()
    elif len(required) == 1:  # header(name), query(name), parameter(name)...
        result = getattr(model, name)("authorization")
    else:
        return None
    return list(result) if inspect.isgenerator(result) else result


def _read_everything(value: Any, depth: int = 0) -> None:
    """Every helper of every model reachable from ``value``, and each model's repr and str."""
    if depth > 12:
        return
    if isinstance(value, EventModel):
        repr(value), str(value)
        for name, member in _helpers(value):
            found = _attempt(_call, value, name, member)
            _read_everything(found, depth + 1)
        for field in type(value).model_fields:
            _read_everything(getattr(value, field), depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value[:20]:
            _read_everything(item, depth + 1)
    elif isinstance(value, dict):
        for item in list(value.values())[:20]:
            _read_everything(item, depth + 1)


@pytest.mark.parametrize("trigger", sorted(BASE_EVENTS))
def test_hostile_text_in_every_string_field_of_every_trigger(trigger: str) -> None:
    event = BASE_EVENTS[trigger]
    for path in _paths(event):
        if not isinstance(_get(event, path), str):
            continue
        for hostile in HOSTILE_TEXT:
            mutated = _mutate(event, path, "hostile", None, hostile)
            model = _attempt(parse, mutated, trigger)
            if model is not None:
                _read_everything(model)
            for envelope in ENVELOPES.values():
                if trigger in envelope.triggers:
                    _attempt(envelope.parse, mutated, Payload)  # type: ignore[attr-defined]


class Payload(BaseModel):
    id: int


@SETTINGS
@given(mutated_events())
def test_mutated_events_of_every_trigger_raise_only_allowed_errors(case: tuple[str, dict[str, Any]]) -> None:
    trigger, event = case
    detect(event)
    for chosen in (trigger, None):
        model = _attempt(parse, event, chosen)
        if model is not None:
            _read_everything(model)


@SETTINGS
@given(mutated_events(), st.sampled_from([Payload, dict, str, bytes, Any, list[int]]))
def test_every_envelope_raises_only_allowed_errors(case: tuple[str, dict[str, Any]], model: Any) -> None:
    _, event = case
    for envelope in ENVELOPES.values():
        parsed = _attempt(envelope.parse, event, model)  # type: ignore[attr-defined]
        for item in parsed if isinstance(parsed, list) else []:
            repr(item)
            _attempt(item.record)


JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@SETTINGS
@given(JSON_LIKE)
def test_arbitrary_values_are_detected_or_rejected_cleanly(value: Any) -> None:
    detect(value)
    _attempt(parse, value)


# -- decoding helpers, directly --------------------------------------------------------------------

ANY_INPUT = JSON_LIKE | st.binary(max_size=64) | st.sampled_from(HOSTILE_TEXT)


@SETTINGS
@given(ANY_INPUT, st.binary(max_size=64))
def test_decoding_helpers_raise_only_allowed_errors(value: Any, raw: bytes) -> None:
    _attempt(decoding.b64decode, value, "f")
    _attempt(decoding.json_loads, value, "f")
    _attempt(decoding.signed_bytes, value, "f")
    _attempt(decoding.dynamodb_value, value, "f")
    _attempt(decoding.dynamodb_item, value, "f")
    _attempt(decoding.gunzip, raw, "f")
    _attempt(decoding.gunzip, value, "f")
    if isinstance(value, str):
        decoding.s3_key(value)
        _attempt(decoding.utf8_encode, value, "f")


@SETTINGS
@given(st.binary(min_size=1, max_size=200), st.integers(0, 10_000), st.integers(0, 255), st.integers(1, 4096))
def test_gunzip_of_corrupted_gzip_raises_only_allowed_errors(text: bytes, where: int, byte: int, cap: int) -> None:
    packed = bytearray(gzip.compress(text))
    packed[where % len(packed)] = byte
    result = _attempt(lambda: decoding.gunzip(bytes(packed), "f", max_size=cap))
    assert result is None or len(result) <= cap


DYNAMODB_VALUES = st.recursive(
    st.builds(lambda s: {"S": s}, st.text(max_size=5))
    | st.builds(lambda n: {"N": n}, st.sampled_from(["1", "-2.5", "1e3", "NaN", "x", "9" * 50]))
    | st.builds(lambda b: {"B": b}, st.sampled_from(["AA==", "!!", ""]))
    | st.builds(lambda v: {"BOOL": v}, st.booleans() | st.none())
    | st.just({"NULL": True})
    | st.builds(lambda s: {"SS": s}, st.lists(st.text(max_size=3), max_size=3))
    | st.dictionaries(st.sampled_from(["S", "N", "Q", "M"]), st.integers(), max_size=2),
    lambda inner: (
        st.builds(lambda items: {"L": items}, st.lists(inner, max_size=3))
        | st.builds(lambda items: {"M": items}, st.dictionaries(st.text(max_size=4), inner, max_size=3))
    ),
    max_leaves=20,
)


@SETTINGS
@given(DYNAMODB_VALUES, st.integers(0, 200))
def test_dynamodb_values_decode_or_raise_only_allowed_errors(value: dict[str, Any], wrap: int) -> None:
    for _ in range(wrap):
        value = {"M": {"a": value}}
    _attempt(decoding.dynamodb_item, {"top": value}, "NewImage")


def test_a_parsed_record_with_a_deeply_nested_id_has_a_short_repr() -> None:
    from lambda_toolkit.events.envelopes import Parsed

    deep: Any = "x"
    for _ in range(5000):
        deep = [deep]
    parsed: Parsed[dict[str, Any]] = Parsed(payload={}, id=deep, raw={}, path="Records[0]", record_model=None)
    assert repr(parsed) == "Parsed(id=<list>, path='Records[0]', payload=<dict>)"
