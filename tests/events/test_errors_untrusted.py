"""Untrusted payloads that break Python's own decoders fail with EventValidationError.

Deeply nested JSON (RecursionError inside ``json``), numbers past Python's 4,300-digit
limit (a bare ValueError), lone surrogates (UnicodeEncodeError), DynamoDB values nested
deeper than DynamoDB allows, and gzip bombs: each is reported as a typed error naming the
field, never the payload, and the gzip bomb is refused without being inflated.
"""

from __future__ import annotations

import base64
import gzip
import tracemalloc
from typing import Any

import pytest

from lambda_toolkit.events import EventValidationError, decoding, envelopes, parse
from lambda_toolkit.events.decoding import DYNAMODB_MAX_DEPTH, dynamodb_item, gunzip, json_loads
from lambda_toolkit.testing.events import cloudwatch_logs_event, dynamodb_stream_event, make_event, sqs_event

MARKER = "ZZ-PAYLOAD-MARKER-ZZ"
DEEP_JSON = '{"m": "' + MARKER + '", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
HUGE_NUMBER_JSON = '{"m": "' + MARKER + '", "n": ' + "7" * 5_000 + "}"
LONE_SURROGATE = MARKER + "\ud800"
HTTP_TRIGGERS = (
    "api-gateway-rest",
    "api-gateway-http",
    "api-gateway-websocket",
    "alb",
    "function-url",
    "vpc-lattice",
    "vpc-lattice-v2",
)


def _single_error(error: EventValidationError) -> tuple[str, str]:
    assert MARKER not in str(error) and MARKER not in repr(error.errors)
    assert len(error.errors) == 1
    return error.errors[0]


def _http_model(trigger: str, body: str, *, encoded: bool = False) -> Any:
    event = make_event(trigger)
    event["is_base64_encoded" if trigger == "vpc-lattice" else "isBase64Encoded"] = encoded
    event["body"] = base64.b64encode(body.encode("utf-8")).decode() if encoded else body
    return parse(event, trigger)


# -- JSON nested too deeply ------------------------------------------------------------------


@pytest.mark.parametrize("trigger", HTTP_TRIGGERS)
@pytest.mark.parametrize("encoded", [False, True])
def test_deeply_nested_http_body_is_a_typed_error(trigger: str, encoded: bool) -> None:
    model = _http_model(trigger, DEEP_JSON, encoded=encoded)
    with pytest.raises(EventValidationError) as caught:
        model.json_body()
    path, message = _single_error(caught.value)
    assert path == "body" and "nested too deeply" in message


def test_json_loads_reports_nesting_with_the_path() -> None:
    with pytest.raises(EventValidationError) as caught:
        json_loads(DEEP_JSON, "Records.4.body", source="sqs")
    assert _single_error(caught.value) == ("Records.4.body", "not valid JSON (nested too deeply)")


# -- numbers past Python's integer-string limit ---------------------------------------------


def test_json_loads_rejects_a_number_over_the_digit_limit() -> None:
    with pytest.raises(EventValidationError) as caught:
        json_loads(HUGE_NUMBER_JSON, "Records.0.body", source="sqs")
    path, message = _single_error(caught.value)
    assert path == "Records.0.body" and "number" in message


def test_sqs_json_body_with_a_huge_number_is_a_typed_error() -> None:
    record = parse(sqs_event([HUGE_NUMBER_JSON])).records[0]  # type: ignore[attr-defined]
    with pytest.raises(EventValidationError) as caught:
        record.json_body()
    assert _single_error(caught.value)[0] == "body"


def test_sns_in_sqs_envelope_with_a_huge_number_names_the_record() -> None:
    with pytest.raises(EventValidationError) as caught:
        envelopes.SNS_IN_SQS.parse(sqs_event([HUGE_NUMBER_JSON]), dict)
    assert _single_error(caught.value)[0] == "Records.0.body"


@pytest.mark.parametrize("trigger", HTTP_TRIGGERS)
def test_http_json_body_with_a_huge_number_is_a_typed_error(trigger: str) -> None:
    with pytest.raises(EventValidationError) as caught:
        _http_model(trigger, HUGE_NUMBER_JSON).json_body()
    assert _single_error(caught.value)[0] == "body"


