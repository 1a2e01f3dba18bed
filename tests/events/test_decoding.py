"""decoding: base64, gzip, JSON, DynamoDB attribute values, S3 keys, signed bytes.

Every failure is an EventValidationError naming the path, never the value.
"""

from __future__ import annotations

import base64
import gzip
from decimal import Decimal
from typing import Any

import pytest

from lambda_toolkit.events import EventValidationError
from lambda_toolkit.events.decoding import (
    b64decode,
    dynamodb_item,
    dynamodb_value,
    gunzip,
    json_loads,
    s3_key,
    signed_bytes,
)
from lambda_toolkit.testing.events import dynamodb_attribute

SECRET = "SECRET-PAYLOAD"


def _only_error(exc: pytest.ExceptionInfo[EventValidationError]) -> tuple[str, str]:
    assert len(exc.value.errors) == 1
    assert SECRET not in str(exc.value)
    path, message = exc.value.errors[0]
    return path, message


def test_b64decode_returns_bytes() -> None:
    assert b64decode("SGVsbG8=") == b"Hello"
    assert b64decode(b"SGVsbG8=") == b"Hello"


@pytest.mark.parametrize("value", [f"{SECRET}!!", "SGVsbG8", "SGVs bG8="])
def test_b64decode_rejects_bad_base64_with_the_path(value: str) -> None:
    with pytest.raises(EventValidationError) as caught:
        b64decode(value, "Records.2.kinesis.data", source="kinesis-stream")
    assert _only_error(caught) == ("Records.2.kinesis.data", "not valid base64")
    assert caught.value.trigger == "kinesis-stream"


@pytest.mark.parametrize("value", [None, 12, ["x"]])
def test_b64decode_rejects_non_strings(value: Any) -> None:
    with pytest.raises(EventValidationError) as caught:
        b64decode(value, "data")
    assert _only_error(caught)[1].startswith("expected a base64 string, got ")


def test_gunzip_round_trips_and_rejects_what_is_not_gzip() -> None:
    assert gunzip(gzip.compress(b"log lines")) == b"log lines"
    with pytest.raises(EventValidationError) as caught:
        gunzip(SECRET.encode(), "awslogs.data")
    assert _only_error(caught) == ("awslogs.data", "not valid gzip data")
    with pytest.raises(EventValidationError):
        gunzip(gzip.compress(b"truncated")[:-6], "awslogs.data")


def test_json_loads_parses_text_and_bytes() -> None:
    assert json_loads('{"a": [1, 2]}') == {"a": [1, 2]}
    assert json_loads(b'"x"') == "x"


def test_json_loads_names_line_and_column_not_the_text() -> None:
    with pytest.raises(EventValidationError) as caught:
        json_loads('{"card": "' + SECRET + '", oops}', "Records.0.body", source="sqs")
    path, message = _only_error(caught)
    assert path == "Records.0.body"
    assert message == "not valid JSON (line 1, column 28)"


@pytest.mark.parametrize("value", [b"\xff\xfe\x00", 42, None])
def test_json_loads_rejects_undecodable_or_non_text(value: Any) -> None:
    with pytest.raises(EventValidationError):
        json_loads(value, "body")


def test_json_loads_rejects_absurd_nesting_cleanly() -> None:
    with pytest.raises(EventValidationError):
        json_loads("[" * 100_000, "body")


def test_s3_keys_are_url_decoded_with_plus_as_space() -> None:
    assert s3_key("my+photo%281%29.jpg") == "my photo(1).jpg"
    assert s3_key("a%2Bb") == "a+b"
    assert s3_key("plain/key.txt") == "plain/key.txt"


def test_signed_bytes_accepts_kafka_signed_values() -> None:
    assert signed_bytes([118, -36, 0, 127, -128]) == bytes([118, 220, 0, 127, 128])
    assert signed_bytes([255, 0]) == b"\xff\x00"


@pytest.mark.parametrize("value", [[300], [-129], ["a"], [1.5], "abc", None])
def test_signed_bytes_rejects_what_is_not_bytes(value: Any) -> None:
    with pytest.raises(EventValidationError) as caught:
        signed_bytes(value, "headers.0.h", source="kafka")
    assert _only_error(caught)[0] == "headers.0.h"


