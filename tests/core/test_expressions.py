"""The one JMESPath dialect: the same helpers and the same errors for every utility."""

from __future__ import annotations

import base64
import gzip
import io
import json
import subprocess
import sys
from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError, LambdaToolkitError
from lambda_toolkit.core.expressions import (
    HELPERS,
    MAX_INFLATED_BYTES,
    ExpressionError,
    compile_expression,
    search,
)
from lambda_toolkit.testing import FakeContext

MARKER = "ZZ-PAYLOAD-MARKER-ZZ"


def test_importing_the_module_does_not_import_jmespath() -> None:
    code = (
        "import sys; import lambda_toolkit.core.expressions as e; assert 'jmespath' not in sys.modules; "
        "e.compile_expression('a.b'); assert 'jmespath' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_helpers_decode_json_and_base64_and_lower_keys() -> None:
    body = json.dumps({"order": {"id": "o-1"}})
    assert search(compile_expression("json_decode(body).order.id"), {"body": body}) == "o-1"
    data = base64.b64encode(body.encode()).decode()
    assert search(compile_expression("json_decode(base64_decode(data)).order.id"), {"data": data}) == "o-1"
    headers = {"headers": {"X-Correlation-Id": "c-1"}}
    assert search(compile_expression('lower_keys(headers)."x-correlation-id"'), headers) == "c-1"
    assert set(HELPERS) == {"json_decode", "base64_decode", "base64_gzip_decode", "lower_keys"}


def _gzip64(data: bytes) -> str:
    return base64.b64encode(gzip.compress(data)).decode()


def test_base64_gzip_decode_reads_a_cloudwatch_logs_event() -> None:
    data = _gzip64(json.dumps({"logGroup": "/aws/lambda/orders", "logEvents": []}).encode())
    expression = compile_expression("json_decode(base64_gzip_decode(awslogs.data)).logGroup")
    assert search(expression, {"awslogs": {"data": data}}) == "/aws/lambda/orders"


@pytest.mark.parametrize(
    "data",
    [
        base64.b64encode(b"plain text").decode(),  # base64, not gzip
        "not base64 ***",
        base64.b64encode(gzip.compress(b"abc")[:-12]).decode(),  # truncated gzip
        _gzip64(b"\xff\xfe not utf-8"),
    ],
)
def test_base64_gzip_decode_of_anything_else_finds_nothing(data: str) -> None:
    assert search(compile_expression("base64_gzip_decode(data)"), {"data": data}) is None


def test_base64_gzip_decode_stops_at_its_bound() -> None:
    at_bound = _gzip64(b"0" * MAX_INFLATED_BYTES)
    assert len(search(compile_expression("base64_gzip_decode(data)"), {"data": at_bound})) == MAX_INFLATED_BYTES
    past = _gzip64(b"0" * (MAX_INFLATED_BYTES + 1))  # about 16 KiB of gzip
    with pytest.raises(ExpressionError, match="inflating past"):
        search(compile_expression("base64_gzip_decode(data)"), {"data": past})


def test_text_that_is_not_json_or_base64_finds_nothing() -> None:
    assert search(compile_expression("json_decode(body).id"), {"body": "not json"}) is None
    assert search(compile_expression("base64_decode(data)"), {"data": "***"}) is None


@pytest.mark.parametrize(
    "expression", ["json_decode(body).id", "base64_decode(body)", "base64_gzip_decode(body)", "lower_keys(body).x"]
)
def test_a_helper_given_nothing_finds_nothing(expression: str) -> None:
    assert search(compile_expression(expression), {}) is None


def test_compiled_expressions_are_cached_by_text() -> None:
    assert compile_expression("a.b.c") is compile_expression("a.b.c")


@pytest.mark.parametrize("expression", ["a.[", "json_decode(", "", "a..b"])
def test_a_syntax_error_is_a_configuration_error_naming_the_expression(expression: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        compile_expression(expression)
    assert str(caught.value) == f"{expression!r} is not a valid JMESPath expression"


def test_an_unknown_function_fails_at_compile_time() -> None:
    with pytest.raises(ConfigurationError, match=r"'nope\(a\)\.b' calls the unknown function nope\(\)"):
        compile_expression("nope(a).b")
    with pytest.raises(ConfigurationError, match="unknown function jsondecode"):
        compile_expression("[a, length(jsondecode(b))]")


def test_data_that_does_not_fit_raises_an_expression_error_without_the_data() -> None:
    with pytest.raises(ExpressionError) as caught:
        search(compile_expression("abs(a)"), {"a": MARKER})
    assert isinstance(caught.value, LambdaToolkitError)
    assert "'abs(a)'" in str(caught.value) and MARKER not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ('{"m": "' + MARKER + '", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ('{"m": "' + MARKER + '", "id": ' + "9" * 5_000 + "}", "too many digits"),
    ],
)
def test_json_python_cannot_read_is_an_expression_error(body: str, why: str) -> None:
    with pytest.raises(ExpressionError, match=why) as caught:
        search(compile_expression("json_decode(body).id"), {"body": body})
    assert MARKER not in str(caught.value)
    assert search(compile_expression("json_decode(body).id"), {"body": '{"id": 1}'}) == 1


@pytest.mark.parametrize(
    "expression", ["a.b", 'a."b-c".d', "a[0]", "a | b", "a.b.c", "a.*", "a || b", "*.b", "a.b[?c]", "a"]
)
def test_plain_paths_and_other_expressions_give_what_jmespath_gives(expression: str) -> None:
    import jmespath

    events: list[Any] = [
        {"a": {"b": 1, "b-c": {"d": "x"}}},
        {"a": [{"c": 1}], "b": "y"},
        {"a": "text"},
        {"a": None},
        {"x": {"b": 2}},
        [],
        "text",
    ]
    compiled = compile_expression(expression)
    for event in events:
        assert search(compiled, event) == jmespath.search(expression, event), (expression, event)


def test_the_correlation_id_expression_uses_the_same_helpers() -> None:
    from lambda_toolkit.logging import Logger

    out = io.StringIO()
    log = Logger(service="orders", stream=out)

    @log.inject_context(correlation_id="json_decode(body).order_id")
    def handler(event: Any, context: Any) -> None:
        log.info("x")

    handler({"body": json.dumps({"order_id": "o-42"})}, FakeContext(aws_request_id="req-1"))
    handler({"body": "not json"}, FakeContext(aws_request_id="req-2"))
    deep = '{"m": "' + MARKER + '", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    handler({"body": deep}, FakeContext(aws_request_id="req-3"))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["correlation_id"] for line in lines] == ["o-42", "req-2", "req-3"]
    assert MARKER not in out.getvalue()


def test_an_unknown_function_in_a_correlation_id_fails_at_setup() -> None:
    from lambda_toolkit.logging import Logger

    log = Logger(service="orders", stream=io.StringIO())
    with pytest.raises(ConfigurationError, match="unknown function nope"):
        log.inject_context(correlation_id="nope(body)")


def test_the_idempotency_key_uses_the_same_helpers() -> None:
    from lambda_toolkit.idempotency import IdempotencyKeyError, MemoryStore, idempotent

    runs: list[str] = []

    @idempotent(store=MemoryStore(), key='lower_keys(headers)."idempotency-key"')
    def handler(event: Any, context: Any) -> int:
        runs.append("run")
        return len(runs)

    event = {"headers": {"Idempotency-Key": "k-1"}}
    assert handler(event, FakeContext()) == handler(event, FakeContext()) == 1
    with pytest.raises(IdempotencyKeyError):
        handler({}, FakeContext())


def test_the_cache_is_bounded() -> None:
    from lambda_toolkit.core import expressions

    for number in range(expressions._MAX_CACHED + 10):
        assert search(compile_expression(f"a{number}"), {f"a{number}": number}) == number
    assert len(expressions._compiled) <= expressions._MAX_CACHED
