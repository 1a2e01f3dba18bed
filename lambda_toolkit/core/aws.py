"""AWS SDK clients for the package: one shared boto3 session, clients bound to the deadline.

Every boto3 ``Session`` loads botocore's endpoint and partition data anew, which costs
tens of milliseconds at cold start; utilities that need AWS clients (idempotency,
parameters) take them from this one session instead of each making its own. A session
is not thread-safe, so clients are created under a lock; the clients themselves are.

Utilities hold their client through a ``LazyClient``: nothing is made until the first
request, and then one client per (service, region, endpoint) serves every holder of the
process (a client costs milliseconds and memory; two stores of one table need one).
``use_client`` puts a client of the caller's in that place (tests), and
``reset_clients`` forgets every client made so far, so the next request of each holder
makes a new one: after a SnapStart restore (credentials and connections of the snapshot
are stale), or when a test starts ``moto``.

Every client made here goes through ``protect``, which binds its calls to the current
invocation's deadline:

- an ``InvocationTimeout`` raised into a call (``timeout_guard`` interrupting a socket
  read) leaves the call as itself: botocore would otherwise wrap it in an
  ``HTTPClientError`` and, in its standard retry mode, retry the request;
- each attempt's connect and read timeouts are at most the time left before the
  deadline less ``CALL_RESERVE_MS``, and no retry starts once that point has passed, so
  a call to a hung endpoint gives control back with time to clean up. Outside an
  invocation (or with a context that cannot tell its remaining time) the client's own
  timeouts apply;
- where the guard cannot interrupt (its cooperative mode, a handler on another thread),
  it tells ``interrupt_calls_at`` its instant: attempts end then, and the first call cut
  by it raises ``InvocationTimeout``, as the interruption would have; the calls made
  after it (cleanup) have the time up to the reserve again.
"""

from __future__ import annotations

import os
import time
from threading import Lock

from lambda_toolkit.core.env import io_threads
from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.core.state import current_invocation, on_restore

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from lambda_toolkit.core.state import Invocation

    C = TypeVar("C")

__all__ = [
    "CALL_RESERVE_MS",
    "LazyClient",
    "aws_client",
    "call_budget_s",
    "interrupt_calls_at",
    "protect",
    "reset_clients",
    "reset_session",
    "shared_client",
    "use_client",
]

#: Time kept free at the end of an invocation: SDK calls of protected clients end before it.
CALL_RESERVE_MS = 100
_RESERVE_S = CALL_RESERVE_MS / 1000.0
# urllib3 refuses a timeout of 0; an attempt started past the stop point fails at once.
_MIN_TIMEOUT_S = 0.001
_HOOK_ID = "lambda_toolkit.deadline"

_lock = Lock()
_session: Any = None
_timeout_class: Any = None
# The clients LazyClient holders share, by (service, region, endpoint_url); ``_generation``
# counts the resets: a holder whose client is of an older generation makes a new one.
_shared: dict[tuple[str, str | None, str | None], Any] = {}
_generation = 0

# The package's requests are retried with backoff (botocore's standard mode) and, inside an
# invocation, bounded by its deadline anyway (``protect``). DynamoDB requests are built whole
# by the package: botocore's client-side check of every parameter would only repeat the
# service's own, at a cost on each request.
_CONNECT_TIMEOUT_S = 5
_READ_TIMEOUT_S = 10
_UNVALIDATED = frozenset({"dynamodb"})


def aws_client(service: str, **options: Any) -> Any:
    """A new boto3 client for ``service`` from the package's shared session, protected
    (see ``protect``); boto3 is imported here, on first use, never at import."""
    with _lock:
        return _make_client(service, **options)


def _make_client(service: str, **options: Any) -> Any:
    """A new protected client (the caller holds ``_lock``: a session is not thread-safe)."""
    global _session
    if _session is None:
        import boto3

        _session = boto3.session.Session()
    return protect(_session.client(service, **options))


def shared_client(service: str, *, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """The package's client of ``service`` for ``region`` and ``endpoint_url`` (None: the
    environment's), made on the first call and the same one afterwards until
    ``reset_clients``. Its configuration is the package's: standard retries, 5 s to
    connect, 10 s to read, each capped by the invocation's deadline (``protect``), and a
    connection pool as large as the I/O threads (``core.env.io_threads``)."""
    key = (service, region, endpoint_url)
    client = _shared.get(key)
    if client is not None:
        return client
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard"},
        connect_timeout=_CONNECT_TIMEOUT_S,
        read_timeout=_READ_TIMEOUT_S,
        parameter_validation=service not in _UNVALIDATED,
        # async code calls one client from up to this many I/O threads at once
        max_pool_connections=io_threads(),
    )
    with _lock:
        client = _shared.get(key)  # another thread may have made it while this one waited
        if client is None:
            client = _make_client(service, region_name=region, endpoint_url=endpoint_url, config=config)
            _shared[key] = client
    return client