def test_dynamodb_values_become_python_values() -> None:
    item = {
        "s": {"S": "text"},
        "n": {"N": "1.50"},
        "i": {"N": "-7"},
        "b": {"B": base64.b64encode(b"\x00\x01").decode()},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": ["AA==", "AQ=="]},
        "l": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"deep": {"L": []}}}]},
        "m": {"M": {"k": {"S": "v"}}},
    }
    assert dynamodb_item(item) == {
        "s": "text",
        "n": Decimal("1.50"),
        "i": Decimal("-7"),
        "b": b"\x00\x01",
        "t": True,
        "z": None,
        "ss": {"a", "b"},
        "ns": {Decimal("1"), Decimal("2.5")},
        "bs": {b"\x00", b"\x01"},
        "l": ["x", Decimal("1"), {"deep": []}],
        "m": {"k": "v"},
    }


def test_numbers_keep_their_precision() -> None:
    assert dynamodb_value({"N": "0.1000000000000000000000000000001"}) == Decimal("0.1000000000000000000000000000001")


def test_the_factory_encoder_is_the_inverse_of_decoding() -> None:
    value = {"id": "1", "n": 3, "tags": {"a", "b"}, "nums": {1, 2}, "raw": b"x", "bins": {b"a"}, "list": [None, True]}
    assert dynamodb_value(dynamodb_attribute(value)) == {
        "id": "1",
        "n": Decimal(3),
        "tags": {"a", "b"},
        "nums": {Decimal(1), Decimal(2)},
        "raw": b"x",
        "bins": {b"a"},
        "list": [None, True],
    }
    with pytest.raises(TypeError, match="cannot store a object"):
        dynamodb_attribute(object())


@pytest.mark.parametrize(
    ("attribute", "path", "message"),
    [
        ({"N": SECRET}, "NewImage.price.N", "not a valid DynamoDB number"),
        ({"N": "NaN"}, "NewImage.price.N", "not a valid DynamoDB number"),
        ({"N": 5}, "NewImage.price.N", "a DynamoDB number must be a string, got int"),
        ({"S": 5}, "NewImage.price.S", "expected a string, got int"),
        ({"BOOL": "yes"}, "NewImage.price.BOOL", "expected a boolean, got str"),
        ({"B": SECRET + "!"}, "NewImage.price.B", "not valid base64"),
        ({"X": SECRET}, "NewImage.price", "unknown DynamoDB attribute type"),
        ({}, "NewImage.price", "a DynamoDB attribute value must be an object with exactly one type key"),
        (
            {"S": "a", "N": "1"},
            "NewImage.price",
            "a DynamoDB attribute value must be an object with exactly one type key",
        ),
        (SECRET, "NewImage.price", "a DynamoDB attribute value must be an object with exactly one type key"),
        ({"L": SECRET}, "NewImage.price.L", "a DynamoDB list must be a list, got str"),
        ({"L": [{"N": "x"}]}, "NewImage.price.L.0.N", "not a valid DynamoDB number"),
        ({"SS": [1]}, "NewImage.price.SS.0", "expected a string, got int"),
        ({"NS": "1"}, "NewImage.price.NS", "a DynamoDB set must be a list, got str"),
        ({"BS": ["!!"]}, "NewImage.price.BS.0", "not valid base64"),
        ({"M": [SECRET]}, "NewImage.price.M", "a DynamoDB item must be an object, got list"),
        ({"M": {"x": {"Q": 1}}}, "NewImage.price.M.x", "unknown DynamoDB attribute type"),
    ],
)
def test_malformed_attribute_values_name_their_path(attribute: Any, path: str, message: str) -> None:
    with pytest.raises(EventValidationError) as caught:
        dynamodb_item({"price": attribute}, "NewImage")
    assert _only_error(caught) == (path, message)
    assert caught.value.trigger == "dynamodb-stream"


def test_an_image_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(EventValidationError) as caught:
        dynamodb_item(["x"], "Records.0.dynamodb.NewImage")
    assert _only_error(caught)[0] == "Records.0.dynamodb.NewImage"


def test_paths_start_at_the_attribute_without_a_prefix() -> None:
    with pytest.raises(EventValidationError) as caught:
        dynamodb_item({"a": {"N": "x"}})
    assert caught.value.errors[0].path == "a.N"
    with pytest.raises(EventValidationError) as caught:
        dynamodb_value({"Q": 1})
    assert caught.value.errors[0].path == ""
    assert str(caught.value) == "invalid dynamodb-stream event: <root>: unknown DynamoDB attribute type"
