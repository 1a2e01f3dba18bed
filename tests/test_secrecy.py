"""No secret in any output: one property pushed through everything the library writes.

A generated secret goes where secrets really travel: as a ``MaskedStr``/``MaskedBytes``
from the parameters utility (the way ``get_secret`` hands it out), and as the value of
the HTTP headers that carry credentials (``Authorization``, ``Cookie``). Then every
output the library has is searched for it: log lines (fields, nested values, list items,
appended keys, the message and its arguments, exceptions, the logged event, the library's
own lines), ``repr``/``str`` of parsed events, error messages, trace spans, EMF documents
and stored idempotency records. None may hold it.
"""

from __future__ import annotations

import io
import json
import logging
import string
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_toolkit.events import parse
from lambda_toolkit.idempotency import MemoryStore, idempotent
from lambda_toolkit.logging import Logger
from lambda_toolkit.metrics import Metrics
from lambda_toolkit.parameters._masked import MaskedBytes, MaskedStr
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import (
    alb_event,
    api_gateway_http_event,
    api_gateway_rest_event,
    function_url_event,
)
from lambda_toolkit.tracing import put_annotation, put_metadata, trace
from tests.tracing.conftest import _fresh_tracing, otel, span_exporter  # noqa: F401  (fixtures)

# A prefix no output writes by itself, so a hit is the secret and nothing else.
secrets = st.text(alphabet=string.ascii_letters + string.digits, min_size=8, max_size=32).map(lambda s: f"Zq9{s}")

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def credential_headers(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Cookie": f"session={secret}", "X-Api-Key": secret}


def http_events(secret: str) -> Iterator[dict[str, Any]]:
    headers = credential_headers(secret)
    yield api_gateway_rest_event("GET", "/orders", headers=headers)
    yield api_gateway_http_event("GET", "/orders", headers=headers)
    yield alb_event("GET", "/orders", headers=headers)
    yield function_url_event("GET", "/orders", headers=headers)


@SETTINGS
@given(secret=secrets)
def test_log_lines_never_hold_a_masked_secret(secret: str) -> None:
    stream = io.StringIO()
    log = Logger(service="secrecy", stream=stream, level="DEBUG")
    masked = MaskedStr(secret)

    @log.inject_context(log_event=True)
    def handler(event: dict[str, Any], context: Any) -> None:
        log.append_keys(db_password=masked)
        log.info(masked)
        log.info("connecting with %s", masked)
        log.info("connecting", password=masked, nested={"deep": {"token": masked}}, listed=[1, masked])
        log.info("raw", key=MaskedBytes(secret.encode()))
        try:
            raise ValueError(masked, {"Authorization": [f"Bearer {secret}"]})
        except ValueError:
            log.exception("login failed")
        logging.getLogger("lambda_toolkit.secrecy").warning("library line for %s", masked)

    for event in http_events(secret):
        handler(event, FakeContext())

    output = stream.getvalue()
    assert output  # the lines were written
    assert secret not in output


@SETTINGS
@given(secret=secrets)
def test_a_validation_error_escaping_the_handler_is_logged_without_the_input(secret: str) -> None:
    from pydantic import BaseModel

    class Card(BaseModel):
        number: int

    stream = io.StringIO()
    log = Logger(service="secrecy", stream=stream)

    @log.inject_context
    def handler(event: dict[str, Any], context: Any) -> None:
        Card.model_validate({"number": secret})

    with pytest.raises(Exception) as raised:
        handler({}, FakeContext())
    assert type(raised.value).__name__ == "ValidationError"
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["exception"]["message"].startswith("1 validation error for Card\nnumber: Input should be")
    assert secret not in stream.getvalue()


@SETTINGS
@given(secret=secrets)
def test_json_schema_failures_never_repeat_the_rejected_values(secret: str) -> None:
    from lambda_toolkit.validation import validate

    schema = {
        "type": "object",
        "properties": {
            "password": {"type": "string", "maxLength": 4, "pattern": "^[0-9]+$"},
            "pin": {"type": "integer"},
            "role": {"enum": ["admin"]},
            "tuple": {"prefixItems": [{}], "unevaluatedItems": False},
        },
        "required": ["missing"],
    }
    stream = io.StringIO()
    log = Logger(service="secrecy", stream=stream)

    @log.inject_context
    @validate(inbound=schema, envelope="http", http_errors=422)
    def answered(order: Any, context: Any) -> dict[str, Any]:
        raise AssertionError("never runs")

    @log.inject_context
    @validate(inbound=schema, envelope="http")
    def raised(order: Any, context: Any) -> None:
        raise AssertionError("never runs")

    body = {"password": secret, "pin": secret, "role": secret, "tuple": [1, secret]}
    for event in http_events(secret):
        event["body"] = json.dumps(body)
        event.pop("isBase64Encoded", None)
        answer = answered(event, FakeContext())
        assert answer["statusCode"] == 422 and secret not in json.dumps(answer)
        with pytest.raises(Exception) as caught:
            raised(event, FakeContext())
        assert secret not in str(caught.value) and secret not in repr(caught.value.args)
    assert "ValidationError" in stream.getvalue()  # the escaping errors were logged
    assert secret not in stream.getvalue()


@SETTINGS
@given(secret=secrets)
def test_parsed_http_events_never_show_credentials_in_repr_or_str(secret: str) -> None:
    for event in http_events(secret):
        model = parse(event)
        assert secret not in repr(model)
        assert secret not in str(model)


@SETTINGS
@given(secret=secrets)
def test_errors_about_bad_events_never_quote_the_payload(secret: str) -> None:
    from lambda_toolkit.core import LambdaToolkitError

    for event in http_events(secret):
        broken = dict(event)
        broken["requestContext"] = secret  # the wrong type, holding the secret
        with pytest.raises(LambdaToolkitError) as raised:
            parse(broken, trigger="api-gateway-rest")
        assert secret not in str(raised.value)
        assert secret not in repr(raised.value)


@SETTINGS
@given(secret=secrets)
def test_metrics_documents_never_hold_a_masked_secret(secret: str) -> None:
    stream = io.StringIO()
    metrics = Metrics(namespace="Secrecy", service="secrecy", stream=stream)

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> None:
        metrics.add_metric("Logins", "Count", 1)
        metrics.add_metadata("password", MaskedStr(secret))
        metrics.add_metadata("client", {"keys": [MaskedBytes(secret.encode())]})

    handler({}, FakeContext())
    assert "Logins" in stream.getvalue()
    assert secret not in stream.getvalue()


@SETTINGS
@given(secret=secrets)
def test_trace_spans_never_hold_a_masked_secret(otel: Any, secret: str) -> None:  # noqa: F811
    otel.clear()

    @trace
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        put_annotation("password", MaskedStr(secret))
        put_metadata("credentials", {"password": MaskedStr(secret), "raw": [MaskedBytes(secret.encode())]})
        return {"token": MaskedStr(secret)}

    handler({}, FakeContext())
    spans = otel.get_finished_spans()
    assert spans
    assert secret not in json.dumps([dict(span.attributes) for span in spans], default=str)


@SETTINGS
@given(secret=secrets)
def test_stored_idempotency_records_never_hold_an_error_message(secret: str) -> None:
    store = MemoryStore()

    @idempotent(store=store, key="order_id", store_errors=(ValueError,))
    def handler(event: dict[str, Any], context: Any) -> None:
        raise ValueError(f"card {secret} declined")

    with pytest.raises(ValueError):
        handler({"order_id": "o-1"}, FakeContext())
    [record] = store.records.values()
    assert record.error  # the outcome was stored
    assert secret not in json.dumps(asdict(record), default=str)
    with pytest.raises(ValueError) as replayed:  # the replay raises the same type, not the message
        handler({"order_id": "o-1"}, FakeContext())
    assert secret not in str(replayed.value)
