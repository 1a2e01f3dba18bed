"""One boto3 session for the whole package, created on first use.

Every boto3 ``Session`` loads botocore's endpoint and partition data anew, which costs
tens of milliseconds at cold start; utilities that need AWS clients (idempotency,
parameters) take them from this one session instead of each making its own. A session
is not thread-safe, so clients are created under a lock; the clients themselves are.
"""

from __future__ import annotations

from _thread import allocate_lock

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["aws_client", "reset_session"]

_lock = allocate_lock()
_session: Any = None


def aws_client(service: str, **options: Any) -> Any:
    """A new boto3 client for ``service`` from the package's shared session (boto3 is
    imported here, on first use, never at import)."""
    global _session
    with _lock:
        if _session is None:
            import boto3

            _session = boto3.session.Session()
        return _session.client(service, **options)


def reset_session() -> None:
    """Forget the shared session, so the next client gets a new one (for tests: a session
    made before ``moto.mock_aws`` started would not be mocked)."""
    global _session
    with _lock:
        _session = None
