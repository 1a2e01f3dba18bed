"""Transforms: JSON, base64 binary, pydantic models and adapters, callables; failures keep the old value."""

from __future__ import annotations

import base64

import pytest
from pydantic import BaseModel, TypeAdapter

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.parameters import (
    MaskedBytes,
    TransformError,
    get_parameter,
    get_parameters,
    get_parameters_by_name,
    get_secret,
    get_secrets,
)
from lambda_toolkit.testing import FakeClock

from .conftest import Aws


class Database(BaseModel):
    host: str
    port: int


def test_json_transform(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/config", Value='{"retries": 3, "tags": ["a"]}', Type="String")
    assert get_parameter("/app/config", transform="json") == {"retries": 3, "tags": ["a"]}


def test_binary_transform_decodes_base64_and_keeps_secrets_masked(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/blob", Value=base64.b64encode(b"\x00raw").decode(), Type="String")
    aws.secrets.create_secret(Name="prod/blob", SecretString=base64.b64encode(b"\x01key").decode())
    plain = get_parameter("/app/blob", transform="binary")
    assert plain == b"\x00raw"
    assert type(plain) is bytes
    secret = get_secret("prod/blob", transform="binary")
    assert secret == b"\x01key"
    assert isinstance(secret, MaskedBytes)


def test_a_model_transform_gives_typed_configuration(aws: Aws) -> None:
    aws.secrets.create_secret(Name="prod/db", SecretString='{"host": "db.local", "port": "5432"}')
    db = get_secret("prod/db", transform=Database)
    assert db == Database(host="db.local", port=5432)


def test_a_type_adapter_transform(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/ports", Value="[80, 443]", Type="String")
    assert get_parameter("/app/ports", transform=TypeAdapter(list[int])) == [80, 443]


def test_a_callable_transform(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/hosts", Value="a,b,c", Type="StringList")
    assert get_parameter("/app/hosts", transform=lambda value: value.split(",")) == ["a", "b", "c"]


def test_each_transform_is_cached_apart(counted: Aws) -> None:
    counted.ssm.put_parameter(Name="/app/config", Value='{"a": 1}', Type="String")
    counted.calls.clear()
    assert get_parameter("/app/config") == '{"a": 1}'
    assert get_parameter("/app/config", transform="json") == {"a": 1}
    assert get_parameter("/app/config", transform="json") == {"a": 1}
    assert counted.count() == 2


def test_transforms_apply_to_batches_and_paths(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/cfg/a", Value="1", Type="String")
    aws.ssm.put_parameter(Name="/cfg/b", Value="[2]", Type="String")
    aws.secrets.create_secret(Name="s", SecretString='{"k": "v"}')
    assert get_parameters("/cfg", transform="json") == {"a": 1, "b": [2]}
    assert get_parameters_by_name(["/cfg/a", "/cfg/b"], transform="json") == {"/cfg/a": 1, "/cfg/b": [2]}
    assert get_secrets(["s"], transform="json") == {"s": {"k": "v"}}


@pytest.mark.parametrize(
    ("value", "transform", "message"),
    [
        ("not json", "json", r"transform json failed: invalid JSON at line 1 column 1 \(value not shown\)"),
        ("%%%", "binary", r"transform binary failed: invalid base64 \(value not shown\)"),
        ('{"host": "h", "port": "x"}', Database, r"transform Database failed: validation failed \(port: int_parsing\)"),
        ("[1, 2", TypeAdapter(list[int]), "transform TypeAdapter failed: validation failed"),
        ("x", int, r"transform int failed: ValueError in int"),
        ("x", lambda value: value["missing"], "transform <lambda> failed: TypeError in <lambda>"),
        ("x", lambda value: {"k": 1}["missing"], "transform <lambda> failed: KeyError in <lambda>"),
    ],
)
def test_a_failing_transform_names_the_parameter_not_the_value(
    aws: Aws, value: str, transform: object, message: str
) -> None:
    aws.secrets.create_secret(Name="prod/thing", SecretString=value)
    with pytest.raises(TransformError, match=message) as caught:
        get_secret("prod/thing", transform=transform)
    assert str(caught.value).startswith("parameter 'prod/thing': ")
    assert caught.value.name == "prod/thing"
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


def test_a_model_error_summary_is_capped(aws: Aws) -> None:
    class Wide(BaseModel):
        a: int
        b: int
        c: int
        d: int
        e: int
        f: int
        g: int

    aws.ssm.put_parameter(Name="/app/wide", Value="{}", Type="String")
    with pytest.raises(TransformError, match=r"d: missing; e: missing and 2 more\)"):
        get_parameter("/app/wide", transform=Wide)


def test_a_value_that_fails_its_transform_is_not_cached_and_the_old_one_stays(counted: Aws) -> None:
    counted.ssm.put_parameter(Name="/app/config", Value='{"v": 1}', Type="String")
    counted.calls.clear()
    assert get_parameter("/app/config", transform="json") == {"v": 1}
    counted.ssm.put_parameter(Name="/app/config", Value="{broken", Type="String", Overwrite=True)
    with pytest.raises(TransformError):
        get_parameter("/app/config", transform="json", force_fetch=True)
    assert get_parameter("/app/config", transform="json") == {"v": 1}  # the previous good value, cached
    assert counted.count("GetParameter") == 2


def test_a_failed_transform_in_a_batch_is_reported_per_name(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/cfg/good", Value="1", Type="String")
    aws.ssm.put_parameter(Name="/cfg/bad", Value="{", Type="String")
    assert get_parameters_by_name(["/cfg/good", "/cfg/bad"], transform="json", raise_on_error=False) == {"/cfg/good": 1}


def test_a_failed_transform_in_a_path_names_the_parameter(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/cfg/bad", Value="{", Type="String")
    with pytest.raises(TransformError, match="parameter '/cfg/bad'"):
        get_parameters("/cfg", transform="json")


def test_stale_on_error_serves_the_old_value_while_the_transform_fails(
    counted: Aws, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    from lambda_toolkit.parameters import configure_cache

    configure_cache(stale_on_error=60)
    counted.ssm.put_parameter(Name="/app/config", Value='{"v": 1}', Type="String")
    assert get_parameter("/app/config", transform="json", max_age=10) == {"v": 1}
    counted.ssm.put_parameter(Name="/app/config", Value="{broken", Type="String", Overwrite=True)
    clock.advance(seconds=30)
    assert get_parameter("/app/config", transform="json", max_age=10) == {"v": 1}
    assert "'/app/config' could not be refreshed (TransformError), serving the cached value" in caplog.text
    clock.advance(seconds=41)  # past freshness + stale_on_error
    with pytest.raises(TransformError):
        get_parameter("/app/config", transform="json", max_age=10)


@pytest.mark.parametrize(("transform", "message"), [("yaml", "unknown transform 'yaml'"), (42, "got int")])
def test_an_unknown_transform_is_a_configuration_error(counted: Aws, transform: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        get_parameter("/app/config", transform=transform)
    assert counted.count() == 0
