"""The Parameters and Secrets Lambda Extension provider, against a local server speaking its API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.parameters import (
    ExtensionProvider,
    ExtensionUnavailableError,
    MaskedBytes,
    MaskedStr,
    ParameterAccessDeniedError,
    ParameterFetchError,
    ParameterNotFoundError,
    ParameterThrottledError,
    get_parameter,
    get_parameters,
    get_parameters_by_name,
    get_secret,
    get_secrets,
)
from lambda_toolkit.testing import FakeClock

from .conftest import FakeExtension, free_port


@pytest.fixture
def provider(extension: FakeExtension) -> ExtensionProvider:
    return ExtensionProvider()


def test_a_parameter_is_read_with_the_session_token(extension: FakeExtension, provider: ExtensionProvider) -> None:
    extension.put_parameter("/app/table", "orders")
    assert get_parameter("/app/table", provider=provider) == "orders"
    assert extension.requests == [
        {
            "path": "/systemsmanager/parameters/get",
            "query": {"name": "/app/table", "withDecryption": "true"},
            "token": "testing",
        }
    ]


def test_a_securestring_is_decrypted_on_request_and_masked(
    extension: FakeExtension, provider: ExtensionProvider
) -> None:
    extension.put_parameter("/app/key", "s3cr3t", "SecureString")
    value = get_parameter("/app/key", provider=provider)
    assert value == "s3cr3t"
    assert isinstance(value, MaskedStr)
    assert get_parameter("/app/key", decrypt=False, provider=provider).startswith("ENCRYPTED:")
    assert extension.requests[-1]["query"]["withDecryption"] == "false"


def test_version_and_label_selectors_become_query_parameters(
    extension: FakeExtension, provider: ExtensionProvider
) -> None:
    extension.put_parameter("/app/flag", "on")
    get_parameter("/app/flag:3", provider=provider)
    get_parameter("/app/flag:live", provider=provider)
    assert [request["query"] for request in extension.requests] == [
        {"name": "/app/flag", "version": "3", "withDecryption": "true"},
        {"name": "/app/flag", "label": "live", "withDecryption": "true"},
    ]


def test_an_arn_is_sent_whole(extension: FakeExtension, provider: ExtensionProvider) -> None:
    arn = "arn:aws:ssm:us-east-1:123456789012:parameter/app/table"
    extension.put_parameter(arn, "orders")
    assert get_parameter(arn, provider=provider) == "orders"
    assert extension.requests[0]["query"]["name"] == arn


def test_string_and_binary_secrets_and_stages(extension: FakeExtension, provider: ExtensionProvider) -> None:
    extension.put_secret("prod/db", "new")
    extension.put_secret("prod/db", "old", stage="AWSPREVIOUS", version="v0")
    extension.put_secret("prod/cert", b"\x00\x01")
    assert get_secret("prod/db", provider=provider) == "new"
    assert get_secret("prod/db", version_stage="AWSPREVIOUS", provider=provider) == "old"
    binary = get_secret("prod/cert", provider=provider)
    assert binary == b"\x00\x01"
    assert isinstance(binary, MaskedBytes)
    get_secret("prod/db", version_id="v1", provider=provider)
    assert extension.requests[1]["query"] == {"secretId": "prod/db", "versionStage": "AWSPREVIOUS"}
    assert extension.requests[-1]["query"] == {"secretId": "prod/db", "versionId": "v1"}


def test_lookups_through_the_extension_are_cached(extension: FakeExtension, clock: FakeClock) -> None:
    provider = ExtensionProvider()
    extension.put_secret("prod/db", "pw")
    for _ in range(3):
        assert get_secret("prod/db", max_age=60, provider=provider) == "pw"
    assert len(extension.requests) == 1
    clock.advance(seconds=61)
    get_secret("prod/db", max_age=60, provider=provider)
    assert len(extension.requests) == 2


def test_batches_are_one_request_per_name_with_failures_reported(
    extension: FakeExtension, provider: ExtensionProvider
) -> None:
    extension.put_parameter("/a", "1")
    extension.put_secret("s", "x")
    assert get_parameters_by_name(["/a", "/missing"], provider=provider, raise_on_error=False) == {"/a": "1"}
    assert get_secrets(["s", "missing"], provider=provider, raise_on_error=False) == {"s": "x"}
    assert len(extension.requests) == 4


def test_reading_a_path_is_not_offered(extension: FakeExtension, provider: ExtensionProvider) -> None:
    with pytest.raises(ParameterFetchError, match="the Parameters and Secrets extension cannot read by path"):
        get_parameters("/app", provider=provider)


def test_a_missing_parameter_or_secret_is_not_found(extension: FakeExtension, provider: ExtensionProvider) -> None:
    with pytest.raises(ParameterNotFoundError, match=r"parameter '/nope' not found \(ParameterNotFound\)"):
        get_parameter("/nope", provider=provider)
    with pytest.raises(ParameterNotFoundError, match=r"secret 'nope' not found \(ResourceNotFoundException\)"):
        get_secret("nope", provider=provider)


@pytest.mark.parametrize("status", [401, 403])
def test_a_request_without_the_right_token_is_refused(
    extension: FakeExtension, provider: ExtensionProvider, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    extension.token_status = status
    extension.put_secret("prod/db", "pw")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "stale-token")
    with pytest.raises(ParameterAccessDeniedError, match=f"refused the request \\(HTTP {status}\\)") as caught:
        get_secret("prod/db", provider=provider)
    assert "stale-token" not in str(caught.value)
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    with pytest.raises(ParameterAccessDeniedError):
        get_secret("prod/db", provider=provider)
    assert [request["token"] for request in extension.requests] == ["stale-token", ""]


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (400, "AccessDeniedException: not authorized", ParameterAccessDeniedError, "the role needs secretsmanager"),
        (400, '{"__type": "ThrottlingException"}', ParameterThrottledError, "still throttled"),
        (429, "slow down", ParameterThrottledError, r"HTTP 429"),
        (404, "no route", ParameterNotFoundError, r"HTTP 404"),
        (500, "boom", ParameterFetchError, r"answered HTTP 500"),
        (200, "[not an object]", ParameterFetchError, "answer is not a JSON object"),
        (200, "{}", ParameterFetchError, "has neither SecretString nor SecretBinary"),
        (200, '{"SecretBinary": "%%%"}', ParameterFetchError, "SecretBinary is not base64"),
    ],
)
def test_error_statuses_map_to_clear_errors(
    extension: FakeExtension,
    provider: ExtensionProvider,
    status: int,
    body: str,
    error: type[Exception],
    message: str,
) -> None:
    extension.forced_status, extension.forced_body = status, body
    with pytest.raises(error, match=message) as caught:
        get_secret("prod/db", provider=provider)
    assert "secret 'prod/db'" in str(caught.value)


def test_a_parameter_answer_without_a_parameter_is_a_fetch_error(
    extension: FakeExtension, provider: ExtensionProvider
) -> None:
    extension.forced_status, extension.forced_body = 200, '{"ResultMetadata": {}}'
    with pytest.raises(ParameterFetchError, match="the extension's answer has no Parameter"):
        get_parameter("/a", provider=provider)


def test_nothing_listening_is_extension_unavailable() -> None:
    provider = ExtensionProvider(port=free_port(), timeout=1)
    with pytest.raises(
        ExtensionUnavailableError, match=r"the Parameters and Secrets extension did not answer on 127\.0\.0\.1:"
    ):
        get_parameter("/a", provider=provider)
    with pytest.raises(ExtensionUnavailableError):
        provider.get_parameters(["/a"], decrypt=True)
    with pytest.raises(ExtensionUnavailableError):
        provider.get_secrets(["a"])


def test_the_port_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_toolkit.parameters._extension import extension_port

    assert extension_port() == 2773
    assert repr(ExtensionProvider()) == "ExtensionProvider(host='127.0.0.1', port=2773)"
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "8123")
    assert extension_port() == 8123
    for bad in ("http", "0", "70000"):
        monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", bad)
        with pytest.raises(ConfigurationError, match="PARAMETERS_SECRETS_EXTENSION_HTTP_PORT must be a port number"):
            extension_port()


def test_a_proxy_setting_is_not_used_for_the_extension(
    extension: FakeExtension, provider: ExtensionProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{free_port()}")
    extension.put_parameter("/a", "1")
    assert get_parameter("/a", provider=provider) == "1"


@pytest.mark.parametrize(
    "body",
    [
        '{"Parameter": {}}',
        '{"Parameter": {"Name": "/a", "Value": null}}',
        '{"Parameter": {"Name": "/a", "Value": {"password": "hunter2"}}}',
        '{"Parameter": {"Name": "/a", "Value": ["hunter2"]}}',
        '{"Parameter": {"Name": "/a", "Value": 12345}}',
        '{"Parameter": {"Name": "/a", "Value": true}}',
    ],
)
def test_a_parameter_answer_without_a_string_value_is_a_fetch_error_and_not_cached(
    extension: FakeExtension, provider: ExtensionProvider, body: str
) -> None:
    extension.forced_status, extension.forced_body = 200, body
    expected = r"parameter '/a': the extension's answer has no string Value"
    with pytest.raises(ParameterFetchError, match=expected) as caught:
        get_parameter("/a", provider=provider)
    assert "hunter2" not in str(caught.value)
    assert "12345" not in str(caught.value)
    extension.forced_status = None
    extension.put_parameter("/a", "good")
    assert get_parameter("/a", provider=provider) == "good"
    assert len(extension.requests) == 2


@pytest.mark.parametrize(
    "body",
    [
        '{"Name": "s", "SecretString": {"password": "hunter2"}}',
        '{"Name": "s", "SecretString": ["hunter2"]}',
        '{"Name": "s", "SecretString": 12345}',
        '{"Name": "s", "SecretString": null, "SecretBinary": 12345}',
        '{"Name": "s", "SecretString": null, "SecretBinary": {"b": "hunter2"}}',
        '{"Name": "s", "SecretString": null, "SecretBinary": null}',
    ],
)
def test_a_secret_answer_without_a_string_or_base64_value_is_a_fetch_error_and_not_cached(
    extension: FakeExtension, provider: ExtensionProvider, body: str
) -> None:
    extension.forced_status, extension.forced_body = 200, body
    with pytest.raises(ParameterFetchError, match=r"secret 's'") as caught:
        get_secret("s", provider=provider)
    assert "hunter2" not in str(caught.value)
    assert "12345" not in str(caught.value)
    extension.forced_status = None
    extension.put_secret("s", "good")
    assert get_secret("s", provider=provider) == "good"
    assert len(extension.requests) == 2


# -- a server that answers one byte at a time -----------------------------------------------


class Trickle:
    """A server on 127.0.0.1 that sends a valid answer one byte every ``interval`` seconds."""

    def __init__(self, answer: bytes, interval: float) -> None:
        import socket
        import threading

        self.answer = answer
        self.interval = interval
        self.stop = threading.Event()
        self.sent = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = int(self.listener.getsockname()[1])
        # Listening from here: connections queue up until the thread accepts them.
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(1)
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                for index in range(len(self.answer)):
                    if self.stop.wait(self.interval):
                        return
                    try:
                        connection.sendall(self.answer[index : index + 1])
                    except OSError:  # the client gave up
                        break
                    self.sent += 1

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.listener.close()


@pytest.fixture
def trickle() -> Iterator[Trickle]:
    body = b'{"Name": "prod/db", "SecretString": "s3cr3t-value", "VersionStages": ["AWSCURRENT"]}'
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    server = Trickle(answer, interval=0.02)
    yield server
    server.close()


def test_the_timeout_bounds_the_whole_request_not_each_read(trickle: Trickle) -> None:
    # Each byte comes well within the timeout, the whole answer (about 3 s) does not.
    provider = ExtensionProvider(port=trickle.port, timeout=0.5)
    with pytest.raises(ExtensionUnavailableError, match=r"secret 'prod/db': .* did not answer within 0\.5 s") as caught:
        get_secret("prod/db", provider=provider)
    assert "s3cr3t" not in str(caught.value)
    assert 0 < trickle.sent < len(trickle.answer)


def test_an_answer_too_long_to_be_a_secret_is_refused(extension: FakeExtension, provider: ExtensionProvider) -> None:
    from lambda_toolkit.parameters._extension import MAX_ANSWER

    extension.forced_status = 200
    extension.forced_body = '{"SecretString": "' + "x" * MAX_ANSWER + '"}'
    with pytest.raises(ParameterFetchError, match=r"secret 'prod/db': the extension's answer is longer than") as caught:
        get_secret("prod/db", provider=provider)
    assert not isinstance(caught.value, ExtensionUnavailableError)  # it answered: no fallback to the SDK
