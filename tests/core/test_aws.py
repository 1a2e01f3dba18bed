"""The package's shared boto3 session."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
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


# -- the lazy client holder ----------------------------------------------------------------


def test_a_holder_makes_nothing_until_its_first_request() -> None:
    code = (
        "import sys, json\n"
        "from lambda_toolkit.core.aws import LazyClient\n"
        "holder = LazyClient('ssm')\n"
        "before = 'boto3' in sys.modules or 'botocore' in sys.modules\n"
        "holder.get()\n"
        "print(json.dumps([before, holder.made, 'boto3' in sys.modules]))"
    )
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert json.loads(out) == [False, True, True]


def test_holders_of_one_service_region_and_endpoint_share_one_client() -> None:
    first = aws.LazyClient("ssm", region="us-east-1")
    second = aws.LazyClient("ssm", region="us-east-1")
    assert not first.made
    assert first.get() is second.get()
    assert first.get() is aws.shared_client("ssm", region="us-east-1")
    assert aws.LazyClient("ssm", region="eu-west-1").get() is not first.get()
    other_endpoint = aws.LazyClient("ssm", region="us-east-1", endpoint_url="http://127.0.0.1:9")
    assert other_endpoint.get() is not first.get()
    assert other_endpoint.get().meta.endpoint_url == "http://127.0.0.1:9"
    assert aws.LazyClient("secretsmanager", region="us-east-1").get() is not first.get()


def test_reset_clients_makes_every_holder_make_a_new_client_but_keeps_given_ones() -> None:
    own = boto3.session.Session().client("ssm", region_name="us-east-1")
    shared = aws.LazyClient("ssm", region="us-east-1")
    given = aws.LazyClient("ssm", client=own)
    old = shared.get()
    aws.reset_clients()
    assert not shared.made
    new = shared.get()
    assert new is not old
    assert new.meta.events is not old.meta.events  # a new client, not the same one re-wrapped
    assert given.get() is own


def test_use_client_replaces_the_shared_client_until_the_next_reset() -> None:
    holder = aws.LazyClient("dynamodb", region="us-east-1")
    made = holder.get()
    stub = boto3.session.Session().client("dynamodb", region_name="us-east-1")
    aws.use_client("dynamodb", stub, region="us-east-1")
    assert holder.get() is stub
    assert aws.LazyClient("dynamodb", region="us-east-1").get() is stub
    aws.reset_clients()
    assert holder.get() is not stub
    assert holder.get() is not made


def test_replace_swaps_the_client_of_one_holder() -> None:
    holder = aws.LazyClient("ssm", region="us-east-1")
    other = aws.LazyClient("ssm", region="us-east-1")
    stub = boto3.session.Session().client("ssm", region_name="us-east-1")
    holder.replace(stub)
    assert holder.get() is stub
    assert other.get() is not stub
    holder.replace(None)
    assert holder.get() is other.get()


def test_racing_threads_make_one_client(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Any] = []
    real = aws._make_client

    def slow_make(service: str, **options: Any) -> Any:
        time.sleep(0.05)  # widen the window in which a second thread could also make one
        client = real(service, **options)
        made.append(client)
        return client

    monkeypatch.setattr(aws, "_make_client", slow_make)
    holders = [aws.LazyClient("sqs", region="us-east-1") for _ in range(8)]
    barrier = threading.Barrier(len(holders))

    def first_use(holder: aws.LazyClient) -> Any:
        barrier.wait()
        return holder.get()

    with ThreadPoolExecutor(len(holders)) as pool:
        clients = list(pool.map(first_use, holders))
    assert len(made) == 1
    assert all(client is made[0] for client in clients)


def test_the_shared_clients_configuration() -> None:
    dynamodb = aws.shared_client("dynamodb", region="us-east-1")
    ssm = aws.shared_client("ssm", region="us-east-1")
    # The package builds DynamoDB requests whole; other services keep botocore's checks.
    from botocore.awsrequest import AWSResponse
    from botocore.exceptions import ParamValidationError

    def answer(**_: Any) -> Any:
        return AWSResponse("http://127.0.0.1", 200, {}, None), {}

    dynamodb.meta.events.register("before-call.dynamodb", answer)
    ssm.meta.events.register("before-call.ssm", answer)
    dynamodb.get_item(TableName="t", Key={"id": {"S": 1}})  # a number where a string is due: sent
    with pytest.raises(ParamValidationError):
        ssm.get_parameter(Name=1)
    assert ssm.meta.config.retries["mode"] == "standard"
    assert _timeouts(ssm) == (5, 10)  # protected: the deadline caps them inside an invocation


def test_a_shared_client_keeps_as_many_connections_as_the_io_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    # Async code calls one client from up to LAMBDA_TOOLKIT_IO_THREADS threads at once:
    # with botocore's default pool of 10, each burst would open connections (TLS
    # handshakes) only to throw them away.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    aws.reset_clients()
    try:
        assert aws.shared_client("dynamodb").meta.config.max_pool_connections == 64
        monkeypatch.setenv("LAMBDA_TOOLKIT_IO_THREADS", "8")
        aws.reset_clients()
        assert aws.shared_client("dynamodb").meta.config.max_pool_connections == 8
    finally:
        aws.reset_clients()