# -- lone surrogates ---------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", HTTP_TRIGGERS)
def test_decoded_body_with_a_lone_surrogate_is_a_typed_error(trigger: str) -> None:
    model = _http_model(trigger, LONE_SURROGATE)
    assert model.text_body() == LONE_SURROGATE  # the text itself is still there to read
    with pytest.raises(EventValidationError) as caught:
        model.decoded_body()
    assert _single_error(caught.value) == ("body", "not valid UTF-8 text (lone surrogate)")


def test_bytes_envelope_with_a_lone_surrogate_is_a_typed_error() -> None:
    event = make_event("api-gateway-rest")
    event["body"] = LONE_SURROGATE
    with pytest.raises(EventValidationError) as caught:
        envelopes.HTTP.parse(event, bytes)
    assert _single_error(caught.value) == ("body", "not valid UTF-8 text (lone surrogate)")


def test_records_bytes_envelope_names_the_record_with_a_lone_surrogate() -> None:
    event = sqs_event(["fine", "replaced"])
    event["Records"][1]["body"] = LONE_SURROGATE  # as the runtime's JSON parser hands it over
    with pytest.raises(EventValidationError) as caught:
        envelopes.SQS.parse(event, bytes)
    assert _single_error(caught.value)[0] == "Records.1.body"


# -- DynamoDB attribute values nested past DynamoDB's limit ------------------------------------


def _nested_map(levels: int) -> dict[str, Any]:
    """An attribute value of ``levels`` nested containers (alternating M and L) around a string."""
    value: dict[str, Any] = {"S": MARKER}
    for level in range(levels):
        value = {"M": {"a": value}} if level % 2 else {"L": [value]}
    return value


def test_dynamodb_accepts_the_documented_32_levels() -> None:
    assert DYNAMODB_MAX_DEPTH == 32
    item = dynamodb_item({"top": _nested_map(DYNAMODB_MAX_DEPTH)})
    inner: Any = item["top"]
    for _ in range(DYNAMODB_MAX_DEPTH):
        inner = inner["a"] if isinstance(inner, dict) else inner[0]
    assert inner == MARKER


@pytest.mark.parametrize("levels", [DYNAMODB_MAX_DEPTH + 1, 600, 5_000])
def test_dynamodb_rejects_nesting_past_the_limit(levels: int) -> None:
    with pytest.raises(EventValidationError) as caught:
        dynamodb_item({"top": _nested_map(levels)}, "Records.0.dynamodb.NewImage")
    path, message = _single_error(caught.value)
    assert path.startswith("Records.0.dynamodb.NewImage.top.")
    assert message == f"nested deeper than DynamoDB's {DYNAMODB_MAX_DEPTH} levels"


def test_dynamodb_stream_record_and_envelope_reject_deep_images() -> None:
    event = dynamodb_stream_event([{"new": {"id": "1"}}])
    event["Records"][0]["dynamodb"]["NewImage"] = {"top": _nested_map(600)}
    record = parse(event).records[0]  # type: ignore[attr-defined]
    with pytest.raises(EventValidationError):
        record.new_item
    with pytest.raises(EventValidationError) as caught:
        envelopes.DYNAMODB_NEW_IMAGE.parse(event, dict)
    assert _single_error(caught.value)[0].startswith("Records.0.dynamodb.NewImage.top")


# -- gzip bombs --------------------------------------------------------------------------------

BOMB_SIZE = 64 * 1024 * 1024
BOMB = gzip.compress(b"\0" * BOMB_SIZE, compresslevel=9)


def test_gunzip_default_cap_is_16_mib() -> None:
    assert decoding.GUNZIP_MAX_BYTES == 16 * 1024 * 1024
    with pytest.raises(EventValidationError) as caught:
        gunzip(BOMB, "awslogs.data", source="cloudwatch-logs")
    assert _single_error(caught.value) == ("awslogs.data", "gzip data inflates past 16777216 bytes")


