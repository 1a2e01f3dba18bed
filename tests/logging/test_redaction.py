"""Masking secrets: key names at any depth, JSON paths, logged events, exception messages."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from lambda_toolkit.logging import Logger
from lambda_toolkit.logging._redaction import Redactor
from lambda_toolkit.testing import FakeContext
from tests.logging.conftest import Capture


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "Password",
        "db_password",
        "client_secret",
        "X-Api-Key",
        "apiKey",
        "Authorization",
        "set-cookie",
        "session_token",
        "AWS_SECRET_ACCESS_KEY",
        "private_key",
        "credentials",
    ],
)
def test_secret_key_names_are_masked(out: Capture, key: str) -> None:
    Logger(service="red", stream=out).info("x", extra={key: "s3cr3t"})
    assert out.last()[key] == "[REDACTED]"
    assert "s3cr3t" not in out.getvalue()


def test_secrets_are_masked_at_any_depth(out: Capture) -> None:
    log = Logger(service="red", stream=out)
    log.info(
        "x",
        request={"headers": {"Authorization": "Bearer abc"}, "items": [{"card": {"cvv": 1, "token": "t"}}]},
        nested=({"deep": [[{"password": "p"}]]},),
    )
    line = out.last()
    assert line["request"]["headers"]["Authorization"] == "[REDACTED]"
    assert line["request"]["items"][0]["card"] == {"cvv": 1, "token": "[REDACTED]"}
    assert line["nested"] == [{"deep": [[{"password": "[REDACTED]"}]]}]


def test_a_whole_structure_under_a_secret_key_is_masked(out: Capture) -> None:
    Logger(service="red", stream=out).info("x", credentials={"user": "u", "pass": "p"})
    assert out.last()["credentials"] == "[REDACTED]"


def test_the_key_names_are_configurable(out: Capture) -> None:
    log = Logger(service="red", stream=out, redact_keys=["iban"])
    log.info("x", iban="DE00", password="kept: not in the list")
    assert out.last()["iban"] == "[REDACTED]"
    assert out.last()["password"] == "kept: not in the list"


def test_redaction_can_be_turned_off(out: Capture) -> None:
    log = Logger(service="red", stream=out, redact=False, redact_paths=["a.b"])
    log.info("x", password="visible", a={"b": "visible"})
    assert out.last()["password"] == "visible"
    assert out.last()["a"] == {"b": "visible"}


def test_json_paths_mask_exact_places(out: Capture) -> None:
    log = Logger(
        service="red",
        stream=out,
        redact_paths=["$.order.card.number", "order.items[*].sku", "event.body", "customer.emails[0]", "ssn"],
    )
    log.info(
        "x",
        order={"card": {"number": "4111", "brand": "visa"}, "items": [{"sku": "a", "qty": 1}, {"sku": "b"}]},
        customer={"emails": ["first@example.com", "second@example.com"]},
        ssn="123",
    )
    line = out.last()
    assert line["order"]["card"] == {"number": "[REDACTED]", "brand": "visa"}
    assert line["order"]["items"] == [{"sku": "[REDACTED]", "qty": 1}, {"sku": "[REDACTED]"}]
    assert line["customer"]["emails"] == ["[REDACTED]", "second@example.com"]
    assert line["ssn"] == "[REDACTED]"


def test_paths_reach_into_a_logged_event(out: Capture) -> None:
    log = Logger(service="red", stream=out, redact_paths=["event.body", "event.detail.*.iban"])

    @log.inject_context(log_event=True)
    def handler(event: Any, context: Any) -> None:
        return None

    handler({"body": "raw", "detail": {"a": {"iban": "DE1"}, "b": {"iban": "DE2", "x": 1}}}, FakeContext())
    event = out.last()["event"]
    assert event["body"] == "[REDACTED]"
    assert event["detail"] == {"a": {"iban": "[REDACTED]"}, "b": {"iban": "[REDACTED]", "x": 1}}


def test_empty_paths_are_ignored() -> None:
    assert Redactor(paths=["", "$"]).paths is None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("login failed password=hunter2 for bob", "login failed password=[REDACTED] for bob"),
        ('body {"api_key": "abc123", "n": 1}', 'body {"api_key": [REDACTED], "n": 1}'),
        ("Authorization: Bearer eyJhbGciOi.x.y sent", "Authorization: [REDACTED] sent"),
        ("X-Api-Key='k1' rejected", "X-Api-Key=[REDACTED] rejected"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_exception_messages_are_masked(out: Capture, message: str, expected: str) -> None:
    Logger(service="red", stream=out).error("x", exc_info=RuntimeError(message))
    assert out.last()["exception"]["message"] == expected


def test_without_names_text_is_left_alone() -> None:
    assert Redactor(keys=[]).mask_text("password=x") == "password=x"


def test_models_and_dataclasses_are_masked_too(out: Capture) -> None:
    @dataclasses.dataclass
    class Login:
        user: str
        password: str

    class Model:
        def model_dump(self, mode: str) -> dict[str, Any]:
            assert mode == "json"
            return {"token": "t", "user": "u"}

    Logger(service="red", stream=out).info("x", login=Login("bob", "pw"), model=Model())
    assert out.last()["login"] == {"user": "bob", "password": "[REDACTED]"}
    assert out.last()["model"] == {"token": "[REDACTED]", "user": "u"}


def test_the_verdict_cache_is_bounded() -> None:
    from lambda_toolkit.logging import _redaction

    redactor = Redactor()
    for n in range(_redaction._VERDICT_CACHE + 10):
        redactor.is_secret(f"key{n}")
    assert len(redactor._verdicts) == _redaction._VERDICT_CACHE
    assert redactor.is_secret("key_with_token_inside") is True
