"""AWS AppConfig: configuration profiles through AppConfig Data or the AppConfig Lambda extension.

Through the SDK (``AppConfigProvider``) a profile is read in a *session*: one
``StartConfigurationSession``, then ``GetLatestConfiguration`` calls, each with the token
the previous answer gave. An answer with an empty body means "unchanged since your last
call": the provider keeps the last content it received and returns it. Each answer also
says how long to wait before the next poll (``NextPollIntervalInSeconds``); a read before
then returns the kept content without a call. A token AppConfig refuses (tokens expire
after 24 hours, and a call that failed on the network may have used one up) starts a new
session, once.

Through the extension (``AppConfigExtensionProvider``) a profile is one
``GET /applications/{application}/environments/{environment}/configurations/{profile}``
on ``localhost:$AWS_APPCONFIG_EXTENSION_HTTP_PORT`` (default 2772); the extension runs
the session and polls AppConfig itself. Only the standard library is used on this path.

Both return the content as ``MaskedBytes`` (AppConfig marks configuration data sensitive):
bytes in every use, masked in ``repr``.
"""

from __future__ import annotations

import time
import weakref
from threading import Lock

from lambda_toolkit.core.aws import LazyClient
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.options import check_count, check_seconds
from lambda_toolkit.core.state import on_restore
from lambda_toolkit.parameters._auto import APPCONFIG_PORT_VARIABLE
from lambda_toolkit.parameters._errors import (
    ParameterAccessDeniedError,
    ParameterError,
    ParameterFetchError,
    ParameterNotFoundError,
    ParameterThrottledError,
)
from lambda_toolkit.parameters._extension import ExtensionUnavailableError, http_errors, port_from_environment, request
from lambda_toolkit.parameters._masked import MaskedBytes
from lambda_toolkit.parameters._provider import check_profile
from lambda_toolkit.parameters._sdk import error_for_code

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = [
    "APPCONFIG_DEFAULT_PORT",
    "APPCONFIG_PORT_VARIABLE",
    "AppConfigExtensionProvider",
    "AppConfigProvider",
    "appconfig_port",
]

APPCONFIG_DEFAULT_PORT = 2772
# The largest configuration read: hosted configurations are at most 2 MB, S3 ones larger.
MAX_CONFIGURATION = 16 * 1024 * 1024
_ACTIONS = "appconfig:StartConfigurationSession and appconfig:GetLatestConfiguration"


class _Session:
    """One profile's configuration session: the next token, when to poll, what was received."""

    __slots__ = ("content", "lock", "poll_after", "token")

    def __init__(self) -> None:
        self.lock = Lock()
        self.token: str | None = None
        self.poll_after = 0.0
        self.content: MaskedBytes | None = None


