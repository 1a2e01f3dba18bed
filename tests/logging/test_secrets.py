"""Secrets never reach a line in clear: masked secret values wherever they are logged,
list and bytes values in exception messages, pydantic's ``input_value``, raw query strings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_toolkit.logging import Logger
from lambda_toolkit.parameters import MaskedBytes, MaskedStr
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import api_gateway_http_event
from tests.logging.conftest import Capture

SECRET = "pa55-w0rd-xyz"


@pytest.fixture
def secret() -> MaskedStr:
    return MaskedStr(SECRET)


def _clean(out: Capture) -> str:
    text = out.getvalue()
    assert text, "something was written"
    out.lines()  # every line is still JSON
    return text


def test_a_masked_secret_as_a_field_is_masked(out: Capture, secret: MaskedStr) -> None:
    Logger(service="sec", stream=out).info("connecting", dsn_part=secret)
    assert out.last()["dsn_part"] == "[REDACTED]"
    assert SECRET not in _clean(out)


def test_a_masked_secret_nested_or_in_a_list_is_masked(out: Capture, secret: MaskedStr) -> None:
    log = Logger(service="sec", stream=out)
    log.info("config", config={"db": {"value": secret}}, values=["a", secret], pair=(secret, 1))
    line = out.last()
    assert line["config"] == {"db": {"value": "[REDACTED]"}}
    assert line["values"] == ["a", "[REDACTED]"]
    assert line["pair"] == ["[REDACTED]", 1]
    assert SECRET not in _clean(out)


def test_masked_bytes_are_masked(out: Capture) -> None:
    Logger(service="sec", stream=out).info("key", material=MaskedBytes(SECRET.encode()))
    assert out.last()["material"] == "[REDACTED]"
    assert SECRET not in _clean(out)


def test_a_masked_secret_as_an_appended_or_scoped_key_is_masked(out: Capture, secret: MaskedStr) -> None:
    log = Logger(service="sec", stream=out)
    log.append_keys(upstream=secret)
    with log.scoped_keys(other=secret):
        log.info("x", extra={"more": secret})
    line = out.last()
    assert (line["upstream"], line["other"], line["more"]) == ("[REDACTED]", "[REDACTED]", "[REDACTED]")
    assert SECRET not in _clean(out)
    assert SECRET not in str(log.current_keys())


def test_a_masked_secret_as_a_dict_key_is_masked(out: Capture, secret: MaskedStr) -> None:
    Logger(service="sec", stream=out).info("x", lookup={secret: 1})
    assert SECRET not in _clean(out)


def test_a_masked_secret_as_the_message_or_its_arguments_is_masked(out: Capture, secret: MaskedStr) -> None:
    log = Logger(service="sec", stream=out)
    log.info(secret)
    log.info("using %s for %s", secret, "db")
    log.info("using %(password)s", {"password": secret})
    log.info({"nested": secret})
    messages = [line["message"] for line in out.lines()]
    assert messages == ["[REDACTED]", "using [REDACTED] for db", "using [REDACTED]", {"nested": "[REDACTED]"}]
    assert SECRET not in _clean(out)


def test_a_masked_secret_in_an_exception_message_is_masked(out: Capture, secret: MaskedStr) -> None:
    Logger(service="sec", stream=out).error("failed", exc_info=ValueError(secret))
    assert out.last()["exception"]["message"] == "[REDACTED]"
    assert SECRET not in _clean(out)


def test_a_masked_secret_set_as_the_correlation_id_is_masked(out: Capture, secret: MaskedStr) -> None:
    log = Logger(service="sec", stream=out)

    @log.inject_context(correlation_id=lambda event: secret)
    def handler(event: Any, context: Any) -> None:
        log.info("x")

    handler({}, FakeContext())
    assert out.last()["correlation_id"] == "[REDACTED]"
    assert SECRET not in _clean(out)


@pytest.fixture
def stdlib_logger() -> Iterator[logging.Logger]:
    target = logging.getLogger("tests.logging.secrets")
    saved = list(target.handlers), target.propagate, target.level
    yield target
    target.handlers[:], target.propagate = saved[0], saved[1]
    target.setLevel(saved[2])


def test_a_masked_secret_in_a_captured_stdlib_record_is_masked(
    out: Capture, secret: MaskedStr, stdlib_logger: logging.Logger
) -> None:
    log = Logger(service="sec", stream=out)
    log.capture_stdlib("tests.logging.secrets", level="INFO")
    stdlib_logger.info("connecting with %s", secret, extra={"dsn_part": secret})
    stdlib_logger.info("connecting with %(pw)s", {"pw": secret})
    lines = out.lines()
    assert [line["message"] for line in lines] == ["connecting with [REDACTED]", "connecting with [REDACTED]"]
    assert lines[0]["dsn_part"] == "[REDACTED]"
    assert SECRET not in _clean(out)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "request {'Authorization': ['Bearer x'], 'n': 1}",
            "request {'Authorization': [REDACTED], 'n': 1}",
        ),
        ("headers {'Cookie': ('a=1', 'b=2')} sent", "headers {'Cookie': [REDACTED]} sent"),
        ("creds {'token': {'value': 'abc'}}", "creds {'token': [REDACTED]}"),
        ("raw {'password': b'hunter2'} rejected", "raw {'password': [REDACTED]} rejected"),
        ("cut off {'secret': ['abc", "cut off {'secret': [REDACTED]"),
    ],
)
def test_exception_messages_mask_list_tuple_dict_and_bytes_values(out: Capture, message: str, expected: str) -> None:
    Logger(service="sec", stream=out).error("x", exc_info=RuntimeError(message))
    assert out.last()["exception"]["message"] == expected


def test_a_pydantic_validation_error_escaping_the_handler_has_no_input_values(out: Capture) -> None:
    from pydantic import BaseModel

    class Card(BaseModel):
        number: int
        holder: str

    log = Logger(service="sec", stream=out)

    @log.inject_context
    def handler(event: Any, context: Any) -> None:
        Card.model_validate(event)

    with pytest.raises(Exception, match="validation error"):
        handler({"number": "4111-1111-1111-1111", "holder": ["jane@example.com"]}, FakeContext())
    line = out.last()
    assert line["message"] == "handler raised ValidationError"
    message = line["exception"]["message"]
    assert "2 validation errors for Card" in message
    assert "number" in message and "holder" in message
    assert "4111" not in _clean(out) and "jane@example.com" not in out.getvalue()
    assert "input_value" not in out.getvalue()


def test_a_pydantic_validation_error_as_a_cause_has_no_input_values(out: Capture) -> None:
    from pydantic import BaseModel, ValidationError

    class Card(BaseModel):
        number: int

    log = Logger(service="sec", stream=out)
    payload = {"number": "4111-1111-1111-1111"}  # (the stack's code lines show this line, not the call's)
    try:
        try:
            Card.model_validate(payload)
        except ValidationError as exc:
            raise RuntimeError("could not read the card") from exc
    except RuntimeError:
        log.exception("failed")
    cause = out.last()["exception"]["cause"]
    assert cause["type"] == "pydantic_core._pydantic_core.ValidationError"
    assert "number" in cause["message"]
    assert "4111" not in _clean(out)


def test_log_event_masks_secret_query_parameters_in_the_raw_query_string(out: Capture) -> None:
    log = Logger(service="sec", stream=out)

    @log.inject_context(log_event=True)
    def handler(event: Any, context: Any) -> None:
        return None

    event = api_gateway_http_event("GET", "/orders", query={"access_token": "tok-123", "page": "2"})
    assert "access_token=tok-123" in event["rawQueryString"]
    handler(event, FakeContext())
    logged = out.lines()[0]["event"]
    assert logged["queryStringParameters"]["access_token"] == "[REDACTED]"
    assert "page=2" in logged["rawQueryString"]
    assert "tok-123" not in _clean(out)


def test_log_event_masks_secret_pairs_inside_text_values(out: Capture) -> None:
    log = Logger(service="sec", stream=out)

    @log.inject_context(log_event=True)
    def handler(event: Any, context: Any) -> None:
        return None

    handler({"body": '{"password": "hunter2", "order_id": "o-1"}', "raw_path": "/p?api_key=k-9&x=1"}, FakeContext())
    logged = out.lines()[0]["event"]
    assert logged["body"] == '{"password": [REDACTED], "order_id": "o-1"}'
    assert logged["raw_path"] == "/p?api_key=[REDACTED]&x=1"
