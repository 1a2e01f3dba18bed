"""repr() and str() of event models mask credentials; the attributes keep the real values.

Sensitive headers (any case), the cookies of payload 2.0, authorizer tokens and identity
sources, AppSync request headers, password-like fields anywhere (unknown fields included),
credential-named query parameters: none of their values appears in ``repr`` or ``str``.
"""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.core.secrets import SECRET_MASK
from lambda_toolkit.events import TRIGGER_NAMES, parse
from lambda_toolkit.events._masking import is_sensitive_name, masked
from lambda_toolkit.testing.events import make_event

SECRET_HEADERS = {
    "Authorization": "S3CRET-authorization",
    "proxy-authorization": "S3CRET-proxy",
    "COOKIE": "session=S3CRET-cookie",
    "Set-Cookie": "id=S3CRET-set-cookie",
    "x-api-key": "S3CRET-api-key",
    "X-Amz-Security-Token": "S3CRET-security-token",
}
VISIBLE = "visible-header-value"
HEADER_FIELDS = ("headers", "multiValueHeaders", "requestHeaders")
HTTP_TRIGGERS = (
    "api-gateway-rest",
    "api-gateway-http",
    "api-gateway-websocket",
    "alb",
    "function-url",
    "vpc-lattice",
    "vpc-lattice-v2",
    "api-gateway-authorizer-request",
    "api-gateway-authorizer-http",
    "appsync-authorizer",
)


def _with_secret_headers(event: dict[str, Any]) -> dict[str, Any]:
    if not any(isinstance(event.get(field), dict) for field in HEADER_FIELDS):
        event["headers"] = {}  # a WebSocket message event has none
    added = {**SECRET_HEADERS, "X-Visible": VISIBLE}
    for field in HEADER_FIELDS:
        headers = event.get(field)
        if not isinstance(headers, dict):
            continue
        as_lists = field == "multiValueHeaders" or any(isinstance(v, list) for v in headers.values())
        wanted = {name.lower() for name in added}
        for name in [name for name in headers if name.lower() in wanted]:
            del headers[name]
        for name, value in added.items():
            headers[name] = [value] if as_lists else value
    return event


def _shown(model: Any) -> str:
    return repr(model) + "\n" + str(model)


def _assert_no_secret(text: str) -> None:
    assert "S3CRET" not in text, text


@pytest.mark.parametrize("trigger", HTTP_TRIGGERS)
def test_sensitive_headers_are_masked_in_any_case(trigger: str) -> None:
    event = _with_secret_headers(make_event(trigger))
    model = parse(event, trigger)
    text = _shown(model)
    _assert_no_secret(text)
    assert VISIBLE in text and SECRET_MASK in text
    # The model itself keeps every value.
    assert model.header("authorization") == SECRET_HEADERS["Authorization"]  # type: ignore[attr-defined]
    assert model.header("Cookie") == SECRET_HEADERS["COOKIE"]  # type: ignore[attr-defined]