def test_gunzip_stops_at_the_cap_without_inflating_everything() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(EventValidationError):
            gunzip(BOMB, "data", max_size=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # the bomb is 64 MiB inflated; the cap is 1 MiB


def test_gunzip_accepts_exactly_the_cap_and_several_members() -> None:
    assert gunzip(gzip.compress(b"x" * 1000), max_size=1000) == b"x" * 1000
    with pytest.raises(EventValidationError):
        gunzip(gzip.compress(b"x" * 1001), max_size=1000)
    assert gunzip(gzip.compress(b"ab") + gzip.compress(b"cd") + b"\0\0") == b"abcd"
    with pytest.raises(EventValidationError):
        gunzip(gzip.compress(b"x" * 600) + gzip.compress(b"y" * 600), max_size=1000)
    with pytest.raises(EventValidationError):
        gunzip(gzip.compress(b"ab") + b"trailing garbage")


def test_gunzip_inflates_in_steps_and_notices_truncation() -> None:
    text = b"".join(b"line %d of the log\n" % i for i in range(200_000))  # about 4 MB
    packed = gzip.compress(text)
    assert gunzip(packed) == text
    with pytest.raises(EventValidationError) as caught:
        gunzip(packed[: len(packed) // 2], "awslogs.data")
    assert _single_error(caught.value) == ("awslogs.data", "not valid gzip data")
    with pytest.raises(EventValidationError):
        gunzip(b"", "awslogs.data")


def test_gunzip_rejects_a_bad_checksum() -> None:
    packed = bytearray(gzip.compress(b"log lines"))
    packed[-8] ^= 0xFF  # CRC32 of the member
    with pytest.raises(EventValidationError) as caught:
        gunzip(bytes(packed), "awslogs.data")
    assert _single_error(caught.value) == ("awslogs.data", "not valid gzip data")


def _bomb_event() -> dict[str, Any]:
    event = cloudwatch_logs_event(["x"])
    event["awslogs"]["data"] = base64.b64encode(BOMB).decode()
    return event


def test_cloudwatch_logs_model_and_envelope_refuse_a_gzip_bomb() -> None:
    model = parse(_bomb_event())
    with pytest.raises(EventValidationError) as caught:
        model.decoded  # type: ignore[attr-defined]
    assert _single_error(caught.value)[0] == "awslogs.data"
    with pytest.raises(EventValidationError) as caught:
        envelopes.CLOUDWATCH_LOGS.parse(_bomb_event(), str)
    assert _single_error(caught.value)[0] == "awslogs.data"


def test_the_module_cap_applies_to_models_and_envelopes(monkeypatch: pytest.MonkeyPatch) -> None:
    event = cloudwatch_logs_event(["x" * 4096])
    assert envelopes.CLOUDWATCH_LOGS.parse(event, str)[0].payload == "x" * 4096
    monkeypatch.setattr(decoding, "GUNZIP_MAX_BYTES", 1024)
    with pytest.raises(EventValidationError, match="inflates past 1024 bytes"):
        envelopes.CLOUDWATCH_LOGS.parse(event, str)
    with pytest.raises(EventValidationError, match="inflates past 1024 bytes"):
        parse(event).decoded  # type: ignore[attr-defined]


def test_a_json_payload_inside_gzip_is_still_checked() -> None:
    event = cloudwatch_logs_event(["x"])
    event["awslogs"]["data"] = base64.b64encode(gzip.compress(DEEP_JSON.encode())).decode()
    with pytest.raises(EventValidationError) as caught:
        envelopes.CLOUDWATCH_LOGS.parse(event, str)
    assert _single_error(caught.value) == ("awslogs.data", "not valid JSON (nested too deeply)")


@pytest.mark.parametrize(
    ("field", "reader"), [("invokingEvent", "invoking_event_json"), ("ruleParameters", "rule_parameters_json")]
)
def test_config_rule_json_fields_nested_too_deeply_are_typed_errors(field: str, reader: str) -> None:
    event = make_event("config-rule")
    event[field] = DEEP_JSON
    model = parse(event, "config-rule")
    with pytest.raises(EventValidationError) as caught:
        getattr(model, reader)()
    assert _single_error(caught.value) == (field, "not valid JSON (nested too deeply)")