class AppConfigProvider:
    """AppConfig Data through boto3 (``client``: a boto3 ``appconfigdata`` client, else the
    package's shared one, made on first use).

    ``min_poll_interval`` (seconds, at least 15) is sent as the session's
    ``RequiredMinimumPollIntervalInSeconds``; ``clock`` is a monotonic clock (tests).
    """

    def __init__(
        self,
        client: Any = None,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        min_poll_interval: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = LazyClient("appconfigdata", client=client, region=region, endpoint_url=endpoint_url)
        if min_poll_interval is not None:
            min_poll_interval = check_count("AppConfigProvider min_poll_interval", min_poll_interval, maximum=86400)
            if min_poll_interval < 15:
                raise ConfigurationError("AppConfigProvider min_poll_interval must be at least 15 seconds")
        self.min_poll_interval = min_poll_interval
        self._clock = clock
        self._lock = Lock()
        self._sessions: dict[tuple[str, str, str], _Session] = {}
        _providers.add(self)

    @property
    def client(self) -> Any:
        """The boto3 AppConfig Data client (created now if it was not yet)."""
        return self._client.get()

    def get_configuration(self, application: str, environment: str, profile: str) -> bytes:
        """The profile's current content (``appconfig:StartConfigurationSession`` once, then
        ``appconfig:GetLatestConfiguration``, no sooner than AppConfig's poll interval)."""
        name = check_profile(application, environment, profile)
        key = (application, environment, profile)
        session = self._sessions.get(key)
        if session is None:
            with self._lock:
                session = self._sessions.setdefault(key, _Session())
        with session.lock:  # a token is good for one call: the session's calls go one at a time
            if session.content is not None and self._clock() < session.poll_after:
                return session.content
            for attempt in (1, 2):
                if session.token is None:
                    session.token = self._start(application, environment, profile, name)
                try:
                    answer = self._call("get_latest_configuration", name, ConfigurationToken=session.token)
                except _RefusedTokenError:
                    session.token = None
                    if attempt == 2:
                        raise ParameterFetchError(
                            f"AppConfig configuration {name!r}: GetLatestConfiguration refused a new "
                            "session's token (BadRequestException)",
                            name=name,
                        ) from None
                    continue
                break
            session.token = answer.get("NextPollConfigurationToken") or None
            interval = answer.get("NextPollIntervalInSeconds")
            if isinstance(interval, (int, float)) and interval > 0:
                session.poll_after = self._clock() + interval
            body = _read_body(answer.get("Configuration"), name)
            if body or session.content is None:  # empty: unchanged since the last call
                session.content = MaskedBytes(body)
            return session.content

    def forget(self) -> None:
        """End every session: the next read of each profile starts a new one (after a
        SnapStart restore, say: the snapshot's tokens may have been used by another copy)."""
        with self._lock:
            self._sessions = {}

    def _start(self, application: str, environment: str, profile: str, name: str) -> str:
        params: dict[str, Any] = {
            "ApplicationIdentifier": application,
            "EnvironmentIdentifier": environment,
            "ConfigurationProfileIdentifier": profile,
        }
        if self.min_poll_interval is not None:
            params["RequiredMinimumPollIntervalInSeconds"] = self.min_poll_interval
        answer = self._call("start_configuration_session", name, **params)
        token = answer.get("InitialConfigurationToken")
        if not isinstance(token, str) or not token:
            raise ParameterFetchError(
                f"AppConfig configuration {name!r}: StartConfigurationSession gave no session token", name=name
            )
        return token

    def _call(self, operation: str, name: str, **params: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        action = "appconfig:" + "".join(part.title() for part in operation.split("_"))
        try:
            return getattr(self._client.get(), operation)(**params)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            if code == "BadRequestException":
                if operation == "get_latest_configuration":
                    raise _RefusedTokenError from None
                error: ParameterError = ParameterFetchError(
                    f"AppConfig configuration {name!r}: {action} refused the request ({code})", name=name
                )
            else:
                error = error_for_code(code, name=name, what="AppConfig configuration", action=_ACTIONS)
        except BotoCoreError as exc:
            error = ParameterFetchError(
                f"AppConfig configuration {name!r}: {action} failed ({type(exc).__name__})", name=name
            )
        raise error

    def __repr__(self) -> str:
        return "AppConfigProvider()"


_providers: weakref.WeakSet[AppConfigProvider] = weakref.WeakSet()


@on_restore
def _forget_sessions() -> None:
    # Every restored copy of a SnapStart snapshot holds the same session tokens (each good
    # for one call) and poll times taken on a clock that may not have run since.
    for provider in list(_providers):
        provider.forget()


class _RefusedTokenError(ParameterFetchError):
    """GetLatestConfiguration answered BadRequestException: the token is spent or expired."""

    def __init__(self) -> None:
        super().__init__("AppConfig refused the session token")


def _read_body(stream: Any, name: str) -> bytes:
    if stream is None:
        return b""
    try:
        body = stream.read() if hasattr(stream, "read") else stream
    except Exception as exc:  # the connection dropped while the body streamed in
        raise ParameterFetchError(
            f"AppConfig configuration {name!r}: reading the answer failed ({type(exc).__name__})", name=name
        ) from None
    if not isinstance(body, (bytes, bytearray)):
        raise ParameterFetchError(
            f"AppConfig configuration {name!r}: the answer's Configuration is not bytes ({type(body).__name__})",
            name=name,
        )
    return bytes(body)


def appconfig_port() -> int:
    """The AppConfig extension's port: ``AWS_APPCONFIG_EXTENSION_HTTP_PORT``, default 2772."""
    return port_from_environment(APPCONFIG_PORT_VARIABLE, APPCONFIG_DEFAULT_PORT)


class AppConfigExtensionProvider:
    """AppConfig profiles through the AppConfig Agent Lambda extension on ``host:port``.

    ``port`` defaults to ``AWS_APPCONFIG_EXTENSION_HTTP_PORT`` (read at each request when
    not given); ``timeout`` is a deadline in seconds for the whole request. Nothing
    answering on the port is an ``ExtensionUnavailableError``.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None, timeout: float = 5.0) -> None:
        if not isinstance(host, str) or not host:
            raise ConfigurationError("AppConfigExtensionProvider host must be a non-empty string")
        self.host = host
        self.port = None if port is None else check_count("AppConfigExtensionProvider port", port, maximum=65535)
        self.timeout = check_seconds("AppConfigExtensionProvider timeout", timeout, allow_zero=False)

    def get_configuration(self, application: str, environment: str, profile: str) -> bytes:
        """The profile's current content, as the extension holds it (the function's role needs
        ``appconfig:StartConfigurationSession`` and ``appconfig:GetLatestConfiguration``)."""
        from urllib.parse import quote

        name = check_profile(application, environment, profile)
        port = self.port or appconfig_port()
        target = (
            f"/applications/{quote(application, safe='')}/environments/{quote(environment, safe='')}"
            f"/configurations/{quote(profile, safe='')}"
        )
        try:
            status, body = request(self.host, port, target, self.timeout, {}, limit=MAX_CONFIGURATION)
        except (OSError, http_errors()) as exc:
            within = f" within {self.timeout:g} s" if isinstance(exc, TimeoutError) else ""
            raise ExtensionUnavailableError(
                f"AppConfig configuration {name!r}: the AppConfig extension did not answer{within} on "
                f"{self.host}:{port} ({type(exc).__name__})",
                name=name,
            ) from None
        if len(body) > MAX_CONFIGURATION:
            raise ParameterFetchError(
                f"AppConfig configuration {name!r}: the extension's answer is longer than {MAX_CONFIGURATION} bytes",
                name=name,
            )
        if status >= 400:
            raise _error_for_status(status, name)
        return MaskedBytes(body)

    def __repr__(self) -> str:
        return f"AppConfigExtensionProvider(host={self.host!r}, port={self.port or appconfig_port()})"


def _error_for_status(status: int, name: str) -> ParameterError:
    # The body is not quoted: the extension passes on the service's message, which may
    # echo the request.
    where = f"AppConfig configuration {name!r}"
    if status == 404:
        return ParameterNotFoundError(f"{where} not found (HTTP 404 from the AppConfig extension)", name=name)
    if status in (401, 403):
        return ParameterAccessDeniedError(
            f"{where}: access denied (HTTP {status} from the AppConfig extension): the role needs {_ACTIONS}",
            name=name,
        )
    if status == 429:
        return ParameterThrottledError(f"{where}: throttled (HTTP 429 from the AppConfig extension)", name=name)
    return ParameterFetchError(f"{where}: the AppConfig extension answered HTTP {status}", name=name)
