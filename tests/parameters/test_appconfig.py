"""AppConfig: get_app_config and AppConfigStore through AppConfig Data and the AppConfig extension.

moto has no AppConfig Data API, so ``appconfig_data`` serves it from a local HTTP server
on 127.0.0.1 in its wire format (rest-json: ``POST /configurationsessions``, then
``GET /configuration?configuration_token=...`` answering the content with the next token
and poll interval in headers, an empty body when nothing changed, single-use tokens).
``appconfig_extension`` serves the AppConfig Agent extension's
``GET /applications/{a}/environments/{e}/configurations/{p}``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.parameters import (
    AppConfigExtensionProvider,
    AppConfigProvider,
    AppConfigStore,
    AutoProvider,
    ExtensionUnavailableError,
    InvalidParameterNameError,
    MaskedBytes,
    ParameterAccessDeniedError,
    ParameterFetchError,
    ParameterNotFoundError,
    TransformError,
    configure_cache,
    get_app_config,
    set_default_provider,
)
from lambda_toolkit.testing import FakeClock
from tests.parameters.conftest import _wait_ready, free_port

Profile = tuple[str, str, str]
FLAGS: Profile = ("orders", "prod", "flags")
DOCUMENT = {"new_checkout": {"default": False}}


@dataclass
class Server:
    """A local HTTP server's state: what it serves and the requests it saw."""

    port: int = 0
    profiles: dict[Profile, bytes] = field(default_factory=dict)
    versions: dict[Profile, int] = field(default_factory=dict)
    tokens: dict[str, tuple[Profile, int]] = field(default_factory=dict)  # live token -> profile, version seen
    poll_interval: int = 15
    fail_status: int | None = None
    fail_code: str = "InternalServerException"
    requests: list[str] = field(default_factory=list)
    _issued: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def put(self, profile: Profile, content: bytes) -> None:
        self.profiles[profile] = content
        self.versions[profile] = self.versions.get(profile, 0) + 1

    def issue(self, profile: Profile, seen: int) -> str:
        self._issued += 1
        token = f"token-{self._issued}"
        self.tokens[token] = (profile, seen)
        return token

    def count(self, prefix: str) -> int:
        return sum(request.startswith(prefix) for request in self.requests)


class _Handler(BaseHTTPRequestHandler):
    state: Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status: int, code: str) -> None:
        body = json.dumps({"Message": f"{code} from the test server"}).encode()
        self.send(status, body, {"x-amzn-ErrorType": code, "Content-Type": "application/json"})


class _DataApi(_Handler):
    def do_POST(self) -> None:
        state = self.state
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        state.requests.append(f"POST {urlsplit(self.path).path} {json.dumps(body, sort_keys=True)}")
        if state.fail_status is not None:
            self.error(state.fail_status, state.fail_code)
            return
        profile = (
            body["ApplicationIdentifier"],
            body["EnvironmentIdentifier"],
            body["ConfigurationProfileIdentifier"],
        )
        if profile not in state.profiles:
            self.error(404, "ResourceNotFoundException")
            return
        token = state.issue(profile, 0)
        self.send(201, json.dumps({"InitialConfigurationToken": token}).encode(), {"Content-Type": "application/json"})

    def do_GET(self) -> None:
        state = self.state
        url = urlsplit(self.path)
        token = parse_qs(url.query).get("configuration_token", [""])[0]
        state.requests.append(f"GET {url.path} {token}")
        if state.fail_status is not None:
            self.error(state.fail_status, state.fail_code)
            return
        if token not in state.tokens:  # spent or expired
            self.error(400, "BadRequestException")
            return
        profile, seen = state.tokens.pop(token)
        version = state.versions[profile]
        body = state.profiles[profile] if version != seen else b""
        headers = {
            "Next-Poll-Configuration-Token": state.issue(profile, version),
            "Next-Poll-Interval-In-Seconds": str(state.poll_interval),
            "Content-Type": "application/json",
        }
        self.send(200, body, headers)


