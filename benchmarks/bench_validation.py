"""Validation scenarios: JSON Schema validation of an API Gateway event, beside Powertools.

The schema has 30 properties (strings with lengths, bounded integers, enums, patterns,
arrays of numbers, booleans; all required, no others allowed) and the event is an API
Gateway REST request whose JSON body holds a valid payload. Powertools' side is
``aws_lambda_powertools.utilities.validation`` (``validate`` and ``@validator`` with the
``API_GATEWAY_REST`` envelope), which uses fastjsonschema.

The "validator choice" rows measure the three validator packages themselves on the same
schema and payload (compile once, then validate), the measurement behind jsonschema-rs.
"""

from __future__ import annotations

import json
from typing import Any

from _harness import Scenario, cold_import, per_call

from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import api_gateway_rest_event

DRAFT_7 = "http://json-schema.org/draft-07/schema#"

_KINDS = (
    ("s", {"type": "string", "minLength": 1, "maxLength": 64}, "hello"),
    ("i", {"type": "integer", "minimum": 0, "maximum": 1000}, 42),
    ("e", {"enum": ["a", "b", "c"]}, "b"),
    ("p", {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"}, "ABC-12"),
    ("a", {"type": "array", "items": {"type": "number"}, "maxItems": 10}, [1.5, 2, 3]),
    ("b", {"type": "boolean"}, True),
)


def schema_30(draft: str = DRAFT_7) -> dict[str, Any]:
    """The 30-property schema (draft-07: the draft both libraries read)."""
    properties = {f"{prefix}{i}": rule for i in range(30) for prefix, rule, _ in (_KINDS[i % 6],)}
    return {
        "$schema": draft,
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def payload_30() -> dict[str, Any]:
    return {f"{prefix}{i}": value for i in range(30) for prefix, _, value in (_KINDS[i % 6],)}


SCHEMA = schema_30()
PAYLOAD = payload_30()
EVENT: dict[str, Any] = api_gateway_rest_event("POST", "/orders", headers={"authorization": "Bearer x"}, body=PAYLOAD)


def _ours_function() -> Any:
    from lambda_toolkit.validation import validate

    assert validate(EVENT, SCHEMA, envelope="api-gateway-rest") == PAYLOAD
    return lambda: validate(EVENT, SCHEMA, envelope="api-gateway-rest")


def _theirs_function() -> Any:
    from aws_lambda_powertools.utilities.validation import envelopes, validate

    assert validate(event=EVENT, schema=SCHEMA, envelope=envelopes.API_GATEWAY_REST) == PAYLOAD
    return lambda: validate(event=EVENT, schema=SCHEMA, envelope=envelopes.API_GATEWAY_REST)


def _fastjsonschema_compiled_once() -> Any:
    # What Powertools would cost if it compiled the schema once: the floor of a
    # fastjsonschema-based validator (the body decoded, then the generated code run).
    import fastjsonschema

    check = fastjsonschema.compile(SCHEMA)
    return lambda: check(json.loads(EVENT["body"]))


def _ours_decorator() -> Any:
    from lambda_toolkit.validation import validate

    @validate(inbound=SCHEMA, envelope="api-gateway-rest")
    def handler(order: Any, context: Any) -> Any:
        return order

    context = FakeContext()
    assert handler(EVENT, context) == PAYLOAD
    return lambda: handler(EVENT, context)


def _theirs_decorator() -> Any:
    from aws_lambda_powertools.utilities.validation import envelopes, validator

    @validator(inbound_schema=SCHEMA, envelope=envelopes.API_GATEWAY_REST)
    def handler(order: Any, context: Any) -> Any:
        return order

    context = FakeContext()
    assert handler(EVENT, context) == PAYLOAD
    return lambda: handler(EVENT, context)


# -- the validator choice ------------------------------------------------------------------------


def _jsonschema_rs() -> tuple[Any, Any]:
    import jsonschema_rs

    compiled = jsonschema_rs.validator_for(SCHEMA, validate_formats=True)
    return (lambda: jsonschema_rs.validator_for(SCHEMA, validate_formats=True)), (lambda: compiled.is_valid(PAYLOAD))


def _fastjsonschema() -> tuple[Any, Any]:
    import fastjsonschema

    compiled = fastjsonschema.compile(SCHEMA)
    return (lambda: fastjsonschema.compile(SCHEMA)), (lambda: compiled(PAYLOAD))


def _jsonschema() -> tuple[Any, Any]:
    import jsonschema

    cls = jsonschema.validators.validator_for(SCHEMA)
    compiled = cls(SCHEMA, format_checker=cls.FORMAT_CHECKER)

    def build() -> Any:
        cls.check_schema(SCHEMA)  # what the others do when compiling: check the schema
        return cls(SCHEMA, format_checker=cls.FORMAT_CHECKER)

    return build, (lambda: compiled.validate(PAYLOAD))


_HANDLER_MODULE = """
from lambda_toolkit.validation import validate
SCHEMA = {schema}
@validate(inbound=SCHEMA, envelope="api-gateway-rest")
def handler(order, context):
    return order
"""

_THEIR_HANDLER_MODULE = """
from aws_lambda_powertools.utilities.validation import envelopes, validator
SCHEMA = {schema}
@validator(inbound_schema=SCHEMA, envelope=envelopes.API_GATEWAY_REST)
def handler(order, context):
    return order
"""


def scenarios() -> list[Scenario]:
    ours_function, theirs_function = _ours_function(), _theirs_function()
    floor = _fastjsonschema_compiled_once()
    ours_decorator, theirs_decorator = _ours_decorator(), _theirs_decorator()
    rs_compile, rs_validate = _jsonschema_rs()
    fj_compile, fj_validate = _fastjsonschema()
    js_compile, js_validate = _jsonschema()
    schema_text = repr(SCHEMA)
    return [
        Scenario(
            "validation: API Gateway event, 30-property schema, validate()",
            "µs/event",
            lambda: per_call(ours_function) * 1e6,
            lambda: per_call(theirs_function) * 1e6,
            goal="<= 0.7x",
            extra={
                "Powertools' floor: fastjsonschema compiled once + json.loads": lambda: per_call(floor) * 1e6,
            },
        ),
        Scenario(
            "validation: the same through the decorator, per invocation",
            "µs/event",
            lambda: per_call(ours_decorator) * 1e6,
            lambda: per_call(theirs_decorator) * 1e6,
            goal="<= 0.7x",
        ),
        Scenario(
            "validator choice: validate the 30-property payload (rs vs fastjsonschema)",
            "µs",
            lambda: per_call(rs_validate) * 1e6,
            lambda: per_call(fj_validate) * 1e6,
            goal="reported",
            extra={"jsonschema (pure Python)": lambda: per_call(js_validate) * 1e6},
        ),
        Scenario(
            "validator choice: compile the 30-property schema (rs vs fastjsonschema)",
            "µs",
            lambda: per_call(rs_compile) * 1e6,
            lambda: per_call(fj_compile) * 1e6,
            goal="reported",
            extra={"jsonschema (pure Python, with check_schema)": lambda: per_call(js_compile) * 1e6},
        ),
        Scenario(
            "validation: cold import of a module with one validated handler",
            "ms",
            lambda: cold_import(_HANDLER_MODULE.format(schema=schema_text)) * 1e3,
            lambda: cold_import(_THEIR_HANDLER_MODULE.format(schema=schema_text)) * 1e3,
            goal="reported",
            extra={
                "import lambda_toolkit.validation alone": lambda: cold_import("import lambda_toolkit.validation") * 1e3,
            },
        ),
    ]
