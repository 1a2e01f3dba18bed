"""Parameter Store through boto3 (moto in-process): values, decryption, paths, batches, caching."""

from __future__ import annotations

import pytest

from lambda_toolkit.parameters import (
    MaskedStr,
    ParameterBatchError,
    ParameterNotFoundError,
    SSMProvider,
    get_parameter,
    get_parameters,
    get_parameters_by_name,
)
from lambda_toolkit.testing import FakeClock

from .conftest import Aws


def test_a_string_parameter_is_returned_as_a_plain_str(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/table", Value="orders", Type="String")
    value = get_parameter("/app/table")
    assert value == "orders"
    assert type(value) is str


def test_a_securestring_is_decrypted_and_masked_in_repr(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/key", Value="s3cr3t", Type="SecureString")
    value = get_parameter("/app/key")
    assert value == "s3cr3t"
    assert isinstance(value, MaskedStr)
    assert "s3cr3t" not in repr(value)


def test_decrypt_false_returns_the_ciphertext_and_is_cached_apart(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/key", Value="s3cr3t", Type="SecureString")
    encrypted = get_parameter("/app/key", decrypt=False)
    assert encrypted != "s3cr3t"
    assert get_parameter("/app/key") == "s3cr3t"
    assert get_parameter("/app/key", decrypt=False) == encrypted


def test_a_version_selector_reads_that_version(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/flag", Value="one", Type="String")
    aws.ssm.put_parameter(Name="/app/flag", Value="two", Type="String", Overwrite=True)
    assert get_parameter("/app/flag") == "two"
    assert get_parameter("/app/flag:1") == "one"


def test_a_missing_parameter_raises_not_found_naming_it(aws: Aws) -> None:
    with pytest.raises(ParameterNotFoundError, match="'/app/missing' not found") as caught:
        get_parameter("/app/missing")
    assert caught.value.name == "/app/missing"


def test_a_cached_lookup_makes_no_call_and_an_expired_one_makes_one(counted: Aws, clock: FakeClock) -> None:
    counted.ssm.put_parameter(Name="/app/table", Value="orders", Type="String")
    counted.calls.clear()
    assert get_parameter("/app/table", max_age=60) == "orders"
    assert counted.count("GetParameter") == 1
    clock.advance(seconds=59)
    assert get_parameter("/app/table", max_age=60) == "orders"
    assert counted.count() == 1
    clock.advance(seconds=2)
    assert get_parameter("/app/table", max_age=60) == "orders"
    assert counted.count("GetParameter") == 2


def test_a_changed_value_is_seen_once_the_entry_expires(aws: Aws, clock: FakeClock) -> None:
    aws.ssm.put_parameter(Name="/app/table", Value="v1", Type="String")
    assert get_parameter("/app/table", max_age=10) == "v1"
    aws.ssm.put_parameter(Name="/app/table", Value="v2", Type="String", Overwrite=True)
    assert get_parameter("/app/table", max_age=10) == "v1"
    assert get_parameter("/app/table", max_age=10, force_fetch=True) == "v2"
    aws.ssm.put_parameter(Name="/app/table", Value="v3", Type="String", Overwrite=True)
    clock.advance(seconds=11)
    assert get_parameter("/app/table", max_age=10) == "v3"


def test_an_explicit_client_is_used_and_created_lazily_otherwise(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/table", Value="orders", Type="String")
    explicit = SSMProvider(aws.ssm)
    assert explicit.client is aws.ssm
    assert get_parameter("/app/table", provider=explicit) == "orders"
    lazy = SSMProvider(region="us-east-1")
    made_before = lazy._client.made  # nothing made until a lookup needs it
    assert get_parameter("/app/table", provider=lazy) == "orders"
    assert (made_before, lazy._client.made) == (False, True)
    assert lazy.client is SSMProvider(region="us-east-1").client  # one client per service and region


# -- by path ---------------------------------------------------------------------------------


def _seed_tree(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/prod/table", Value="orders", Type="String")
    aws.ssm.put_parameter(Name="/app/prod/db/host", Value="db.local", Type="String")
    aws.ssm.put_parameter(Name="/app/prod/db/password", Value="pw", Type="SecureString")
    aws.ssm.put_parameter(Name="/app/dev/table", Value="dev-orders", Type="String")


def test_get_parameters_reads_a_path_recursively_with_relative_names(aws: Aws) -> None:
    _seed_tree(aws)
    values = get_parameters("/app/prod")
    assert values == {"table": "orders", "db/host": "db.local", "db/password": "pw"}
    assert isinstance(values["db/password"], MaskedStr)


def test_get_parameters_without_recursion_stays_on_one_level(aws: Aws) -> None:
    _seed_tree(aws)
    assert get_parameters("/app/prod/", recursive=False) == {"table": "orders"}


def test_get_parameters_follows_pagination(counted: Aws) -> None:
    for number in range(25):
        counted.ssm.put_parameter(Name=f"/many/p{number:02d}", Value=str(number), Type="String")
    counted.calls.clear()
    values = get_parameters("/many")
    assert len(values) == 25
    assert values["p07"] == "7"
    assert counted.count("GetParametersByPath") >= 3  # moto pages 10 at a time


def test_get_parameters_is_cached_and_returns_a_copy(counted: Aws) -> None:
    _seed_tree(counted)
    counted.calls.clear()
    first = get_parameters("/app/prod")
    first["table"] = "changed by the caller"
    assert get_parameters("/app/prod")["table"] == "orders"
    assert counted.count() == 1


def test_get_parameters_of_an_empty_path_is_empty(aws: Aws) -> None:
    assert get_parameters("/nothing/here") == {}


# -- by name ---------------------------------------------------------------------------------


def test_get_parameters_by_name_batches_at_most_ten_names_per_call(counted: Aws) -> None:
    names = [f"/batch/p{number:02d}" for number in range(23)]
    for number, name in enumerate(names):
        counted.ssm.put_parameter(Name=name, Value=str(number), Type="SecureString" if number % 2 else "String")
    counted.calls.clear()
    values = get_parameters_by_name(names)
    assert list(values) == names
    assert values["/batch/p03"] == "3"
    assert isinstance(values["/batch/p03"], MaskedStr)
    assert counted.count("GetParameters") == 3


def test_get_parameters_by_name_reports_every_missing_name(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/a", Value="a", Type="String")
    with pytest.raises(ParameterBatchError) as caught:
        get_parameters_by_name(["/app/a", "/app/missing", "/app/gone"])
    error = caught.value
    assert str(error) == "2 of 3 parameters could not be read: /app/missing (not found), /app/gone (not found)"
    assert set(error.failures) == {"/app/missing", "/app/gone"}
    assert all(isinstance(e, ParameterNotFoundError) for e in error.failures.values())
    assert error.values == {"/app/a": "a"}


def test_get_parameters_by_name_can_leave_failed_names_out(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/a", Value="a", Type="String")
    assert get_parameters_by_name(["/app/a", "/app/missing"], raise_on_error=False) == {"/app/a": "a"}


def test_get_parameters_by_name_shares_cache_entries_with_get_parameter(counted: Aws) -> None:
    counted.ssm.put_parameter(Name="/app/a", Value="a", Type="String")
    counted.ssm.put_parameter(Name="/app/b", Value="b", Type="String")
    counted.calls.clear()
    assert get_parameter("/app/a") == "a"
    assert get_parameters_by_name(["/app/a", "/app/b"]) == {"/app/a": "a", "/app/b": "b"}
    assert get_parameter("/app/b") == "b"
    assert counted.calls == {"GetParameter": 1, "GetParameters": 1}
    get_parameters_by_name(["/app/a", "/app/b"])
    assert counted.count() == 2


def test_get_parameters_by_name_reads_version_selectors(aws: Aws) -> None:
    aws.ssm.put_parameter(Name="/app/flag", Value="one", Type="String")
    aws.ssm.put_parameter(Name="/app/flag", Value="two", Type="String", Overwrite=True)
    assert get_parameters_by_name(["/app/flag:1", "/app/flag"]) == {"/app/flag:1": "one", "/app/flag": "two"}


def test_get_parameters_by_name_drops_duplicate_names(counted: Aws) -> None:
    counted.ssm.put_parameter(Name="/app/a", Value="a", Type="String")
    counted.calls.clear()
    assert get_parameters_by_name(["/app/a", "/app/a"]) == {"/app/a": "a"}
    assert counted.count() == 1


def test_get_parameters_force_fetch_reads_the_path_again(counted: Aws) -> None:
    _seed_tree(counted)
    counted.calls.clear()
    get_parameters("/app/prod")
    counted.ssm.put_parameter(Name="/app/prod/table", Value="orders-v2", Type="String", Overwrite=True)
    assert get_parameters("/app/prod", force_fetch=True)["table"] == "orders-v2"
    assert counted.count("GetParametersByPath") == 2


def test_get_parameters_by_name_matches_selectors_as_aws_reports_them() -> None:
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("ssm", region_name="us-east-1")
    arn = "arn:aws:ssm:us-east-1:123456789012:parameter/app/flag"
    with Stubber(client) as stub:
        stub.add_response(
            "get_parameters",
            {
                "Parameters": [
                    {"Name": "/app/flag", "Type": "String", "Value": "one", "Version": 1, "Selector": ":1", "ARN": arn},
                    {"Name": "/app/flag", "Type": "String", "Value": "two", "Version": 2, "Selector": ":live"},
                    {"Name": "/app/flag", "Type": "String", "Value": "two", "Version": 2, "ARN": arn},
                ],
                "InvalidParameters": ["/app/flag:9"],
            },
            {"Names": ["/app/flag:1", "/app/flag:live", "/app/flag", "/app/flag:9"], "WithDecryption": True},
        )
        values = get_parameters_by_name(
            ["/app/flag:1", "/app/flag:live", "/app/flag", "/app/flag:9"],
            provider=SSMProvider(client),
            raise_on_error=False,
        )
    assert values == {"/app/flag:1": "one", "/app/flag:live": "two", "/app/flag": "two"}


def test_a_batch_serves_a_kept_value_when_stale_on_error_is_on(counted: Aws, clock: FakeClock) -> None:
    from lambda_toolkit.parameters import configure_cache

    from .conftest import fail_calls

    configure_cache(stale_on_error=60)
    counted.ssm.put_parameter(Name="/app/a", Value="a", Type="String")
    assert get_parameters_by_name(["/app/a"], max_age=10) == {"/app/a": "a"}
    fail_calls(counted.ssm, "GetParameters", "AccessDeniedException")
    clock.advance(seconds=30)
    assert get_parameters_by_name(["/app/a"], max_age=10) == {"/app/a": "a"}
