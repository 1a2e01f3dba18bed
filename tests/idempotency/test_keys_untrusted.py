"""Key expressions over untrusted event text: json_decode fails typed, never with a raw RecursionError.

Text that is not JSON finds nothing (the key is missing, handled by ``on_missing_key``). JSON
nested deeper than Python can parse, or with a number past Python's 4,300-digit limit, is valid
JSON the toolkit cannot read: treating it as a missing key could let the function run without
idempotency, so it is an ``IdempotencyKeyError`` naming the helper, never the text.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from lambda_toolkit.idempotency import IdempotencyKeyError, MemoryStore, idempotent
from lambda_toolkit.idempotency._keys import MISSING, compile_key
from lambda_toolkit.testing import FakeContext

MARKER = "ZZ-PAYLOAD-MARKER-ZZ"
DEEP = '{"m": "' + MARKER + '", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"


def test_json_decode_of_deeply_nested_json_is_a_key_error() -> None:
    extract = compile_key("json_decode(body).order_id")
    with pytest.raises(IdempotencyKeyError) as caught:
        extract({"body": DEEP})
    assert "json_decode" in str(caught.value) and "nested too deeply" in str(caught.value)
    assert MARKER not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_json_decode_of_base64_decoded_deep_json_is_a_key_error() -> None:
    extract = compile_key("json_decode(base64_decode(data)).id")
    with pytest.raises(IdempotencyKeyError):
        extract({"data": base64.b64encode(DEEP.encode()).decode()})


def test_json_decode_of_a_number_past_the_digit_limit_is_a_key_error() -> None:
    body = '{"m": "' + MARKER + '", "id": ' + "9" * 5_000 + "}"
    with pytest.raises(IdempotencyKeyError) as caught:
        compile_key("json_decode(body).id")({"body": body})
    assert "too many digits" in str(caught.value) and MARKER not in str(caught.value)


def test_json_decode_of_text_that_is_not_json_still_finds_nothing() -> None:
    assert compile_key("json_decode(body).id")({"body": "{" + MARKER}) is MISSING


def test_json_decode_keeps_working_after_a_deep_body() -> None:
    extract = compile_key("json_decode(body).id")
    with pytest.raises(IdempotencyKeyError):
        extract({"body": DEEP})
    assert extract({"body": '{"id": "k-1"}'}) == "k-1"


def test_a_handler_with_a_deep_body_fails_typed_and_does_not_run_even_when_missing_keys_are_allowed() -> None:
    runs: list[Any] = []

    @idempotent(store=MemoryStore(), key="json_decode(body).order_id", on_missing_key="warn")
    def handler(event: dict[str, Any], context: Any) -> str:
        runs.append(event)
        return "done"

    with pytest.raises(IdempotencyKeyError):
        handler({"body": DEEP}, FakeContext())
    assert runs == []