class _Extension(_Handler):
    def do_GET(self) -> None:
        state = self.state
        parts = [unquote(part) for part in urlsplit(self.path).path.split("/")]
        state.requests.append(f"GET {self.path}")
        if state.fail_status is not None:
            self.send(state.fail_status, b"error from the test extension")
            return
        if len(parts) != 7 or parts[1::2] != ["applications", "environments", "configurations"]:
            self.send(400, b"bad path")
            return
        profile = (parts[2], parts[4], parts[6])
        if profile not in state.profiles:
            self.send(404, b"ResourceNotFoundException")
            return
        self.send(200, state.profiles[profile], {"Content-Type": "application/json", "Configuration-Version": "1"})


def _serve(handler: type[_Handler]) -> Iterator[Server]:
    state = Server()
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Bound", (handler,), {"state": state}))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    _wait_ready(state.port)
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def data_api() -> Iterator[Server]:
    """The AppConfig Data API on 127.0.0.1, serving ``FLAGS``."""
    for state in _serve(_DataApi):
        state.put(FLAGS, json.dumps(DOCUMENT).encode())
        yield state


@pytest.fixture
def sdk(data_api: Server, clock: FakeClock) -> AppConfigProvider:
    """The SDK provider on the local Data API, on the cache's clock, made the default."""
    provider = AppConfigProvider(endpoint_url=data_api.url, region="us-east-1", clock=clock)
    set_default_provider(AutoProvider(appconfig=provider))
    return provider


