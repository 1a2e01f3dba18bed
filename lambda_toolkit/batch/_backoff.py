"""Per-message retry backoff for SQS: failed messages come back later, and later again.

Without it a failed message becomes visible again when the queue's visibility timeout
ends, so during an outage every message is retried at that fixed interval and reaches
the queue's ``maxReceiveCount`` (and the dead-letter queue) within minutes. With it,
each failed message gets its own visibility timeout, drawn from its
``ApproximateReceiveCount`` with exponential growth and full jitter::

    ceiling = min(cap, base_seconds * 2 ** (receive_count - 1))
    delay   = a whole number of seconds drawn uniformly from 0..ceiling

and set through ``ChangeMessageVisibilityBatch`` (ten messages per call, the API's
limit), before the handler answers ``batchItemFailures``. SQS allows a message at most
12 hours (43,200 s) of visibility timeout counted from its receipt: the cap is
``max_seconds`` less the time the invocation has already run.

Changing visibility is a best effort that never costs the failure report: a call that
fails, or entries SQS refuses, are logged at WARNING (message ids and error codes, never
bodies or receipt handles) and those messages keep the queue's visibility timeout.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable, Mapping
from threading import Lock

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.state import current_invocation, on_restore

# typing costs milliseconds at cold start: type names are for type checkers only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from lambda_toolkit.batch._outcome import BatchOutcome

__all__ = ["MAX_VISIBILITY_S", "Backoff", "apply_backoff", "backoff_outcome", "queue_url_from_arn"]

MAX_VISIBILITY_S = 43200
"""SQS's limit on a message's visibility timeout: 12 hours from when it was received."""

_BATCH_LIMIT = 10  # entries per ChangeMessageVisibilityBatch call
# Exponents past this overflow nothing useful: base_seconds * 2**40 dwarfs any cap.
_MAX_EXPONENT = 40
# Reasons of failures that back off: records that ran and failed. Records never started
# (skipped behind a FIFO failure, out of time) are not at fault and keep the queue's timeout.
BACKED_OFF_REASONS = frozenset({"error", "invalid"})
_DOMAINS = {"aws-cn": "amazonaws.com.cn"}

log = logging.getLogger("lambda_toolkit.batch")


class Backoff:
    """Options of the SQS retry backoff (``@batch("sqs", backoff=Backoff())``).

    ``base_seconds``: the ceiling of the first retry's delay; it doubles with each
    receive (default 30). ``max_seconds``: the largest delay (default and at most
    43,200, SQS's 12-hour limit). ``queue_url``: the queue's URL when it cannot be
    derived from the records' ``eventSourceARN`` (a VPC endpoint, a proxy). ``client``:
    the boto3 SQS client to call (default: one per region, made on first use from the
    package's shared session, its calls bound to the invocation's deadline).
    ``random``: a function returning a float in [0, 1), for tests (default
    ``random.random``).
    """

    __slots__ = ("base_seconds", "client", "max_seconds", "queue_url", "random")

    def __init__(
        self,
        *,
        base_seconds: float = 30,
        max_seconds: int = MAX_VISIBILITY_S,
        queue_url: str | None = None,
        client: Any = None,
        random: Callable[[], float] | None = None,
    ) -> None:
        if isinstance(base_seconds, bool) or not isinstance(base_seconds, (int, float)) or not base_seconds > 0:
            raise ConfigurationError("Backoff: base_seconds must be a number > 0")
        if isinstance(max_seconds, bool) or not isinstance(max_seconds, int) or not 0 < max_seconds <= MAX_VISIBILITY_S:
            raise ConfigurationError(f"Backoff: max_seconds must be a whole number from 1 to {MAX_VISIBILITY_S}")
        if queue_url is not None and (not isinstance(queue_url, str) or not queue_url.startswith("https://")):
            raise ConfigurationError("Backoff: queue_url must be an https:// SQS queue URL")
        if random is not None and not callable(random):
            raise ConfigurationError("Backoff: random must be a function returning a float in [0, 1)")
        if client is not None and not callable(getattr(client, "change_message_visibility_batch", None)):
            raise ConfigurationError("Backoff: client must be a boto3 SQS client")
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self.queue_url = queue_url
        self.client = client
        self.random = random

    def delay(self, receive_count: int, cap: int | None = None) -> int:
        """The visibility timeout (seconds) for a message received ``receive_count`` times:
        full jitter over ``min(cap, base_seconds * 2 ** (receive_count - 1))``."""
        limit = self.max_seconds if cap is None else max(0, min(cap, self.max_seconds))
        exponent = min(max(receive_count, 1) - 1, _MAX_EXPONENT)
        ceiling = min(limit, math.floor(self.base_seconds * float(1 << exponent)))
        draw = self._draw()
        # floor(u * (ceiling + 1)) is uniform over 0..ceiling for u uniform in [0, 1)
        return min(ceiling, max(0, math.floor(draw * (ceiling + 1))))

    def _draw(self) -> float:
        draw = self.random
        if draw is None:
            import random  # on first use: a worker that never fails never loads it

            draw = random.random
        return float(draw())

    def __repr__(self) -> str:
        return (
            f"Backoff(base_seconds={self.base_seconds!r}, max_seconds={self.max_seconds!r}, "
            f"queue_url={'set' if self.queue_url else None})"
        )


def queue_url_from_arn(arn: str) -> str | None:
    """The queue URL of an SQS queue ARN (``arn:PARTITION:sqs:REGION:ACCOUNT:NAME`` ->
    ``https://sqs.REGION.amazonaws.com/ACCOUNT/NAME``; ``amazonaws.com.cn`` in China),
    or None when ``arn`` is not a queue ARN."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs" or not all(parts[3:]):
        return None
    partition, region, account, name = parts[1], parts[3], parts[4], parts[5]
    return f"https://sqs.{region}.{_DOMAINS.get(partition, 'amazonaws.com')}/{account}/{name}"


def _region_of(record: Mapping[str, Any]) -> str | None:
    arn = record.get("eventSourceARN")
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) == 6 and parts[3]:
        return parts[3]
    region = record.get("awsRegion")
    return region if isinstance(region, str) and region else None


def _receive_count(record: Mapping[str, Any]) -> int:
    attributes = record.get("attributes")
    value = attributes.get("ApproximateReceiveCount") if isinstance(attributes, Mapping) else None
    try:
        return max(1, int(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1  # missing or malformed: treat it as the first receive


_clients: dict[str | None, Any] = {}
_clients_lock = Lock()


def _default_client(region: str | None) -> Any:
    client = _clients.get(region)
    if client is None:
        with _clients_lock:
            client = _clients.get(region)
            if client is None:
                from botocore.config import Config

                from lambda_toolkit.core.aws import aws_client

                # short timeouts: the failure report must not wait long for a best effort
                config = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=5)
                client = _clients[region] = aws_client("sqs", region_name=region, config=config)
    return client


@on_restore  # a restored SnapStart sandbox: the snapshot's connections are dead
def reset_clients() -> None:
    """Forget the default clients (for tests: a client made outside ``mock_aws`` is not
    mocked; after a SnapStart restore)."""
    with _clients_lock:
        _clients.clear()


def _clients_after_fork() -> None:
    # A forked child must not share the parent's connections (Lambda Managed Instances
    # fork their workers); the lock is new: another thread may have held it at the fork.
    global _clients_lock
    _clients_lock = Lock()
    _clients.clear()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_clients_after_fork)


def _cap_now() -> int:
    """The longest visibility timeout SQS accepts now: 12 hours less the time since the
    message was received, of which the invocation's running time is the part known here."""
    invocation = current_invocation()
    elapsed_s = 0 if invocation is None else math.ceil(max(0.0, invocation.elapsed_ms()) / 1000.0)
    return max(0, MAX_VISIBILITY_S - elapsed_s - 1)  # one second for the call's own travel


def _queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def apply_backoff(options: Backoff, records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Set the visibility timeout of each SQS record in ``records`` from its receive count.

    Returns ``{messageId: seconds}`` for the messages SQS accepted. Never raises an
    ``Exception``: whatever goes wrong is logged at WARNING, and those messages keep the
    queue's visibility timeout.
    """
    cap = _cap_now()
    # queue URL -> (region, [(messageId, receiptHandle, seconds)])
    queues: dict[str, tuple[str | None, list[tuple[str, str, int]]]] = {}
    unroutable: list[str] = []
    for record in records:
        message_id = str(record.get("messageId", "?"))
        handle = record.get("receiptHandle")
        url = options.queue_url or queue_url_from_arn(record.get("eventSourceARN", ""))
        if url is None or not isinstance(handle, str) or not handle:
            unroutable.append(message_id)
            continue
        entry = (message_id, handle, options.delay(_receive_count(record), cap))
        queues.setdefault(url, (_region_of(record), []))[1].append(entry)
    if unroutable:
        log.warning(
            "batch backoff: %d message(s) have no queue ARN or receipt handle to change their visibility "
            "(pass Backoff(queue_url=...)); they keep the queue's visibility timeout: %s",
            len(unroutable),
            ", ".join(unroutable),
        )
    applied: dict[str, int] = {}
    for url, (region, entries) in queues.items():
        for start in range(0, len(entries), _BATCH_LIMIT):
            applied.update(_change_visibility(options, url, region, entries[start : start + _BATCH_LIMIT]))
    return applied


def _change_visibility(
    options: Backoff, url: str, region: str | None, entries: list[tuple[str, str, int]]
) -> dict[str, int]:
    request = [
        {"Id": f"m{index}", "ReceiptHandle": handle, "VisibilityTimeout": seconds}
        for index, (_, handle, seconds) in enumerate(entries)
    ]
    try:
        client = options.client if options.client is not None else _default_client(region)
        answer = client.change_message_visibility_batch(QueueUrl=url, Entries=request)
    except Exception as exc:  # a best effort: the failure report goes out whatever happens here
        log.warning(
            "batch backoff: ChangeMessageVisibilityBatch on queue %s failed (%s); %d message(s) keep the "
            "queue's visibility timeout: %s",
            _queue_name(url),
            _error_code(exc),
            len(entries),
            ", ".join(message_id for message_id, _, _ in entries),
        )
        return {}
    by_id = {f"m{index}": entry for index, entry in enumerate(entries)}
    refused = {str(item.get("Id")): str(item.get("Code", "unknown")) for item in answer.get("Failed", ())}
    if refused:
        named = ", ".join(f"{by_id[key][0] if key in by_id else '?'} ({code})" for key, code in refused.items())
        log.warning(
            "batch backoff: SQS refused %d visibility change(s) on queue %s; those messages keep the queue's "
            "visibility timeout: %s",
            len(refused),
            _queue_name(url),
            named,
        )
    return {entry[0]: entry[2] for key, entry in by_id.items() if key not in refused}


def _error_code(exc: Exception) -> str:
    """A botocore error's code, or the exception's type name: never its message, which
    may quote request parameters."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


def backoff_outcome(options: Backoff, outcome: BatchOutcome) -> dict[str, int]:
    """Back off the failed records of an SQS batch that ran and failed (reasons
    ``error`` and ``invalid``); returns ``{messageId: seconds}`` as ``apply_backoff``."""
    failed = [failure.record for failure in outcome.failures if failure.reason in BACKED_OFF_REASONS]
    return apply_backoff(options, failed) if failed else {}
