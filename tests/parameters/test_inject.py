"""with_parameters: lookups fetched before the handler and handed to it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError, Middleware, middleware
from lambda_toolkit.parameters import (
    Parameter,
    ParameterNotFoundError,
    Secret,
    injected_parameters,
    with_parameters,
)
from lambda_toolkit.testing import FakeContext

from .conftest import Aws


@pytest.fixture
def seeded(counted: Aws) -> Aws:
    counted.ssm.put_parameter(Name="/app/table", Value="orders", Type="String")
    counted.ssm.put_parameter(Name="/app/limits", Value='{"max": 5}', Type="String")
    counted.secrets.create_secret(Name="prod/db", SecretString='{"user": "app", "password": "pw"}')
    counted.calls.clear()
    return counted


def test_values_are_passed_as_keyword_arguments_and_cached(seeded: Aws) -> None:
    @with_parameters(
        table="/app/table", db=Secret("prod/db", transform="json"), limits=Parameter("/app/limits", transform="json")
    )
    def handler(event: dict[str, Any], context: Any, *, table: str, db: dict[str, str], limits: dict[str, int]) -> Any:
        return table, db["user"], limits["max"]

    for _ in range(3):
        assert handler({}, FakeContext()) == ("orders", "app", 5)
    assert seeded.calls == {"GetParameter": 2, "GetSecretValue": 1}


def test_values_are_on_the_invocation_state(seeded: Aws) -> None:
    seen: dict[str, Any] = {}

    def deeper() -> None:
        seen.update(injected_parameters())

    @with_parameters({"table": "/app/table"}, as_kwargs=False)
    def handler(event: dict[str, Any], context: Any) -> str:
        deeper()
        return "ok"

    assert handler({}, FakeContext()) == "ok"
    assert seen == {"table": "orders"}
    assert injected_parameters() == {}  # outside an invocation


def test_two_layers_add_up_on_the_state(seeded: Aws) -> None:
    @with_parameters(table="/app/table", as_kwargs=False)
    @with_parameters(db=Secret("prod/db"), as_kwargs=False)
    def handler(event: dict[str, Any], context: Any) -> list[str]:
        return sorted(injected_parameters())

    assert handler({}, FakeContext()) == ["db", "table"]


def test_it_stacks_with_other_middleware_and_async_handlers(seeded: Aws) -> None:
    log: list[str] = []

    @middleware
    def outer() -> Middleware:
        return Middleware("outer", before=lambda call: log.append("outer"))

    @outer
    @with_parameters(table="/app/table")
    async def handler(event: dict[str, Any], context: Any, *, table: str) -> str:
        return table

    assert asyncio.run(handler({}, FakeContext())) == "orders"
    assert log == ["outer"]


def test_a_plain_function_can_be_decorated_too(seeded: Aws) -> None:
    @with_parameters(table="/app/table")
    def table_name(*, table: str) -> str:
        return table

    assert table_name() == "orders"


def test_a_failing_lookup_stops_the_handler(seeded: Aws) -> None:
    ran: list[bool] = []

    @with_parameters(missing="/app/missing")
    def handler(event: dict[str, Any], context: Any, *, missing: str) -> None:
        ran.append(True)

    with pytest.raises(ParameterNotFoundError, match="'/app/missing'"):
        handler({}, FakeContext())
    assert ran == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "needs at least one lookup"),
        ({"table": 42}, r"table= must be a parameter name, Parameter\(...\) or Secret\(...\), got int"),
        ({"table": "bad name"}, "invalid parameter name 'bad name'"),
        ({"db": Secret("prod db")}, "invalid secret name 'prod db'"),
        ({"table": Parameter("/a", transform="yaml")}, "unknown transform 'yaml'"),
    ],
)
def test_bad_lookups_fail_when_the_decorator_is_applied(options: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception, match=message) as caught:
        with_parameters(**options)
    assert isinstance(caught.value, (ConfigurationError, ValueError))


def test_a_lookup_key_must_be_an_identifier() -> None:
    with pytest.raises(ConfigurationError, match="'not-valid' is not a valid keyword argument name"):
        with_parameters({"not-valid": "/a"})


def test_bare_use_has_no_lookups() -> None:
    with pytest.raises(ConfigurationError, match="needs at least one lookup"):

        @with_parameters  # type: ignore[call-overload]
        def handler(event: Any, context: Any) -> None: ...