def use_client(service: str, client: Any, *, region: str | None = None, endpoint_url: str | None = None) -> None:
    """Make ``client`` the shared client of ``service`` (and ``region``, ``endpoint_url``):
    every ``LazyClient`` of that key uses it from its next request, until ``reset_clients``.
    For tests (a stubbed client, one under ``moto``); the client is used as given."""
    global _generation
    with _lock:
        _shared[(service, region, endpoint_url)] = client
        _generation += 1


def reset_clients() -> None:
    """Forget the shared session and every client made from it: each ``LazyClient`` makes
    a new one at its next request. Call it after a SnapStart restore, or in tests (a
    client made before ``moto.mock_aws`` started would not be mocked). Clients handed to
    a holder explicitly (``LazyClient(client=...)``) are the caller's and are kept."""
    global _session, _generation
    with _lock:
        _session = None
        _shared.clear()
        _generation += 1


# A restored SnapStart sandbox: the snapshot's connections are dead and its credentials
# may have expired; the next request of each holder makes a new client.
on_restore(reset_clients)

#: The earlier name of ``reset_clients`` (it forgets the clients too, not only the session).
reset_session = reset_clients


def _clients_after_fork() -> None:
    # The parent's clients hold its open connections: a forked child using them would
    # share sockets with the parent and read the answers to its requests. The lock is new:
    # another thread of the parent may have held it at the fork.
    global _lock, _session, _generation
    _lock = Lock()
    _session = None
    _shared.clear()
    _generation += 1


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_clients_after_fork)


class LazyClient:
    """The boto3 client of one user of AWS (a store, a provider), made on first use.

    ``get()`` gives ``client`` when one was given, else the shared client of ``service``
    for ``region`` and ``endpoint_url`` (``shared_client``), looked up once and again after
    ``reset_clients`` or ``use_client``. Creation is thread-safe; the hot path is two
    attribute reads and a comparison. ``replace`` swaps the client of this holder alone.
    """

    __slots__ = ("_given", "_made", "endpoint_url", "region", "service")

    def __init__(
        self, service: str, *, client: Any = None, region: str | None = None, endpoint_url: str | None = None
    ) -> None:
        self.service = service
        self.region = region
        self.endpoint_url = endpoint_url
        self._given = client
        self._made: tuple[int, Any] | None = None

    def get(self) -> Any:
        """The client (made now if it was not yet)."""
        given = self._given
        if given is not None:
            return given
        made = self._made
        if made is not None and made[0] == _generation:
            return made[1]
        generation = _generation  # read before the lookup: a reset during it is seen next time
        client = shared_client(self.service, region=self.region, endpoint_url=self.endpoint_url)
        self._made = (generation, client)
        return client

    @property
    def made(self) -> bool:
        """True once a client was given or looked up (and not reset since)."""
        return self._given is not None or (self._made is not None and self._made[0] == _generation)

    def replace(self, client: Any) -> None:
        """Use ``client`` from now on (None: the shared client again)."""
        self._given = client
        self._made = None

    def __repr__(self) -> str:
        return f"LazyClient({self.service!r}, region={self.region!r}, endpoint_url={self.endpoint_url!r})"


def call_budget_s() -> float | None:
    """Seconds an SDK call may take now: the time left before the current invocation's
    deadline less ``CALL_RESERVE_MS`` (at least a millisecond), or before a cooperative
    guard's instant while it is ahead; None outside an invocation or when its deadline is
    unknown."""
    invocation = current_invocation()
    if invocation is None:
        return None
    remaining_ms = invocation.remaining_ms()  # on the context's clock (a test's FakeClock)
    if remaining_ms is None:
        return None
    budget = remaining_ms / 1000.0 - _RESERVE_S
    interrupt_at = invocation.calls_interrupt_at
    if interrupt_at is not None:  # a real-time instant: the guard's timer is real
        until_interrupt = interrupt_at - time.monotonic()
        if 0 < until_interrupt < budget:
            budget = until_interrupt
    return max(budget, _MIN_TIMEOUT_S)


def interrupt_calls_at(invocation: Invocation, at: float | None) -> float | None:
    """Make protected calls of ``invocation`` stop at the monotonic instant ``at`` (the
    earliest one wins; None clears); returns the instant set before, to restore after.

    For a guard that cannot interrupt the handler (no signal in its thread): an attempt
    in progress at ``at`` times out then, and the call raises ``InvocationTimeout``.
    """
    previous = invocation.calls_interrupt_at
    if at is not None and previous is not None:
        at = min(at, previous)
    invocation.calls_interrupt_at = at
    return previous


