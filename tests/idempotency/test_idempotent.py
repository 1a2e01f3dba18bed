"""@idempotent on handlers: run once per key, replay, release on failure, lock expiry."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

import pytest

from lambda_toolkit.core import ConfigurationError, InvocationTimeout, Middleware, middleware
from lambda_toolkit.idempotency import (
    COMPLETED,
    INPROGRESS,
    IdempotencyConfigurationError,
    IdempotencyError,
    IdempotencyInProgressError,
    IdempotencyKeyError,
    IdempotencyPayloadMismatchError,
    IdempotencySerializationError,
    MemoryStore,
    Record,
    idempotent,
    replayed_header,
)
from lambda_toolkit.testing import FakeClock, FakeContext


def order_event(order_id: str = "o-1", amount: int = 10) -> dict[str, Any]:
    return {"body": json.dumps({"order_id": order_id, "amount": amount}), "requestContext": {"requestId": "r"}}


def make_handler(store: MemoryStore, **options: Any) -> tuple[Any, list[dict[str, Any]]]:
    runs: list[dict[str, Any]] = []
    options.setdefault("key", "json_decode(body).order_id")

    @idempotent(store=store, **options)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append(event)
        return {"statusCode": 201, "body": json.dumps({"run": len(runs)})}

    return handler, runs


def only_record(store: MemoryStore) -> Record:
    assert len(store.records) == 1
    return next(iter(store.records.values()))


# -- once per key ---------------------------------------------------------------------


def test_the_first_call_runs_and_a_duplicate_gets_the_stored_result(memory_store: MemoryStore) -> None:
    handler, runs = make_handler(memory_store)
    first = handler(order_event(), FakeContext())
    second = handler(order_event(), FakeContext())
    assert first == second == {"statusCode": 201, "body": '{"run": 1}'}
    assert len(runs) == 1
    assert only_record(memory_store).status == COMPLETED


def test_different_keys_run_separately(memory_store: MemoryStore) -> None:
    handler, runs = make_handler(memory_store)
    handler(order_event("a"), FakeContext())
    handler(order_event("b"), FakeContext())
    assert len(runs) == 2


def test_the_key_ignores_what_the_expression_does_not_select(memory_store: MemoryStore) -> None:
    handler, runs = make_handler(memory_store)
    handler(order_event("a", amount=1), FakeContext())
    handler({**order_event("a", amount=1), "requestContext": {"requestId": "other"}}, FakeContext())
    assert len(runs) == 1


def test_without_a_key_expression_the_whole_event_is_the_key(memory_store: MemoryStore) -> None:
    handler, runs = make_handler(memory_store, key=None)
    handler({"a": 1}, FakeContext())
    handler({"a": 1}, FakeContext())
    handler({"a": 2}, FakeContext())
    assert len(runs) == 2


def test_the_record_key_is_the_namespace_and_the_sha256_of_the_key(memory_store: MemoryStore) -> None:
    import hashlib

    handler, _ = make_handler(memory_store, name="orders-create")
    handler(order_event("o-9"), FakeContext())
    expected = hashlib.sha256(b'"o-9"').hexdigest()
    assert only_record(memory_store).key == f"orders-create#{expected}"


def test_the_default_namespace_is_the_lambda_function_name_and_the_qualified_name(
    memory_store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")
    handler, _ = make_handler(memory_store)
    handler(order_event(), FakeContext())
    assert only_record(memory_store).namespace == "orders-fn.make_handler.<locals>.handler"


def test_key_prefix_replaces_the_function_name_prefix(memory_store: MemoryStore) -> None:
    handler, _ = make_handler(memory_store, key_prefix="v1")
    handler(order_event(), FakeContext())
    assert only_record(memory_store).namespace == "v1.make_handler.<locals>.handler"


def test_one_decorator_object_keeps_each_function_apart(memory_store: MemoryStore) -> None:
    decorate = idempotent(store=memory_store, key="id")

    @decorate
    def one(event: dict[str, Any], context: Any) -> str:
        return "one"

    @decorate
    def two(event: dict[str, Any], context: Any) -> str:
        return "two"

    assert one({"id": 1}, FakeContext()) == "one"
    assert two({"id": 1}, FakeContext()) == "two"
    assert len(memory_store.records) == 2


# -- failures -------------------------------------------------------------------------


def test_an_exception_releases_the_lock_so_a_retry_runs(memory_store: MemoryStore) -> None:
    attempts: list[int] = []

    @idempotent(store=memory_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("downstream failed")
        return "done"

    with pytest.raises(RuntimeError, match="downstream failed"):
        handler({"id": 1}, FakeContext())
    assert memory_store.records == {}
    assert handler({"id": 1}, FakeContext()) == "done"
    assert handler({"id": 1}, FakeContext()) == "done"
    assert len(attempts) == 2


def test_an_invocation_timeout_releases_the_lock(memory_store: MemoryStore) -> None:
    runs: list[int] = []

    @idempotent(store=memory_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> str:
        runs.append(1)
        if len(runs) == 1:
            raise InvocationTimeout(remaining_ms=400)
        return "done"

    with pytest.raises(InvocationTimeout):
        handler({"id": 1}, FakeContext())
    assert memory_store.records == {}
    assert handler({"id": 1}, FakeContext()) == "done"


def test_an_outer_layer_raising_invocation_timeout_after_the_call_keeps_the_result(memory_store: MemoryStore) -> None:
    @middleware
    def guard() -> Middleware:
        def after(call: Any) -> None:
            raise InvocationTimeout()

        return Middleware("guard", after=after)

    @guard
    @idempotent(store=memory_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> str:
        return "done"

    with pytest.raises(InvocationTimeout):
        handler({"id": 1}, FakeContext())
    assert only_record(memory_store).status == COMPLETED


def test_listed_exception_types_are_stored_and_re_raised_on_replay(memory_store: MemoryStore) -> None:
    class DeclinedError(Exception):
        pass

    runs: list[int] = []

    @idempotent(store=memory_store, key="id", store_errors=(DeclinedError,))
    def handler(event: dict[str, Any], context: Any) -> str:
        runs.append(1)
        raise DeclinedError("card declined")

    with pytest.raises(DeclinedError, match="card declined"):
        handler({"id": 1}, FakeContext())
    with pytest.raises(DeclinedError, match=r"DeclinedError raised by an earlier call with key [0-9a-f]{16}"):
        handler({"id": 1}, FakeContext())
    assert len(runs) == 1
    assert only_record(memory_store).status == COMPLETED


def test_a_stored_exception_outcome_holds_its_type_never_its_message(memory_store: MemoryStore) -> None:
    class DeclinedError(Exception):
        pass

    @idempotent(store=memory_store, key="id", store_errors=(DeclinedError,), name="pay")
    def handler(event: dict[str, Any], context: Any) -> str:
        raise DeclinedError("card 4111111111111111 of jane@example.com declined")

    with pytest.raises(DeclinedError, match="4111111111111111"):  # the original, in this call only
        handler({"id": 1}, FakeContext())
    record = only_record(memory_store)
    assert json.loads(record.error or "") == {
        "type": f"{DeclinedError.__module__}.{DeclinedError.__qualname__}",
        "summary": "DeclinedError raised by pay",
    }
    with pytest.raises(DeclinedError) as replayed:
        handler({"id": 1}, FakeContext())
    assert "4111" not in str(replayed.value) and "jane" not in str(replayed.value)
    assert str(replayed.value) == (
        f"pay: DeclinedError raised by an earlier call with key {record.key_hash[:16]} "
        "(replayed; its message is not stored)"
    )


def test_a_message_stored_by_an_earlier_version_is_not_replayed(memory_store: MemoryStore) -> None:
    class DeclinedError(Exception):
        pass

    @idempotent(store=memory_store, key="id", store_errors=(DeclinedError,), name="pay")
    def handler(event: dict[str, Any], context: Any) -> str:
        raise DeclinedError("card 4111111111111111 declined")

    with pytest.raises(DeclinedError):
        handler({"id": 1}, FakeContext())
    key, record = next(iter(memory_store.records.items()))
    kind = f"{DeclinedError.__module__}.{DeclinedError.__qualname__}"
    legacy = json.dumps({"type": kind, "message": "card 4111111111111111 declined"})
    memory_store.records[key] = Record(
        key=record.key, status=COMPLETED, expires_at=record.expires_at, token=record.token, error=legacy
    )
    with pytest.raises(DeclinedError) as replayed:
        handler({"id": 1}, FakeContext())
    assert "4111" not in str(replayed.value)


def test_a_stored_exception_of_a_type_no_longer_listed_is_an_idempotency_error(memory_store: MemoryStore) -> None:
    class DeclinedError(Exception):
        pass

    @idempotent(store=memory_store, key="id", store_errors=(DeclinedError,), name="pay")
    def handler(event: dict[str, Any], context: Any) -> str:
        raise DeclinedError("no")

    @idempotent(store=memory_store, key="id", name="pay")
    def renamed(event: dict[str, Any], context: Any) -> str:
        return "ran"

    with pytest.raises(DeclinedError):
        handler({"id": 1}, FakeContext())
    with pytest.raises(IdempotencyError, match="no longer listed in store_errors"):
        renamed({"id": 1}, FakeContext())


def test_other_exceptions_are_not_stored_when_some_types_are_listed(memory_store: MemoryStore) -> None:
    @idempotent(store=memory_store, key="id", store_errors=(KeyError,))
    def handler(event: dict[str, Any], context: Any) -> str:
        raise ValueError("bad")

    with pytest.raises(ValueError):
        handler({"id": 1}, FakeContext())
    assert memory_store.records == {}


def test_a_result_that_is_not_json_fails_clearly_and_is_never_stored_as_completed(memory_store: MemoryStore) -> None:
    @idempotent(store=memory_store, key="id", name="orders")
    def handler(event: dict[str, Any], context: Any) -> Any:
        return {"when": object()}

    with pytest.raises(IdempotencySerializationError, match=r"orders: the result cannot be stored as JSON \(dict"):
        handler({"id": 1}, FakeContext())
    # The work ran: its lock stays until it expires rather than inviting a second run.
    assert only_record(memory_store).status == INPROGRESS
    with pytest.raises(IdempotencyInProgressError):
        handler({"id": 1}, FakeContext())


def test_a_result_with_a_lone_surrogate_fails_clearly_and_keeps_the_lock(memory_store: MemoryStore) -> None:
    @idempotent(store=memory_store, key="id", name="orders")
    def handler(event: dict[str, Any], context: Any) -> Any:
        return {"name": "broken \ud800 text"}

    with pytest.raises(IdempotencySerializationError, match=r"orders: the result cannot be stored as JSON \(dict"):
        handler({"id": 1}, FakeContext())
    # Like any result that cannot be stored: the work ran, the lock stays until it expires.
    assert only_record(memory_store).status == INPROGRESS
    with pytest.raises(IdempotencyInProgressError):
        handler({"id": 1}, FakeContext())


def test_a_failing_release_is_logged_and_the_function_error_wins(caplog: pytest.LogCaptureFixture) -> None:
    from lambda_toolkit.idempotency import IdempotencyStoreError

    class BrokenRelease(MemoryStore):
        def release(self, record: Record) -> None:
            raise IdempotencyStoreError("DynamoDB DeleteItem on table 't' failed (500)")

    @idempotent(store=BrokenRelease(), key="id")
    def handler(event: dict[str, Any], context: Any) -> str:
        raise RuntimeError("the real problem")

    with caplog.at_level(logging.WARNING, "lambda_toolkit.idempotency"), pytest.raises(RuntimeError, match="real"):
        handler({"id": 1}, FakeContext())
    assert "could not release the idempotency lock" in caplog.text


def test_a_lock_taken_over_while_running_keeps_the_other_result(
    memory_store: MemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    @idempotent(store=memory_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> str:
        # Another invocation took the key over after our lock expired, and completed.
        record = only_record(memory_store)
        memory_store.records[record.key] = Record(
            record.key, COMPLETED, record.expires_at, token="other", result='"theirs"'
        )
        return "ours"

    with caplog.at_level(logging.WARNING, "lambda_toolkit.idempotency"):
        assert handler({"id": 1}, FakeContext()) == "ours"
    assert only_record(memory_store).result == '"theirs"'
    assert "this result was not stored" in caplog.text


# -- in progress ----------------------------------------------------------------------


def test_a_duplicate_of_a_call_in_progress_raises_in_progress(memory_store: MemoryStore) -> None:
    inside = threading.Event()
    release = threading.Event()
    handler_errors: list[BaseException] = []

    @idempotent(store=memory_store, key="id")
    def handler(event: dict[str, Any], context: Any) -> str:
        inside.set()
        release.wait(10)
        return "done"

    def first() -> None:
        try:
            handler({"id": 1}, FakeContext())
        except BaseException as exc:  # pragma: no cover - reported below
            handler_errors.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(10)
    with pytest.raises(IdempotencyInProgressError, match="is in progress in another invocation") as caught:
        handler({"id": 1}, FakeContext())
    release.set()
    thread.join()
    assert not handler_errors
    assert caught.value.key_hash == only_record(memory_store).key_hash
    assert handler({"id": 1}, FakeContext()) == "done"


def test_wait_returns_the_result_of_the_call_in_progress(memory_store: MemoryStore) -> None:
    inside = threading.Event()
    runs: list[int] = []

    @idempotent(store=memory_store, key="id", wait=10)
    def handler(event: dict[str, Any], context: Any) -> str:
        runs.append(1)
        inside.set()
        time.sleep(0.2)
        return "done"

    results: list[str] = []
    thread = threading.Thread(target=lambda: results.append(handler({"id": 1}, FakeContext())))
    thread.start()
    assert inside.wait(10)
    assert handler({"id": 1}, FakeContext()) == "done"
    thread.join()
    assert results == ["done"] and len(runs) == 1


def test_wait_gives_up_with_in_progress_after_its_bound(memory_store: MemoryStore) -> None:
    handler, _ = make_handler(memory_store, key="id", wait=0.05, name="n")
    memory_store.acquire(
        Record("n#" + _digest(1), INPROGRESS, int(time.time()) + 60, int(time.time() * 1000) + 60_000, "t"),
        int(time.time() * 1000),
    )
    with pytest.raises(IdempotencyInProgressError):
        handler({"id": 1}, FakeContext())


def _digest(value: Any) -> str:
    from lambda_toolkit.idempotency._hashing import digest

    return digest(value)


def test_a_lock_left_by_a_crashed_sandbox_ends_at_its_expiry(memory_store: MemoryStore) -> None:
    handler, runs = make_handler(memory_store, key="id", name="n")
    now = time.time()
    stale = Record("n#" + _digest(1), INPROGRESS, int(now) + 3600, int(now * 1000) - 1, "crashed")
    memory_store.records[stale.key] = stale
    handler({"id": 1}, FakeContext())
    assert len(runs) == 1
    assert only_record(memory_store).status == COMPLETED


def test_an_expired_result_is_not_replayed(memory_store: MemoryStore) -> None:
    handler, runs = make_handler(memory_store, key="id", name="n")
    old = Record("n#" + _digest(1), COMPLETED, int(time.time()) - 1, None, "old", result='"old"')
    memory_store.records[old.key] = old
    assert handler({"id": 1}, FakeContext())["statusCode"] == 201
    assert len(runs) == 1


def test_the_result_expires_after_expires_after_seconds(memory_store: MemoryStore) -> None:
    handler, _ = make_handler(memory_store, key="id", expires_after=120)
    before = time.time()
    handler({"id": 1}, FakeContext())
    assert before + 120 <= only_record(memory_store).expires_at <= time.time() + 121


# -- the lock's expiry ----------------------------------------------------------------


def lock_of(store: MemoryStore, context: Any, **options: Any) -> Record:
    seen: list[Record] = []

    @idempotent(store=store, key="id", **options)
    def handler(event: dict[str, Any], context: Any) -> str:
        seen.append(only_record(store))
        return "ok"

    handler({"id": 1}, context)
    return seen[0]


def test_the_lock_expires_at_the_invocation_deadline(memory_store: MemoryStore) -> None:
    before_ms = time.time() * 1000
    record = lock_of(memory_store, FakeContext(timeout_ms=5000))
    assert record.status == INPROGRESS
    assert record.lock_expires_at_ms is not None
    assert before_ms + 4000 <= record.lock_expires_at_ms <= time.time() * 1000 + 5001


def test_when_the_remaining_time_reads_zero_the_in_progress_timeout_applies(memory_store: MemoryStore) -> None:
    clock = FakeClock()
    context = FakeContext(timeout_ms=1000, clock=clock)
    clock.advance(ms=5000)
    before_ms = time.time() * 1000
    record = lock_of(memory_store, context, in_progress_timeout=30)
    assert record.lock_expires_at_ms is not None
    assert before_ms + 30_000 <= record.lock_expires_at_ms <= time.time() * 1000 + 30_001


def test_when_the_context_gives_no_deadline_the_in_progress_timeout_applies(memory_store: MemoryStore) -> None:
    class NoClock(FakeContext):
        def get_remaining_time_in_millis(self) -> int:
            raise RuntimeError("unknown")

    before_ms = time.time() * 1000
    record = lock_of(memory_store, NoClock(), in_progress_timeout=45)
    assert record.lock_expires_at_ms is not None
    assert before_ms + 45_000 <= record.lock_expires_at_ms <= time.time() * 1000 + 45_001


def test_a_completed_record_has_no_lock_expiry(memory_store: MemoryStore) -> None:
    handler, _ = make_handler(memory_store, key="id")
    handler({"id": 1}, FakeContext())
    assert only_record(memory_store).lock_expires_at_ms is None


# -- payload validation ---------------------------------------------------------------


def test_the_same_key_with_another_payload_is_a_mismatch(memory_store: MemoryStore) -> None:
    handler, runs = make_handler(memory_store, payload="json_decode(body).amount")
    handler(order_event("o-1", amount=10), FakeContext())
    assert handler(order_event("o-1", amount=10), FakeContext())["statusCode"] == 201
    with pytest.raises(IdempotencyPayloadMismatchError, match="was used before with a different payload") as caught:
        handler(order_event("o-1", amount=99), FakeContext())
    assert len(runs) == 1
    assert "99" not in str(caught.value)


def test_a_mismatch_is_raised_also_while_the_first_call_is_in_progress(memory_store: MemoryStore) -> None:
    @idempotent(store=memory_store, key="id", payload="amount")
    def handler(event: dict[str, Any], context: Any) -> str:
        with pytest.raises(IdempotencyPayloadMismatchError):
            handler({"id": 1, "amount": 2}, FakeContext())
        return "ok"

    assert handler({"id": 1, "amount": 1}, FakeContext()) == "ok"


def test_a_payload_expression_finding_nothing_hashes_as_null(memory_store: MemoryStore) -> None:
    handler, runs = make_handler(memory_store, key="id", payload="amount")
    handler({"id": 1}, FakeContext())
    handler({"id": 1}, FakeContext())
    with pytest.raises(IdempotencyPayloadMismatchError):
        handler({"id": 1, "amount": 3}, FakeContext())
    assert len(runs) == 1


def test_records_from_before_payload_validation_was_switched_on_or_off_still_replay(memory_store: MemoryStore) -> None:
    plain, runs = make_handler(memory_store, name="n")
    validated, _ = make_handler(memory_store, name="n", payload="body")
    plain(order_event("a"), FakeContext())
    assert validated(order_event("a", amount=2), FakeContext())["statusCode"] == 201
    validated(order_event("b"), FakeContext())
    assert plain(order_event("b", amount=3), FakeContext())["statusCode"] == 201
    assert len(runs) == 1


# -- replay hook ----------------------------------------------------------------------


def test_replayed_header_marks_only_replayed_http_responses(memory_store: MemoryStore) -> None:
    handler, _ = make_handler(memory_store, on_replay=replayed_header())
    first = handler(order_event(), FakeContext())
    again = handler(order_event(), FakeContext())
    assert "headers" not in first
    assert again["headers"] == {"Idempotency-Replayed": "true"}
    assert again["body"] == first["body"]


def test_replayed_header_keeps_existing_headers_and_leaves_other_values_alone() -> None:
    add = replayed_header("X-Replayed", value="1")
    response = {"statusCode": 200, "headers": {"Content-Type": "application/json"}}
    assert add(response)["headers"] == {"Content-Type": "application/json", "X-Replayed": "1"}
    assert response["headers"] == {"Content-Type": "application/json"}
    assert add("plain") == "plain"


def test_on_replay_receives_the_rebuilt_value(memory_store: MemoryStore) -> None:
    seen: list[Any] = []

    def on_replay(value: Any) -> str:
        seen.append(value)
        return "changed"

    handler, _ = make_handler(memory_store, on_replay=on_replay)
    handler(order_event(), FakeContext())
    assert handler(order_event(), FakeContext()) == "changed"
    assert seen == [{"statusCode": 201, "body": '{"run": 1}'}]


# -- keys that find nothing -----------------------------------------------------------


def test_a_key_that_finds_nothing_raises_key_error_by_default(memory_store: MemoryStore) -> None:
    handler, runs = make_handler(memory_store, name="orders")
    with pytest.raises(IdempotencyKeyError, match="orders: the idempotency key expression found nothing"):
        handler({"body": "{}"}, FakeContext())
    assert runs == [] and memory_store.records == {}


def test_a_key_that_finds_nothing_can_run_without_idempotency_with_a_warning(
    memory_store: MemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    handler, runs = make_handler(memory_store, on_missing_key="warn")
    with caplog.at_level(logging.WARNING, "lambda_toolkit.idempotency"):
        handler({"body": "{}"}, FakeContext())
        handler({"body": "{}"}, FakeContext())
    assert len(runs) == 2 and memory_store.records == {}
    assert "running without idempotency" in caplog.text


def test_a_callable_key_returning_something_that_is_not_json_is_a_key_error(memory_store: MemoryStore) -> None:
    handler, _ = make_handler(memory_store, key=lambda event: object())
    with pytest.raises(IdempotencyKeyError, match="not JSON data"):
        handler({}, FakeContext())


# -- setup errors ---------------------------------------------------------------------


def test_an_invalid_jmespath_expression_fails_at_decoration_time(memory_store: MemoryStore) -> None:
    with pytest.raises(IdempotencyConfigurationError, match=r"'body\.\[' is not a valid JMESPath expression"):
        idempotent(store=memory_store, key="body.[")
    with pytest.raises(IdempotencyConfigurationError, match="payload"):
        idempotent(store=memory_store, key="id", payload="a..b")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"store": object()}, "store must have acquire/complete/release"),
        ({"key": 42}, "key must be a JMESPath string"),
        ({"key": []}, "key must be a JMESPath string"),
        ({"expires_after": 0}, r"idempotency expires_after must be a finite number of seconds > 0, got 0$"),
        ({"expires_after": "1h"}, r"idempotency expires_after must be a finite number of seconds > 0, got a str$"),
        ({"expires_after": float("nan")}, r"expires_after must be a finite number of seconds > 0, got nan$"),
        ({"expires_after": True}, r"expires_after must be a finite number of seconds > 0, got a bool$"),
        ({"in_progress_timeout": -1}, r"in_progress_timeout must be a finite number of seconds > 0, got -1$"),
        ({"in_progress_timeout": float("inf")}, r"in_progress_timeout must be a finite number of seconds > 0"),
        ({"wait": -1}, r"idempotency wait must be a finite number of seconds >= 0, got -1$"),
        ({"wait": float("nan")}, r"idempotency wait must be a finite number of seconds >= 0, got nan$"),
        ({"on_missing_key": "ignore"}, "on_missing_key must be 'raise' or 'warn'"),
        ({"store_errors": ValueError}, "store_errors must be a tuple"),
        ({"name": ""}, "name must be a non-empty string"),
        ({"on_replay": "header"}, "on_replay must be a callable"),
    ],
)
def test_bad_options_fail_at_setup(memory_store: MemoryStore, options: dict[str, Any], message: str) -> None:
    with pytest.raises(IdempotencyConfigurationError, match=message):
        idempotent(**{"store": memory_store, **options})


def test_the_store_is_required_and_unknown_options_fail_at_setup(memory_store: MemoryStore) -> None:
    with pytest.raises(ConfigurationError, match="store"):

        @idempotent  # type: ignore[call-arg, arg-type]  # mypy sees the missing store too
        def handler(event: Any, context: Any) -> None: ...

    with pytest.raises(ConfigurationError, match="ttl"):
        idempotent(store=memory_store, ttl=5)  # type: ignore[call-arg]


def test_a_handler_must_be_called_with_a_context(memory_store: MemoryStore) -> None:
    from lambda_toolkit.core import InvalidContextError

    handler, _ = make_handler(memory_store)
    with pytest.raises(InvalidContextError):
        handler(order_event())


def test_generator_functions_are_refused(memory_store: MemoryStore) -> None:
    from lambda_toolkit.idempotency import idempotent_function

    @idempotent_function(store=memory_store, key="id")
    def numbers(item: dict[str, Any]) -> Any:
        yield 1

    with pytest.raises(IdempotencyConfigurationError, match="cannot wrap generator function"):
        list(numbers({"id": 1}))


# -- async ----------------------------------------------------------------------------


def test_async_handlers_run_once_per_key(memory_store: MemoryStore) -> None:
    runs: list[int] = []

    @idempotent(store=memory_store, key="id")
    async def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
        runs.append(1)
        return {"n": len(runs)}

    assert asyncio.run(handler({"id": 1}, FakeContext())) == {"n": 1}
    assert asyncio.run(handler({"id": 1}, FakeContext())) == {"n": 1}
    assert len(runs) == 1


# -- stacked layers -------------------------------------------------------------------


def test_two_stacked_idempotent_layers_each_keep_their_own_lock(caplog: pytest.LogCaptureFixture) -> None:
    outer_store, inner_store = MemoryStore(), MemoryStore()
    runs: list[str] = []

    @idempotent(store=outer_store, key="json_decode(body).order_id")
    @idempotent(store=inner_store, key="requestContext.requestId")
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        runs.append("ran")
        return {"statusCode": 200, "body": "done"}

    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.idempotency"):
        assert handler(order_event(), FakeContext()) == {"statusCode": 200, "body": "done"}
    assert only_record(outer_store).status == COMPLETED
    assert only_record(inner_store).status == COMPLETED
    assert "lock expired" not in caplog.text
    # and both replay: the function ran once
    assert handler(order_event(), FakeContext()) == {"statusCode": 200, "body": "done"}
    assert runs == ["ran"]


def test_the_lock_expiry_follows_the_fake_clock_of_the_context(memory_store: MemoryStore) -> None:
    clock = FakeClock()
    context = FakeContext(timeout_ms=60_000, clock=clock)
    clock.advance(seconds=50)  # 10 s of the invocation are left
    handler, _ = make_handler(memory_store, in_progress_timeout=3600)
    seen: dict[str, int] = {}

    def spy(record: Record, now_ms: int) -> Record | None:
        assert record.lock_expires_at_ms is not None
        seen["lock_ms"] = record.lock_expires_at_ms - now_ms
        return acquire(record, now_ms)

    acquire = memory_store.acquire
    memory_store.acquire = spy  # type: ignore[method-assign]
    handler(order_event(), context)
    assert 9_990 <= seen["lock_ms"] <= 10_010  # the remaining time on the fake clock, not 60 s