def test_alb_multi_value_headers_are_masked() -> None:
    event = make_event("alb")
    event.pop("headers", None)
    event["multiValueHeaders"] = {"Cookie": ["a=S3CRET-1", "b=S3CRET-2"], "accept": ["*/*"]}
    model = parse(event, "alb")
    _assert_no_secret(_shown(model))
    assert model.header_values("cookie") == ["a=S3CRET-1", "b=S3CRET-2"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("trigger", ["api-gateway-http", "function-url", "api-gateway-authorizer-http"])
def test_payload_2_cookies_are_masked(trigger: str) -> None:
    event = make_event(trigger)
    event["cookies"] = ["session=S3CRET-a", "theme=S3CRET-b"]
    model = parse(event, trigger)
    _assert_no_secret(_shown(model))
    assert model.cookies == ["session=S3CRET-a", "theme=S3CRET-b"]  # type: ignore[attr-defined]


def test_authorizer_tokens_and_identity_sources_are_masked() -> None:
    token = parse(make_event("api-gateway-authorizer-token", "S3CRET-token"))
    _assert_no_secret(_shown(token))
    assert token.authorization_token == "S3CRET-token"  # type: ignore[attr-defined]

    request = make_event("api-gateway-authorizer-request")
    request.update({"version": "1.0", "identitySource": "S3CRET-id1,S3CRET-id2", "authorizationToken": "S3CRET-t"})
    model = parse(request, "api-gateway-authorizer-request")
    _assert_no_secret(_shown(model))
    assert model.identity_source == "S3CRET-id1,S3CRET-id2"  # type: ignore[attr-defined]

    http = parse(make_event("api-gateway-authorizer-http", identity_source=["S3CRET-src"]))
    _assert_no_secret(_shown(http))
    assert http.identity_source == ["S3CRET-src"]  # type: ignore[attr-defined]

    appsync = parse(make_event("appsync-authorizer", "S3CRET-appsync"))
    _assert_no_secret(_shown(appsync))
    assert appsync.authorization_token == "S3CRET-appsync"  # type: ignore[attr-defined]


def test_appsync_resolver_request_headers_are_masked() -> None:
    event = make_event("appsync-resolver")
    event["request"]["headers"] = {"authorization": "S3CRET-jwt", "x-api-key": "S3CRET-key", "host": VISIBLE}
    model = parse(event, "appsync-resolver")
    text = _shown(model)
    _assert_no_secret(text)
    assert VISIBLE in text
    assert model.request.headers["authorization"] == "S3CRET-jwt"  # type: ignore[attr-defined]


def test_rabbitmq_header_credentials_are_masked() -> None:
    event = make_event("rabbitmq")
    (messages,) = event["rmqMessagesByQueue"].values()
    messages[0]["basicProperties"]["headers"] = {
        "password": {"bytes": [83, 51]},
        "amqp-credentials": "S3CRET-creds",
        "x-trace": VISIBLE,
    }
    messages[0]["basicProperties"]["password"] = "S3CRET-unknown-field"
    model = parse(event, "rabbitmq")
    text = _shown(model)
    _assert_no_secret(text)
    assert "[83, 51]" not in text and VISIBLE in text
    message = next(model.all_messages())  # type: ignore[attr-defined]
    assert message.basic_properties.headers["amqp-credentials"] == "S3CRET-creds"


@pytest.mark.parametrize("trigger", TRIGGER_NAMES)
def test_unknown_password_like_fields_are_masked_in_every_model(trigger: str) -> None:
    event = make_event(trigger)
    event["clientPassword"] = "S3CRET-top"
    event["extraContext"] = {"nested": [{"api_key": "S3CRET-nested", "Refresh-Token": "S3CRET-refresh"}]}
    model = parse(event, trigger)
    _assert_no_secret(_shown(model))
    assert model.model_extra is not None and model.model_extra["clientPassword"] == "S3CRET-top"


@pytest.mark.parametrize("trigger", ["api-gateway-rest", "api-gateway-websocket", "api-gateway-http"])
def test_credential_named_query_parameters_are_masked(trigger: str) -> None:
    event = make_event(trigger)
    event["queryStringParameters"] = {"access_token": "S3CRET-q", "page": "2"}
    if "multiValueQueryStringParameters" in event or trigger == "api-gateway-rest":
        event["multiValueQueryStringParameters"] = {"access_token": ["S3CRET-q"], "page": ["2"]}
    if trigger == "api-gateway-http":
        event["rawQueryString"] = "page=2&access_token=S3CRET-raw&Token=S3CRET-raw2"
    model = parse(event, trigger)
    text = _shown(model)
    _assert_no_secret(text)
    assert model.query("access_token") is not None  # type: ignore[attr-defined]
    if trigger == "api-gateway-http":
        assert f"raw_query_string='page=2&access_token={SECRET_MASK}&Token={SECRET_MASK}'" in text


def test_the_name_rule() -> None:
    for name in (
        "Authorization",
        "PROXY-AUTHORIZATION",
        "cookie",
        "Set-Cookie",
        "cookies",
        "X-Api-Key",
        "x-amz-security-token",
        "authorizationToken",
        "identity_source",
        "identitySource",
        "password",
        "client_secret",
        "token",
        "refresh-token",
    ):
        assert is_sensitive_name(name), name
    for other in ("authorizer", "host", "content-type", "apiKeyId", "requestId", "x-forwarded-for", None, 3):
        assert not is_sensitive_name(other), other


def test_masking_is_bounded_in_depth() -> None:
    deep: Any = {"password": "S3CRET"}
    for _ in range(5_000):
        deep = {"a": deep}
    assert "S3CRET" not in repr(masked(deep))


def test_credential_fields_show_as_masked_not_as_absent() -> None:
    token = parse(make_event("api-gateway-authorizer-token", "S3CRET-token"))
    assert f"authorization_token='{SECRET_MASK}'" in repr(token)
    appsync = parse(make_event("appsync-authorizer", "S3CRET-appsync"))
    assert f"authorization_token='{SECRET_MASK}'" in repr(appsync)
    rest = make_event("api-gateway-rest")
    rest["requestContext"]["identity"]["apiKey"] = "S3CRET-key"
    assert f"api_key='{SECRET_MASK}'" in repr(parse(rest, "api-gateway-rest"))
    pipeline = parse(make_event("codepipeline-job"))
    assert f"secret_access_key='{SECRET_MASK}'" in repr(pipeline.job.data.artifact_credentials)  # type: ignore[attr-defined]
    assert f"session_token='{SECRET_MASK}'" in repr(pipeline.job.data.artifact_credentials)  # type: ignore[attr-defined]
    # An absent credential stays None: the repr says whether one was sent.
    request = parse(make_event("api-gateway-authorizer-request"), "api-gateway-authorizer-request")
    assert "authorization_token=None" in repr(request)
