"""Mutated real events (fields dropped, retyped, corrupted) fail only with EventValidationError.

Covers the models of this family and their on-demand helpers (body decoding, JSON, headers,
query strings, Config's JSON fields): parsing either succeeds and every helper answers or
raises ``EventValidationError``, or parsing raises ``EventValidationError``. Never a
KeyError/TypeError/binascii.Error from inside, never a payload value in the message.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_toolkit.events import EventValidationError, parse
from tests.events.model_samples import samples_for

TRIGGERS = (
    "api-gateway-rest",
    "api-gateway-http",
    "api-gateway-websocket",
    "alb",
    "function-url",
    "vpc-lattice",
    "vpc-lattice-v2",
    "api-gateway-authorizer-token",
    "api-gateway-authorizer-request",
    "api-gateway-authorizer-http",
    "appsync-authorizer",
    "cognito-user-pool",
    "codepipeline-job",
    "codedeploy-lifecycle-hook",
    "cloudformation-custom-resource",
    "config-rule",
    "secrets-manager-rotation",
    "appsync-resolver",
    "bedrock-agent",
    "connect-contact-flow",
)
SAMPLES = samples_for(*TRIGGERS)
MARKER = "ZZ-PAYLOAD-MARKER-ZZ"
REPLACEMENTS = st.sampled_from(
    [None, 0, -1, 10**30, 1.5, True, "", MARKER, f"{MARKER}*not base64*", [MARKER], {"k": MARKER}, {}, []]
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _mutate(event: dict[str, Any], path: tuple[Any, ...], drop: bool, value: Any) -> dict[str, Any]:
    mutated = copy.deepcopy(event)
    parent: Any = mutated
    for part in path[:-1]:
        parent = parent[part]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return mutated


def _check_failure(method: Any) -> None:
    """Call ``method``: it answers, or fails with an EventValidationError free of payload values."""
    failure: EventValidationError | None = None
    try:
        method()
    except EventValidationError as error:
        failure = error
    assert failure is None or MARKER not in str(failure)


def _exercise(model: Any) -> None:
    for name in ("decoded_body", "text_body", "json_body", "invoking_event_json", "rule_parameters_json"):
        method = getattr(model, name, None)
        if method is not None:
            _check_failure(method)
    for name in ("header", "query"):
        method = getattr(model, name, None)
        if method is not None:
            method("host")
    for name in ("header_values", "query_values"):
        method = getattr(model, name, None)
        if method is not None:
            method("host")
    repr(model)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_events_fail_only_with_event_validation_error(data: st.DataObject) -> None:
    trigger, _, event = data.draw(st.sampled_from(SAMPLES))
    path = data.draw(st.sampled_from(_paths(event)))
    mutated = _mutate(event, path, data.draw(st.booleans()), data.draw(REPLACEMENTS))
    failure: EventValidationError | None = None
    try:
        model = parse(mutated, trigger)
    except EventValidationError as error:
        failure = error
    if failure is not None:
        assert failure.errors
        assert MARKER not in str(failure)
    else:
        _exercise(model)
