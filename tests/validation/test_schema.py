"""Schemas: drafts, formats, invalid schemas, remote references, and the messages of each rule."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.validation import (
    DEFAULT_DRAFT,
    MAX_ERRORS,
    SchemaError,
    ValidationError,
    Violation,
    compile_schema,
    validate,
)

from .conftest import DRAFT_7, DRAFT_2020

# -- drafts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema_uri", "draft"),
    [
        (DRAFT_7, "draft-07"),
        ("http://json-schema.org/draft-07/schema", "draft-07"),
        (DRAFT_2020, "2020-12"),
        ("https://json-schema.org/draft/2020-12/schema#", "2020-12"),
    ],
)
def test_the_draft_is_read_from_dollar_schema(schema_uri: str, draft: str) -> None:
    assert compile_schema({"$schema": schema_uri, "type": "object"}).draft == draft


def test_a_schema_without_dollar_schema_is_2020_12() -> None:
    assert DEFAULT_DRAFT == DRAFT_2020
    schema = compile_schema({"prefixItems": [{"type": "integer"}], "items": False})
    assert schema.draft == "2020-12"
    assert schema.is_valid([1]) and not schema.is_valid([1, 2])


def test_draft_7_and_2020_12_keep_their_own_meaning() -> None:
    # tuple validation: `items` as a list in draft 7, `prefixItems` in 2020-12
    seven = compile_schema({"$schema": DRAFT_7, "items": [{"type": "integer"}], "additionalItems": False})
    assert seven.is_valid([1]) and not seven.is_valid(["a"]) and not seven.is_valid([1, 2])
    with pytest.raises(SchemaError):  # in 2020-12, `items` is one schema, never a list
        compile_schema({"$schema": DRAFT_2020, "items": [{"type": "integer"}]})
    # `prefixItems` means nothing to draft 7
    assert compile_schema({"$schema": DRAFT_7, "prefixItems": [{"type": "integer"}]}).is_valid(["a"])


@pytest.mark.parametrize(
    ("keyword_schema", "good", "bad"),
    [
        ({"dependentRequired": {"card": ["billing"]}}, {"card": 1, "billing": 2}, {"card": 1}),
        ({"allOf": [{"properties": {"a": {}}}], "unevaluatedProperties": False}, {"a": 1}, {"a": 1, "b": 2}),
        (
            {"$defs": {"pos": {"type": "integer", "minimum": 1}}, "properties": {"n": {"$ref": "#/$defs/pos"}}},
            {"n": 1},
            {"n": 0},
        ),
        (
            {"$defs": {"s": {"type": "string"}}, "properties": {"x": {"$ref": "#/$defs/s", "maxLength": 2}}},
            {"x": "ab"},
            {"x": "abc"},
        ),
    ],
)
def test_2020_12_keywords_are_enforced(keyword_schema: dict[str, Any], good: Any, bad: Any) -> None:
    schema = compile_schema({"$schema": DRAFT_2020, **keyword_schema})
    assert schema.is_valid(good) and not schema.is_valid(bad)


def test_a_dynamic_reference_resolves_inside_the_schema() -> None:
    tree = {
        "$schema": DRAFT_2020,
        "$id": "https://example.com/tree",
        "$dynamicAnchor": "node",
        "type": "object",
        "required": ["value"],
        "properties": {"children": {"type": "array", "items": {"$dynamicRef": "#node"}}},
    }
    schema = compile_schema(tree)
    assert schema.is_valid({"value": 1, "children": [{"value": 2, "children": []}]})
    assert not schema.is_valid({"value": 1, "children": [{}]})


@pytest.mark.parametrize(
    ("schema_uri", "draft", "valid", "invalid"),
    [
        # draft 4: exclusiveMaximum is a boolean beside maximum
        ("http://json-schema.org/draft-04/schema#", "draft-04", 9, 10),
        # 2019-09: dependentRequired
        ("https://json-schema.org/draft/2019-09/schema", "2019-09", {"a": 1, "b": 2}, {"a": 1}),
    ],
)
def test_the_other_drafts_the_validator_knows_are_accepted(
    schema_uri: str, draft: str, valid: Any, invalid: Any
) -> None:
    keywords = {"maximum": 10, "exclusiveMaximum": True} if draft == "draft-04" else {"dependentRequired": {"a": ["b"]}}
    schema = compile_schema({"$schema": schema_uri, **keywords})
    assert schema.draft == draft
    assert schema.is_valid(valid) and not schema.is_valid(invalid)


def test_an_unknown_dollar_schema_is_a_schema_error() -> None:
    with pytest.raises(SchemaError) as caught:
        compile_schema({"$schema": "https://example.com/my-draft"})
    assert caught.value.errors == [
        ("$schema", "$schema", "unknown draft 'https://example.com/my-draft': use draft-07 or 2020-12 (the default)")
    ]


# -- formats ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("draft", [DRAFT_7, DRAFT_2020])
def test_format_is_asserted_in_both_drafts(draft: str) -> None:
    schema = compile_schema({"$schema": draft, "type": "string", "format": "email"})
    assert schema.is_valid("a@example.com")
    with pytest.raises(ValidationError) as caught:
        schema.validate("not-an-email")
    assert caught.value.errors == [Violation("", "format", "must be a valid email")]


def test_an_unknown_format_is_refused_at_compile_time() -> None:
    with pytest.raises(SchemaError, match="emial"):
        compile_schema({"type": "string", "format": "emial"})


def test_custom_formats_are_checked() -> None:
    schema = compile_schema({"type": "string", "format": "sku"}, formats={"sku": lambda text: text.startswith("SKU-")})
    assert schema.is_valid("SKU-1") and not schema.is_valid("1")


@pytest.mark.parametrize("formats", [["sku"], {"sku": "not callable"}, {1: len}])
def test_bad_custom_formats_are_a_configuration_error(formats: Any) -> None:
    with pytest.raises(ConfigurationError, match="formats"):
        compile_schema({"format": "sku"}, formats=formats)


# -- invalid schemas ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ({"type": "strin"}, "type"),
        ({"properties": {"age": {"type": "integer", "minimum": "zero"}}}, "properties.age.minimum"),
        ({"type": "string", "pattern": "(["}, "pattern"),
        ({"required": "order_id"}, "required"),
    ],
)
def test_an_invalid_schema_is_a_schema_error_naming_where(schema: dict[str, Any], path: str) -> None:
    with pytest.raises(SchemaError) as caught:
        compile_schema(schema, name="orders schema")
    assert caught.value.errors[0].path == path
    assert str(caught.value).startswith("invalid orders schema: ")
    assert isinstance(caught.value, ConfigurationError) and isinstance(caught.value, ValidationError)


@pytest.mark.parametrize("schema", [["not", "a", "schema"], "{}", 3, {"enum": [{1, 2}]}])
def test_a_schema_that_is_not_a_json_object_is_a_schema_error(schema: Any) -> None:
    with pytest.raises(SchemaError):
        compile_schema(schema)


def test_a_reference_to_a_missing_definition_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="does not exist"):
        compile_schema({"properties": {"a": {"$ref": "#/$defs/missing"}}})


def test_a_boolean_schema_is_a_schema() -> None:
    assert compile_schema(True).is_valid({"anything": 1})
    assert not compile_schema(False).is_valid(None)


# -- remote references: refused, never fetched ---------------------------------------------------------


class _SchemaServer(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = b'{"type": "string"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def schema_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 that would serve a schema (and counts requests)."""
    requests: list[str] = []
    handler = type("Handler", (_SchemaServer,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_server_really_serves(schema_server: tuple[str, list[str]]) -> None:
    # the control for the test below: the URL can be fetched
    import urllib.request

    url, requests = schema_server
    with urllib.request.urlopen(f"{url}/address.json") as answer:
        assert answer.status == 200
    assert requests == ["/address.json"]


@pytest.mark.parametrize(
    "schema",
    [
        lambda url: {"$ref": f"{url}/address.json"},
        lambda url: {"properties": {"address": {"$ref": f"{url}/address.json#/properties/street"}}},
        lambda url: {"$id": f"{url}/order.json", "properties": {"address": {"$ref": "address.json"}}},
    ],
)
def test_a_remote_reference_is_refused_without_any_request(schema: Any, schema_server: tuple[str, list[str]]) -> None:
    url, requests = schema_server
    with pytest.raises(SchemaError) as caught:
        validate(inbound=schema(url))
    assert caught.value.errors[0].rule == "$ref"
    assert "is refused: schemas are never fetched at run time" in str(caught.value)
    assert f"{url}/address.json" in str(caught.value)
    assert requests == []


def test_a_file_reference_is_refused_too(tmp_path: Any) -> None:
    (tmp_path / "address.json").write_text('{"type": "string"}')
    with pytest.raises(SchemaError, match="is refused"):
        compile_schema({"$ref": (tmp_path / "address.json").as_uri()})


def test_a_reference_to_the_drafts_own_meta_schema_needs_no_network() -> None:
    schema = compile_schema({"$schema": DRAFT_2020, "$ref": DRAFT_2020})
    assert schema.is_valid({"type": "object"}) and not schema.is_valid({"type": "nope"})


# -- messages: the rule and what it expected, never the value -------------------------------------------


@pytest.mark.parametrize(
    ("schema", "data", "expected"),
    [
        ({"type": ["string", "null"]}, 1, ("", "type", "expected null or string")),
        ({"minLength": 3}, "ab", ("", "minLength", "must be at least 3 characters long")),
        ({"maximum": 10}, 11, ("", "maximum", "must be <= 10")),
        ({"exclusiveMinimum": 0}, 0, ("", "exclusiveMinimum", "must be > 0")),
        ({"minItems": 2}, [1], ("", "minItems", "must have at least 2 items")),
        ({"maxProperties": 1}, {"a": 1, "b": 2}, ("", "maxProperties", "must have at most 1 properties")),
        ({"enum": ["small", "large"]}, "huge", ("", "enum", 'must be one of ["small", "large"]')),
        ({"const": "v1"}, "v2", ("", "const", 'must be "v1"')),
        ({"pattern": "^o-[0-9]+$"}, "x", ("", "pattern", 'must match the pattern "^o-[0-9]+$"')),
        ({"multipleOf": 5}, 7, ("", "multipleOf", "must be a multiple of 5")),
        ({"uniqueItems": True}, [1, 1], ("", "uniqueItems", "items must be unique")),
        ({"contains": {"type": "string"}}, [1], ("", "contains", "has no item matching contains")),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 1.5, ("", "anyOf", "matches none of the anyOf schemas")),
        ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, 1.5, ("", "oneOf", "matches none of the oneOf schemas")),
        (
            {"oneOf": [{"type": "number"}, {"type": "integer"}]},
            1,
            ("", "oneOf", "matches more than one of the oneOf schemas"),
        ),
        ({"not": {"type": "integer"}}, 1, ("", "not", "matches the schema under not")),
        ({"properties": {"a": False}}, {"a": 1}, ("a", "falseSchema", "no value is allowed here")),
        (
            {"propertyNames": {"maxLength": 3}},
            {"abcd": 1},
            ("", "propertyNames", "has a property name that does not match propertyNames"),
        ),
        (
            {"prefixItems": [{}], "unevaluatedItems": False},
            [1, 2, 3],
            ("", "unevaluatedItems", "has 2 unexpected items"),
        ),
        (
            {"$schema": DRAFT_7, "items": [{}], "additionalItems": False},
            [1, 2],
            ("", "additionalItems", "must have at most 1 items"),
        ),
    ],
)
def test_each_rule_has_a_message_without_the_value(
    schema: dict[str, Any], data: Any, expected: tuple[str, str, str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        compile_schema(schema).validate(data)
    assert caught.value.errors == [Violation(*expected)]


def test_a_secret_in_a_rejected_field_never_reaches_the_error(order_schema: dict[str, Any]) -> None:
    from .conftest import SECRET

    schema = {
        "type": "object",
        "properties": {
            "password": {"type": "string", "maxLength": 8, "pattern": "^[a-z]+$", "format": "email"},
            "pin": {"type": "integer"},
            "role": {"enum": ["admin", "user"]},
            "nested": {"type": "object", "properties": {"token": {"const": "expected"}}},
            "items": {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
            "any": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "never": {"not": {"type": "string"}},
            "tuple": {"prefixItems": [{"type": "integer"}], "unevaluatedItems": False},
        },
        "additionalProperties": {"type": "integer"},
    }
    data = {
        "password": SECRET,
        "pin": SECRET,
        "role": SECRET,
        "nested": {"token": SECRET},
        "items": [SECRET, SECRET],
        "any": SECRET,
        "never": SECRET,
        "tuple": [1, SECRET, {"key": SECRET}],
        "other": SECRET,
    }
    with pytest.raises(ValidationError) as caught:
        validate(data, schema)
    error = caught.value
    assert len(error.errors) >= 10
    for text in (str(error), repr(error), repr(error.errors), *(str(arg) for arg in error.args)):
        assert SECRET not in text


def test_the_number_of_violations_is_bounded() -> None:
    schema = compile_schema({"type": "array", "items": {"type": "integer"}})
    with pytest.raises(ValidationError) as caught:
        schema.validate(["x"] * 10_000)
    assert len(caught.value.errors) == MAX_ERRORS
    assert caught.value.errors[-1].path == str(MAX_ERRORS - 1)
    assert "(+40 more)" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": object()}, "not JSON data (Unsupported type: 'object')"),
        ({"name": {1: "a"}}, "not JSON data (Dict key must be str"),
    ],
)
def test_data_json_cannot_represent_is_a_violation(data: Any, message: str) -> None:
    schema = compile_schema({"properties": {"name": {"type": "object", "properties": {"a": {"type": "string"}}}}})
    with pytest.raises(ValidationError) as caught:
        schema.validate(data)
    assert caught.value.errors[0].rule == "json"
    assert caught.value.errors[0].message.startswith(message)
    assert not schema.is_valid(data)


def test_data_as_deep_as_json_text_can_be_is_validated() -> None:
    # Python's json (the Lambda runtime's, the envelopes') parses at most about 990 levels (the recursion limit)
    depth = 900
    schema = compile_schema({"type": "array", "items": {"$ref": "#"}})
    assert schema.is_valid(json.loads("[" * depth + "]" * depth))
    with pytest.raises(ValidationError) as caught:
        schema.validate(json.loads("[" * depth + "1" + "]" * depth))
    assert caught.value.errors == [Violation(".".join(["0"] * depth), "type", "expected array")]


def test_data_the_validator_gives_up_on_is_a_violation() -> None:
    deep = json.loads("[" * 500 + "]" * 500)
    schema = compile_schema({"type": "array", "items": {"type": "array", "items": {"type": "string"}}})
    with pytest.raises(ValidationError) as caught:
        schema.validate(deep)
    assert caught.value.errors == [Violation("", "json", "not JSON data (nested too deeply)")]


def test_data_refused_once_is_never_let_through() -> None:
    # a custom format that answers differently on the second look (a check with state):
    # the first answer stands, even when the pass that lists the failures finds none
    answers = iter([False, True])
    schema = compile_schema({"type": "string", "format": "flaky"}, formats={"flaky": lambda text: next(answers)})
    with pytest.raises(ValidationError) as caught:
        schema.validate("x")
    assert caught.value.errors == [Violation("", "schema", "does not match the schema")]