def protect(client: C) -> C:
    """Bind a boto3 client's calls to the current invocation's deadline; returns the client.

    The package's own clients are protected already; call it on your own clients
    (``s3 = protect(boto3.client("s3"))``) so that ``timeout_guard`` can stop their calls:
    the guard's ``InvocationTimeout`` then leaves the call unwrapped and unretried, each
    attempt's connect and read timeouts end ``CALL_RESERVE_MS`` before the deadline, and
    no retry starts past that point. Protecting a client twice changes nothing.
    """
    meta: Any = getattr(client, "meta", None)
    events = getattr(meta, "events", None)
    if events is None or not hasattr(events, "register_first"):
        raise ConfigurationError(f"protect: expected a boto3 client, got {type(client).__name__}")
    service_id = meta.service_model.service_id.hyphenize()
    # First, so that the interruption leaves before botocore's retry handler counts it.
    events.register_first(f"needs-retry.{service_id}", _stop_retries, unique_id=_HOOK_ID)
    _cap_timeouts(client)
    return client


def _interruption_in(error: BaseException | None) -> InvocationTimeout | None:
    """The InvocationTimeout that ``error`` is, or wraps (botocore keeps it in ``kwargs``).

    ``__context__`` is not followed: a call made while an interruption is being handled
    (cleanup in an ``except`` block) has it there without having been interrupted.
    """
    for _ in range(8):  # a wrapping chain is short; never loop on a cycle
        if error is None or isinstance(error, InvocationTimeout):
            return error
        kwargs = getattr(error, "kwargs", None)
        inner = kwargs.get("error") if isinstance(kwargs, dict) else None
        error = inner if isinstance(inner, BaseException) else error.__cause__
    return None


def _stop_retries(caught_exception: BaseException | None = None, **_: Any) -> None:
    """botocore's ``needs-retry`` event: after every attempt, before any retry."""
    if caught_exception is None:
        return
    interruption = _interruption_in(caught_exception)
    if interruption is not None:
        raise interruption
    invocation = current_invocation()
    if invocation is not None:
        interrupt_at = invocation.calls_interrupt_at
        if interrupt_at is not None and time.monotonic() >= interrupt_at - _MIN_TIMEOUT_S:
            invocation.calls_interrupt_at = None  # once: the cleanup calls that follow run normally
            raise InvocationTimeout(
                "AWS SDK call stopped at the timeout guard's margin", remaining_ms=invocation.remaining_ms()
            ) from caught_exception
    budget = call_budget_s()
    if budget is not None and budget <= _MIN_TIMEOUT_S:
        raise caught_exception  # no time for another attempt: the error as botocore gives it


def _deadline_timeout_class() -> Any:
    """urllib3's Timeout, capped by ``call_budget_s`` each time a request takes its copy."""
    global _timeout_class
    if _timeout_class is not None:
        return _timeout_class
    from urllib3.util.timeout import Timeout

    class DeadlineTimeout(Timeout):
        # A connection pool calls clone() for every request (in the requesting thread,
        # so the invocation read is the caller's): the cap is computed then.
        def clone(self) -> Timeout:
            budget = call_budget_s()
            return Timeout(connect=_capped(super().connect_timeout, budget), read=_capped(self._read, budget))

        @property
        def connect_timeout(self) -> Any:
            return _capped(super().connect_timeout, call_budget_s())

    _timeout_class = DeadlineTimeout
    return DeadlineTimeout


def _capped(value: Any, budget: float | None) -> Any:
    if budget is None:
        return value
    if isinstance(value, (int, float)):
        return min(value, budget)
    return budget  # no timeout (None) or urllib3's "default" sentinel


def _cap_timeouts(client: Any) -> None:
    """Give the client's connection pools a deadline-capped timeout.

    botocore has no public per-request timeout, so this reaches into its HTTP session
    (``_endpoint.http_session``): where that is not found (another botocore layout), the
    client keeps its configured timeouts and only the retry hook applies.
    """
    http: Any = getattr(getattr(client, "_endpoint", None), "http_session", None)
    configured = getattr(http, "_timeout", None)
    timeout_class = _deadline_timeout_class()
    if configured is None or isinstance(configured, timeout_class):
        return
    try:
        capped = timeout_class(connect=configured.connect_timeout, read=configured.read_timeout)
        managers = [http._manager, *http._proxy_managers.values()]
    except (AttributeError, TypeError, ValueError):
        return
    http._timeout = capped  # proxy managers made later read it
    for manager in managers:
        manager.connection_pool_kw["timeout"] = capped
        for key in manager.pools.keys():  # noqa: SIM118 (urllib3's container refuses iteration)
            pool = manager.pools.get(key)
            if pool is not None:
                pool.timeout = capped