@pytest.fixture
def appconfig_extension(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """The AppConfig extension on 127.0.0.1, serving ``FLAGS``; the function runs 'in Lambda'."""
    for state in _serve(_Extension):
        state.put(FLAGS, json.dumps(DOCUMENT).encode())
        monkeypatch.setenv("AWS_APPCONFIG_EXTENSION_HTTP_PORT", str(state.port))
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
        yield state


# -- AppConfig Data ------------------------------------------------------------------------


def test_a_session_is_started_once_and_the_content_read_with_its_token(data_api: Server, sdk: Any) -> None:
    value = get_app_config(*FLAGS)
    assert isinstance(value, MaskedBytes)
    assert json.loads(value) == DOCUMENT
    assert "new_checkout" not in repr(value)
    assert data_api.requests == [
        'POST /configurationsessions {"ApplicationIdentifier": "orders", '
        '"ConfigurationProfileIdentifier": "flags", "EnvironmentIdentifier": "prod"}',
        "GET /configuration token-1",
    ]


def test_an_unchanged_configuration_keeps_the_value_and_polls_with_the_next_token(
    data_api: Server, sdk: Any, clock: FakeClock
) -> None:
    data_api.poll_interval = 15
    assert get_app_config(*FLAGS, transform="json", max_age=20) == DOCUMENT
    clock.advance(seconds=21)
    assert get_app_config(*FLAGS, transform="json", max_age=20) == DOCUMENT  # the answer's body was empty
    assert data_api.requests[1:] == ["GET /configuration token-1", "GET /configuration token-2"]
    assert data_api.count("POST") == 1


def test_a_changed_configuration_is_read_after_max_age(data_api: Server, sdk: Any, clock: FakeClock) -> None:
    assert get_app_config(*FLAGS, transform="json", max_age=20) == DOCUMENT
    data_api.put(FLAGS, b'{"new_checkout": {"default": true}}')
    assert get_app_config(*FLAGS, transform="json", max_age=20) == DOCUMENT  # cached
    clock.advance(seconds=21)
    assert get_app_config(*FLAGS, transform="json", max_age=20) == {"new_checkout": {"default": True}}


def test_appconfigs_poll_interval_is_respected(data_api: Server, sdk: Any, clock: FakeClock) -> None:
    data_api.poll_interval = 60
    get_app_config(*FLAGS, max_age=5)
    data_api.put(FLAGS, b"{}")
    clock.advance(seconds=30)
    assert json.loads(get_app_config(*FLAGS, max_age=5)) == DOCUMENT  # too early to ask: no request
    assert data_api.count("GET") == 1
    clock.advance(seconds=31)
    assert json.loads(get_app_config(*FLAGS, max_age=5)) == {}
    assert data_api.count("GET") == 2


def test_a_refused_token_starts_a_new_session(data_api: Server, sdk: Any, clock: FakeClock) -> None:
    get_app_config(*FLAGS, max_age=1)
    data_api.tokens.clear()  # the next token expired (or a failed call used it up)
    data_api.put(FLAGS, b'{"v": 2}')
    clock.advance(seconds=16)
    assert json.loads(get_app_config(*FLAGS, max_age=1)) == {"v": 2}
    assert data_api.count("POST") == 2


def test_a_token_refused_even_in_a_new_session_is_an_error(data_api: Server, sdk: Any) -> None:
    original = data_api.issue
    data_api.issue = lambda profile, seen: "never-valid"  # type: ignore[method-assign]
    with pytest.raises(ParameterFetchError, match="'orders/prod/flags': GetLatestConfiguration refused"):
        get_app_config(*FLAGS)
    data_api.issue = original  # type: ignore[method-assign]
    assert data_api.count("POST") == 2


def test_the_minimum_poll_interval_is_sent(data_api: Server, clock: FakeClock) -> None:
    provider = AppConfigProvider(endpoint_url=data_api.url, region="us-east-1", min_poll_interval=30, clock=clock)
    get_app_config(*FLAGS, provider=provider)
    assert '"RequiredMinimumPollIntervalInSeconds": 30' in data_api.requests[0]
    with pytest.raises(ConfigurationError, match="min_poll_interval must be at least 15 seconds"):
        AppConfigProvider(min_poll_interval=5)


def test_a_missing_profile_is_not_found_naming_it(data_api: Server, sdk: Any) -> None:
    with pytest.raises(ParameterNotFoundError, match="AppConfig configuration 'orders/prod/nope' not found") as raised:
        get_app_config("orders", "prod", "nope")
    assert raised.value.name == "orders/prod/nope"


def test_access_denied_names_the_actions(data_api: Server, sdk: Any) -> None:
    data_api.fail_status, data_api.fail_code = 403, "AccessDeniedException"
    with pytest.raises(
        ParameterAccessDeniedError,
        match="appconfig:StartConfigurationSession and appconfig:GetLatestConfiguration",
    ):
        get_app_config(*FLAGS)


def test_a_yaml_profile_read_as_json_names_the_profile_never_the_content(data_api: Server, sdk: Any) -> None:
    data_api.put(FLAGS, b"new_checkout:\n  default: hunter2\n")
    with pytest.raises(TransformError) as raised:
        get_app_config(*FLAGS, transform="json")
    message = str(raised.value)
    assert message.startswith("AppConfig configuration 'orders/prod/flags': transform json failed: invalid JSON")
    assert "hunter2" not in message and "new_checkout" not in message
    assert raised.value.__cause__ is None and raised.value.__context__ is None


def test_a_failed_refresh_serves_the_kept_value_with_stale_on_error(
    data_api: Server, sdk: Any, clock: FakeClock
) -> None:
    configure_cache(stale_on_error=60)
    assert get_app_config(*FLAGS, transform="json", max_age=10) == DOCUMENT
    data_api.fail_status = 500
    clock.advance(seconds=16)
    assert get_app_config(*FLAGS, transform="json", max_age=10) == DOCUMENT
    clock.advance(seconds=70)
    with pytest.raises(ParameterFetchError, match="'orders/prod/flags'"):
        get_app_config(*FLAGS, transform="json", max_age=10)


def test_bad_identifiers_fail_before_any_request(data_api: Server, sdk: Any) -> None:
    with pytest.raises(InvalidParameterNameError, match="AppConfig environment must have 1 to 128 characters"):
        get_app_config("orders", "", "flags")
    with pytest.raises(InvalidParameterNameError, match="AppConfig profile must be a string, got int"):
        get_app_config("orders", "prod", 3)  # type: ignore[arg-type]
    assert data_api.requests == []


def test_a_provider_that_cannot_read_appconfig_is_a_configuration_error() -> None:
    class OnlyParameters:
        def get_parameter(self, name: str, *, decrypt: bool) -> str:
            return "x"

    with pytest.raises(ConfigurationError, match="the provider OnlyParameters cannot read AppConfig"):
        get_app_config(*FLAGS, provider=OnlyParameters())  # type: ignore[arg-type]


# -- AppConfigStore ------------------------------------------------------------------------


def test_the_store_is_a_callable_giving_the_parsed_document(data_api: Server, sdk: Any, clock: FakeClock) -> None:
    store = AppConfigStore(*FLAGS, max_age=30)
    document = store()
    assert document == DOCUMENT
    with pytest.raises(TypeError):
        document["new_checkout"] = {}  # shared by every reader: read-only
    assert store() == DOCUMENT
    assert data_api.count("GET") == 1  # cached
    assert repr(store) == "AppConfigStore('orders', 'prod', 'flags')"


def test_a_store_with_its_own_provider(data_api: Server, clock: FakeClock) -> None:
    provider = AppConfigProvider(endpoint_url=data_api.url, region="us-east-1", clock=clock)
    assert AppConfigStore(*FLAGS, provider=provider)() == DOCUMENT
    with pytest.raises(InvalidParameterNameError):
        AppConfigStore("orders", "prod", "")


# -- the AppConfig extension ---------------------------------------------------------------


def test_in_lambda_the_extension_answers_and_the_sdk_is_not_used(
    appconfig_extension: Server, data_api: Server, sdk: Any
) -> None:
    assert get_app_config(*FLAGS, transform="json") == DOCUMENT
    assert appconfig_extension.requests == ["GET /applications/orders/environments/prod/configurations/flags"]
    assert data_api.requests == []


def test_identifiers_are_quoted_in_the_extensions_path(appconfig_extension: Server) -> None:
    profile = ("my app", "prod/eu", "flags?x")
    appconfig_extension.put(profile, b"{}")
    assert get_app_config(*profile, provider=AppConfigExtensionProvider()) == b"{}"
    assert appconfig_extension.requests == [
        "GET /applications/my%20app/environments/prod%2Feu/configurations/flags%3Fx"
    ]


def test_without_the_extension_the_sdk_is_used_and_the_extension_retried_later(
    data_api: Server, sdk: Any, monkeypatch: pytest.MonkeyPatch, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    monkeypatch.setenv("AWS_APPCONFIG_EXTENSION_HTTP_PORT", str(free_port()))
    provider = AutoProvider(appconfig=sdk, clock=clock)
    assert provider.uses_appconfig_extension() is True
    with caplog.at_level(logging.INFO, logger="lambda_toolkit.parameters"):
        assert get_app_config(*FLAGS, transform="json", provider=provider) == DOCUMENT
    assert "the AppConfig extension did not answer, using the AWS SDK" in caplog.text
    assert provider.uses_appconfig_extension() is False
    assert provider.uses_extension() is True  # the Parameters and Secrets extension is judged apart
    clock.advance(seconds=61)
    assert provider.uses_appconfig_extension() is True


def test_the_forced_sdk_mode_never_asks_the_extension(
    appconfig_extension: Server, data_api: Server, sdk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_PROVIDER", "sdk")
    assert get_app_config(*FLAGS, transform="json") == DOCUMENT
    assert appconfig_extension.requests == []


def test_the_forced_extension_mode_raises_when_it_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TOOLKIT_PARAMETERS_PROVIDER", "extension")
    monkeypatch.setenv("AWS_APPCONFIG_EXTENSION_HTTP_PORT", str(free_port()))
    with pytest.raises(ExtensionUnavailableError, match="'orders/prod/flags': the AppConfig extension did not answer"):
        get_app_config(*FLAGS)


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (404, ParameterNotFoundError, "not found \\(HTTP 404 from the AppConfig extension\\)"),
        (403, ParameterAccessDeniedError, "the role needs appconfig:StartConfigurationSession"),
        (502, ParameterFetchError, "the AppConfig extension answered HTTP 502"),
    ],
)
def test_the_extensions_errors_are_typed_and_never_quote_its_body(
    appconfig_extension: Server, status: int, error: type[Exception], message: str
) -> None:
    appconfig_extension.fail_status = status
    with pytest.raises(error, match=message) as raised:
        get_app_config(*FLAGS, provider=AppConfigExtensionProvider())
    assert "error from the test extension" not in str(raised.value)


def test_the_extension_provider_checks_its_options() -> None:
    with pytest.raises(ConfigurationError, match="AppConfigExtensionProvider timeout"):
        AppConfigExtensionProvider(timeout=0)
    with pytest.raises(ConfigurationError, match="AppConfigExtensionProvider host"):
        AppConfigExtensionProvider(host="")


def test_forget_ends_every_session(data_api: Server, sdk: AppConfigProvider, clock: FakeClock) -> None:
    get_app_config(*FLAGS, max_age=1)
    sdk.forget()  # after a SnapStart restore: the snapshot's tokens may be used by another copy
    clock.advance(seconds=2)
    assert json.loads(get_app_config(*FLAGS, max_age=1)) == DOCUMENT
    assert data_api.count("POST") == 2
    assert data_api.requests[-1] == "GET /configuration token-3"  # the new session's first token


def test_a_snapstart_restore_ends_every_session_and_reads_again(
    data_api: Server, sdk: AppConfigProvider, clock: FakeClock
) -> None:
    from lambda_toolkit.testing import simulate_restore

    get_app_config(*FLAGS)
    simulate_restore()  # the snapshot's token and poll time are no good to a restored copy
    assert json.loads(get_app_config(*FLAGS)) == DOCUMENT
    assert data_api.count("POST") == 2
    assert data_api.requests[-1] == "GET /configuration token-3"


def test_an_unreachable_endpoint_is_a_fetch_error_naming_the_profile() -> None:
    provider = AppConfigProvider(endpoint_url=f"http://127.0.0.1:{free_port()}", region="us-east-1")
    with pytest.raises(ParameterFetchError, match="'orders/prod/flags': appconfig:StartConfigurationSession failed"):
        get_app_config(*FLAGS, provider=provider)


# -- feeding the feature flags utility ---------------------------------------------------


def test_feature_flags_read_their_document_through_an_appconfig_store(
    data_api: Server, sdk: Any, clock: FakeClock
) -> None:
    from lambda_toolkit.feature_flags import FeatureFlags

    rule = {"when_match": True, "conditions": [{"action": "EQUALS", "key": "tier", "value": "gold"}]}
    data_api.put(FLAGS, json.dumps({"new_checkout": {"default": False, "rules": {"gold": rule}}}).encode())
    flags = FeatureFlags(store=AppConfigStore(*FLAGS, max_age=30))

    assert flags.evaluate("new_checkout", context={"tier": "gold"}, default=False) is True
    assert flags.evaluate("new_checkout", context={"tier": "free"}, default=True) is False
    assert flags.enabled_features({"tier": "gold"}) == ["new_checkout"]
    assert data_api.count("GET") == 1  # the store's cache serves every evaluation

    data_api.put(FLAGS, json.dumps({"new_checkout": {"default": True}}).encode())
    clock.advance(seconds=31)
    assert flags.evaluate("new_checkout", context={"tier": "free"}, default=False) is True


def test_feature_flags_fall_back_to_defaults_when_the_profile_is_not_json(
    data_api: Server, sdk: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from lambda_toolkit.feature_flags import FeatureFlags

    data_api.put(FLAGS, b"new_checkout:\n  default: true\n")
    flags = FeatureFlags(store=AppConfigStore(*FLAGS, max_age=30))
    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.feature_flags"):
        assert flags.evaluate("new_checkout", default=False) is False
    assert len(caplog.records) == 1
    assert "default: true" not in caplog.text


def test_the_appconfig_extensions_port_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_toolkit.parameters._appconfig import appconfig_port

    monkeypatch.delenv("AWS_APPCONFIG_EXTENSION_HTTP_PORT", raising=False)
    assert appconfig_port() == 2772
    monkeypatch.setenv("AWS_APPCONFIG_EXTENSION_HTTP_PORT", " 9001 ")
    assert appconfig_port() == 9001
    for bad in ("http", "0", "70000"):
        monkeypatch.setenv("AWS_APPCONFIG_EXTENSION_HTTP_PORT", bad)
        with pytest.raises(ConfigurationError, match="AWS_APPCONFIG_EXTENSION_HTTP_PORT must be a port number"):
            appconfig_port()
