"""The guard stops AWS SDK calls: against an endpoint that never answers, the guarded handler
gives its fallback at the margin, and botocore neither wraps nor retries the interruption.

Without ``protect`` (and the package's clients before it), botocore caught the
``InvocationTimeout`` raised into its socket read, wrapped it in an ``HTTPClientError`` and
retried the request: the handler ran on for 13 to 30 seconds past a 2 second invocation.
The bounds on elapsed time below are coarse correctness bounds (the invocation plus 1.5 s),
not performance figures; the attempt counts show what happened.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError

from lambda_toolkit.idempotency import DynamoDBStore, idempotent
from lambda_toolkit.parameters import SSMProvider, get_parameter
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.timeout import InvocationTimeout, TimeoutInfo, protect, timeout_guard
from tests._servers import StalledEndpoint

TIMEOUT_MS = 2000
MARGIN_MS = 500
BOUND_S = TIMEOUT_MS / 1000 + 1.5
FALLBACK = {"statusCode": 503}


class Seen:
    """What the guard and the handler saw of the interruption."""

    def __init__(self) -> None:
        self.in_handler: list[BaseException] = []
        self.guard_errors: list[BaseException] = []

    def on_timeout(self, info: TimeoutInfo) -> Any:
        self.guard_errors.append(info.error)
        return FALLBACK


def _retrying_config() -> Config:
    # Long timeouts and retries: only the guard (and the deadline) can end the call early.
    return Config(connect_timeout=30, read_timeout=30, retries={"mode": "standard", "total_max_attempts": 3})


def _run(handler: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = handler({"order_id": "o-1"}, FakeContext(timeout_ms=TIMEOUT_MS))
    return result, time.monotonic() - started


@pytest.mark.parametrize("retry_mode", ["standard", "legacy"])
def test_a_protected_user_client_is_interrupted_not_wrapped_or_retried(
    stalled_endpoint: StalledEndpoint, retry_mode: str
) -> None:
    config = Config(connect_timeout=30, read_timeout=30, retries={"mode": retry_mode, "total_max_attempts": 3})
    client = protect(boto3.client("dynamodb", endpoint_url=stalled_endpoint.url, config=config))
    seen = Seen()

    @timeout_guard(margin_ms=MARGIN_MS, on_timeout=seen.on_timeout)
    def handler(event: Any, context: Any) -> Any:
        try:
            return client.get_item(TableName="orders", Key={"id": {"S": event["order_id"]}})
        except BaseException as exc:
            seen.in_handler.append(exc)
            raise

    result, elapsed = _run(handler)

    assert result == FALLBACK
    assert elapsed < BOUND_S
    assert [type(exc) for exc in seen.in_handler] == [InvocationTimeout]  # not an HTTPClientError
    assert seen.guard_errors == seen.in_handler
    assert stalled_endpoint.connections == 1  # one attempt: the interruption was not retried


def test_protect_returns_the_client_and_is_idempotent(stalled_endpoint: StalledEndpoint) -> None:
    client = boto3.client("dynamodb", endpoint_url=stalled_endpoint.url, config=_retrying_config())
    assert protect(protect(client)) is client
    seen = Seen()

    @timeout_guard(margin_ms=MARGIN_MS, on_timeout=seen.on_timeout)
    def handler(event: Any, context: Any) -> Any:
        return client.get_item(TableName="orders", Key={"id": {"S": event["order_id"]}})

    assert _run(handler)[0] == FALLBACK
    assert stalled_endpoint.connections == 1


def test_b_idempotency_store_client_is_interrupted_and_releases_in_time(stalled_endpoint: StalledEndpoint) -> None:
    store = DynamoDBStore("idempotency", endpoint_url=stalled_endpoint.url, region="us-east-1")
    seen = Seen()
    calls: list[str] = []

    @timeout_guard(margin_ms=MARGIN_MS, on_timeout=seen.on_timeout)
    @idempotent(store=store, key="order_id")
    def handler(event: Any, context: Any) -> Any:
        calls.append(event["order_id"])
        return {"statusCode": 200}

    result, elapsed = _run(handler)

    assert result == FALLBACK
    assert elapsed < BOUND_S
    assert calls == []  # the lock was never taken: the function did not run
    assert [type(exc) for exc in seen.guard_errors] == [InvocationTimeout]
    # The lock's PutItem (interrupted, not retried), then at most the release's one attempt,
    # which the deadline cut short instead of 3 attempts of 10 s.
    assert stalled_endpoint.connections == 1  # the lock's PutItem, interrupted and not retried


def test_b_parameters_provider_client_is_interrupted(
    stalled_endpoint: StalledEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", stalled_endpoint.url)
    provider = SSMProvider(region="us-east-1")
    seen = Seen()

    @timeout_guard(margin_ms=MARGIN_MS, on_timeout=seen.on_timeout)
    def handler(event: Any, context: Any) -> Any:
        try:
            return get_parameter("/app/db-url", provider=provider, force_fetch=True)
        except BaseException as exc:
            seen.in_handler.append(exc)
            raise

    result, elapsed = _run(handler)

    assert result == FALLBACK
    assert elapsed < BOUND_S
    assert [type(exc) for exc in seen.in_handler] == [InvocationTimeout]  # not a ParameterFetchError
    assert stalled_endpoint.connections == 1


def test_b_idempotency_lock_release_against_a_hung_store_ends_within_the_invocation() -> None:
    # The lock is taken (the PutItem is answered), then the store hangs: the handler is
    # interrupted, and @idempotent's release of the lock meets the hung endpoint. Its one
    # attempt ends before the deadline (it used to take 3 attempts of 10 s).
    with StalledEndpoint(answer_first=1) as endpoint:
        store = DynamoDBStore("idempotency", endpoint_url=endpoint.url, region="us-east-1")
        seen = Seen()

        @timeout_guard(margin_ms=MARGIN_MS, on_timeout=seen.on_timeout)
        @idempotent(store=store, key="order_id")
        def handler(event: Any, context: Any) -> Any:
            time.sleep(30)  # stands for slow work
            return {"statusCode": 200}

        result, elapsed = _run(handler)

        assert result == FALLBACK
        assert elapsed < BOUND_S
        assert [type(exc) for exc in seen.guard_errors] == [InvocationTimeout]
        assert endpoint.requests == 2  # the lock, then one attempt to release it


def test_in_cooperative_mode_a_protected_call_stops_at_the_margin(stalled_endpoint: StalledEndpoint) -> None:
    # A handler on another thread cannot be interrupted by a signal: the call's own
    # timeouts end it at the guard's instant, and it raises InvocationTimeout as the
    # interruption would have (not the ReadTimeoutError, nor a retry).
    client = protect(boto3.client("dynamodb", endpoint_url=stalled_endpoint.url, config=_retrying_config()))
    seen = Seen()

    @timeout_guard(margin_ms=MARGIN_MS, on_timeout=seen.on_timeout)
    def handler(event: Any, context: Any) -> Any:
        try:
            return client.get_item(TableName="orders", Key={"id": {"S": event["order_id"]}})
        except BaseException as exc:
            seen.in_handler.append(exc)
            raise

    with ThreadPoolExecutor(max_workers=1) as pool:
        result, elapsed = pool.submit(_run, handler).result()

    assert result == FALLBACK
    assert elapsed < BOUND_S
    assert [type(exc) for exc in seen.in_handler] == [InvocationTimeout]
    assert isinstance(seen.in_handler[0].__cause__, ReadTimeoutError)
    assert stalled_endpoint.connections == 1


def test_in_cooperative_mode_only_the_cut_call_becomes_the_interruption(caplog: pytest.LogCaptureFixture) -> None:
    # The lock is taken, then the handler's own call is cut at the guard's instant and
    # raises InvocationTimeout; the release of the lock that follows is a cleanup call: it
    # runs (to the reserve) and its failure is the store's own error, logged by @idempotent.
    with StalledEndpoint(answer_first=1) as endpoint:
        store = DynamoDBStore("idempotency", endpoint_url=endpoint.url, region="us-east-1")
        client = protect(boto3.client("dynamodb", endpoint_url=endpoint.url, config=_retrying_config()))
        seen = Seen()

        @timeout_guard(margin_ms=MARGIN_MS, on_timeout=seen.on_timeout)
        @idempotent(store=store, key="order_id")
        def handler(event: Any, context: Any) -> Any:
            return client.get_item(TableName="orders", Key={"id": {"S": "other"}})

        with caplog.at_level(logging.WARNING), ThreadPoolExecutor(max_workers=1) as pool:
            result, elapsed = pool.submit(_run, handler).result()

    assert result == FALLBACK
    assert elapsed < BOUND_S
    assert [type(exc) for exc in seen.guard_errors] == [InvocationTimeout]
    assert endpoint.requests == 3  # the lock, the handler's call, one attempt to release
    release = [r.getMessage() for r in caplog.records if "could not release" in r.getMessage()]
    assert len(release) == 1 and "DeleteItem" in release[0] and "ReadTimeoutError" in release[0]
