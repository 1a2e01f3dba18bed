"""The package's shared boto3 session."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError, HTTPClientError, ReadTimeoutError

from lambda_toolkit.core import aws
from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.core.state import Invocation, begin_invocation, end_invocation
from lambda_toolkit.testing import FakeContext
from tests._servers import StalledEndpoint


def test_clients_come_from_one_shared_session() -> None:
    first = aws.aws_client("sqs", region_name="us-east-1")
    second = aws.aws_client("dynamodb", region_name="eu-west-1")
    assert first.meta.service_model.service_name == "sqs"
    assert second.meta.region_name == "eu-west-1"
    session = aws._session
    assert session is not None
    aws.aws_client("s3", region_name="us-east-1")
    assert aws._session is session
    aws.reset_session()
    aws.aws_client("s3", region_name="us-east-1")
    assert aws._session is not session


def test_boto3_is_imported_only_when_a_client_is_made() -> None:
    code = "import sys, json, lambda_toolkit.core.aws; print(json.dumps('boto3' in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) is False


# -- clients bound to the invocation's deadline ------------------------------------------


@pytest.fixture
def stalled_endpoint() -> Iterator[StalledEndpoint]:
    """An AWS endpoint on 127.0.0.1 that accepts connections and never answers."""
    with StalledEndpoint() as endpoint:
        yield endpoint


@contextmanager
def invocation(timeout_ms: int) -> Iterator[Invocation]:
    current, token = begin_invocation({}, FakeContext(timeout_ms=timeout_ms))
    try:
        yield current
    finally:
        end_invocation(token)


def _patient_client(endpoint: StalledEndpoint, read_timeout: float = 30, attempts: int = 3) -> Any:
    config = Config(
        connect_timeout=30, read_timeout=read_timeout, retries={"mode": "standard", "total_max_attempts": attempts}
    )
    return aws.aws_client("dynamodb", endpoint_url=endpoint.url, region_name="us-east-1", config=config)


def _get(client: Any) -> Any:
    return client.get_item(TableName="t", Key={"id": {"S": "k"}})


def test_a_call_in_an_invocation_ends_before_its_deadline_without_retries(stalled_endpoint: StalledEndpoint) -> None:
    client = _patient_client(stalled_endpoint)  # 30 s timeouts, 3 attempts: 90 s unbounded
    started = time.monotonic()
    with invocation(timeout_ms=800), pytest.raises(ReadTimeoutError):
        _get(client)
    assert time.monotonic() - started < 0.8 + 1.5  # coarse: without the cap it is 90 s
    assert stalled_endpoint.connections == 1  # no retry started past the stop point


def test_outside_an_invocation_the_clients_own_timeouts_and_retries_apply(stalled_endpoint: StalledEndpoint) -> None:
    client = _patient_client(stalled_endpoint, read_timeout=0.2, attempts=2)
    assert aws.call_budget_s() is None
    with pytest.raises(ReadTimeoutError):
        _get(client)
    assert stalled_endpoint.connections == 2  # botocore retried, as configured


def _timeouts(client: Any) -> tuple[float, float]:
    # What the next request of the client gets from its connection pool.
    timeout = client._endpoint.http_session._timeout.clone()
    return timeout.connect_timeout, timeout.read_timeout


def test_timeouts_are_capped_by_the_remaining_time_of_the_callers_invocation() -> None:
    client = aws.aws_client("dynamodb", region_name="us-east-1", config=Config(connect_timeout=5, read_timeout=30))
    assert _timeouts(client) == (5, 30)
    with invocation(timeout_ms=2000):
        connect, read = _timeouts(client)
        assert 0 < connect <= 2.0 - aws.CALL_RESERVE_MS / 1000 and connect == read
        seen: list[tuple[float, float]] = []
        with ThreadPoolExecutor(1) as pool:  # another thread outside any invocation: uncapped
            pool.submit(lambda: seen.append(_timeouts(client))).result()
        assert seen == [(5, 30)]
    with invocation(timeout_ms=60_000):
        assert _timeouts(client) == (5, 30)  # the client's own, shorter than what is left
    assert _timeouts(client) == (5, 30)


def test_the_shortest_budget_is_a_millisecond() -> None:
    with invocation(timeout_ms=50):
        assert aws.call_budget_s() == 0.001


def test_a_wrapped_interruption_leaves_as_itself() -> None:
    interruption = InvocationTimeout("stop", remaining_ms=400)
    try:
        raise interruption
    except InvocationTimeout as exc:
        try:
            raise HTTPClientError(error=exc)
        except HTTPClientError as wrapped:
            caught = wrapped
    with pytest.raises(InvocationTimeout) as raised:
        aws._stop_retries(caught_exception=caught)
    assert raised.value is interruption
    aws._stop_retries(caught_exception=None)  # a successful attempt: nothing to do
    aws._stop_retries(caught_exception=EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))


def test_protect_is_for_boto3_clients() -> None:
    with pytest.raises(ConfigurationError, match="protect: expected a boto3 client, got object"):
        aws.protect(object())


def test_protecting_a_used_client_caps_its_existing_pools(stalled_endpoint: StalledEndpoint) -> None:
    config = Config(connect_timeout=5, read_timeout=0.1, retries={"total_max_attempts": 1})
    client = boto3.client("dynamodb", endpoint_url=stalled_endpoint.url, region_name="us-east-1", config=config)
    with pytest.raises(ReadTimeoutError):
        _get(client)  # its pool for the endpoint now exists
    aws.protect(client)
    pools = client._endpoint.http_session._manager.pools
    (pool,) = [pools[key] for key in pools.keys()]  # noqa: SIM118 (the container refuses iteration)
    with invocation(timeout_ms=1000):
        assert pool.timeout.clone().connect_timeout <= 1.0


def test_a_cooperative_guards_instant_caps_calls_while_it_is_ahead() -> None:
    with invocation(timeout_ms=10_000) as current:
        now = time.monotonic()
        assert aws.interrupt_calls_at(current, now + 1.0) is None
        assert (aws.call_budget_s() or 0) <= 1.0
        previous = aws.interrupt_calls_at(current, now + 5.0)  # a later instant: the earliest wins
        assert previous == now + 1.0 and (aws.call_budget_s() or 0) <= 1.0
        aws.interrupt_calls_at(current, previous)
        aws.interrupt_calls_at(current, None)
        assert (aws.call_budget_s() or 0) > 5.0
        aws.interrupt_calls_at(current, now - 1.0)  # passed: the time to the reserve again
        assert (aws.call_budget_s() or 0) > 5.0


def test_a_cleanup_call_failing_while_the_interruption_is_handled_keeps_its_own_error() -> None:
    # Made in an `except InvocationTimeout:` block, a call's error has the interruption as
    # its __context__: that is not the call being interrupted, botocore handles it as usual.
    try:
        raise InvocationTimeout("stop")
    except InvocationTimeout:
        try:
            raise ReadTimeoutError(endpoint_url="http://127.0.0.1:1")
        except ReadTimeoutError as exc:
            cleanup_error = exc
    assert isinstance(cleanup_error.__context__, InvocationTimeout)
    aws._stop_retries(caught_exception=cleanup_error)  # does not raise: retried if botocore wants
