"""Test-event factories for the HTTP and authorizer triggers (plain dicts, no pydantic).

Each factory builds a realistic event with sensible defaults. The common arguments are the
request itself (``method``, ``path``, ``headers``, ``query``, ``body``); ``body`` may be a
string, bytes (sent base64-encoded, as AWS does for binary bodies) or any JSON value (sent
as JSON with a ``content-type: application/json`` header). Keyword ``overrides`` are merged
into the event last, by their AWS names, dicts merged recursively, e.g.
``api_gateway_rest_event(requestContext={"stage": "prod"})``.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "FACTORIES",
    "alb_event",
    "api_gateway_http_authorizer_event",
    "api_gateway_http_event",
    "api_gateway_request_authorizer_event",
    "api_gateway_rest_event",
    "api_gateway_token_authorizer_event",
    "api_gateway_websocket_event",
    "appsync_authorizer_event",
    "function_url_event",
    "vpc_lattice_event",
    "vpc_lattice_v2_event",
]

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
API_ID = "a1b2c3d4e5"
SOURCE_IP = "203.0.113.10"
USER_AGENT = "lambda-toolkit-tests/1.0"

Body = str | bytes | Mapping[str, Any] | list[Any] | int | float | bool | None


def deep_merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated with ``overrides``; nested dicts are merged, other values replaced."""
    for key, value in overrides.items():
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            base[key] = deep_merge(current, value)
        else:
            base[key] = value
    return base


def _headers(defaults: Mapping[str, str], given: Mapping[str, str] | None) -> dict[str, str]:
    """``given`` plus each default whose name (in any case) ``given`` does not have."""
    given = dict(given or {})
    present = {name.lower() for name in given}
    return {**{k: v for k, v in defaults.items() if k.lower() not in present}, **given}


def _body(body: Body, headers: dict[str, str]) -> tuple[str | None, bool]:
    """Encode ``body`` as AWS delivers it: (body string, is base64) and set content-type."""
    if body is None:
        return None, False
    if isinstance(body, bytes):
        text, content_type, is_b64 = base64.b64encode(body).decode("ascii"), "application/octet-stream", True
    elif isinstance(body, str):
        return body, False
    else:
        text, content_type, is_b64 = json.dumps(body), "application/json", False
    if not any(name.lower() == "content-type" for name in headers):
        headers["content-type"] = content_type
    return text, is_b64


def _now() -> tuple[int, str]:
    """(epoch milliseconds, API Gateway's request time text) for now."""
    now = time.time()
    return int(now * 1000), time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))


def _host(headers: Mapping[str, str]) -> str:
    return next(value for name, value in headers.items() if name.lower() == "host")


def api_gateway_rest_event(
    method: str = "GET",
    path: str = "/",
    headers: Mapping[str, str] | None = None,
    body: Body = None,
    query: Mapping[str, str | list[str]] | None = None,
    path_parameters: Mapping[str, str] | None = None,
    *,
    resource: str | None = None,
    stage: str = "prod",
    authorizer: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An API Gateway REST API proxy event (payload 1.0) for ``method path``."""
    hdrs = _headers({"host": f"{API_ID}.execute-api.{REGION}.amazonaws.com", "user-agent": USER_AGENT}, headers)
    text, is_b64 = _body(body, hdrs)
    multi_query = {k: list(v) if isinstance(v, list) else [v] for k, v in (query or {}).items()}
    epoch_ms, request_time = _now()
    event: dict[str, Any] = {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": hdrs,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": _host(hdrs),
            "domainPrefix": API_ID,
            "extendedRequestId": uuid.uuid4().hex[:16],
            "httpMethod": method,
            "identity": {"sourceIp": SOURCE_IP, "userAgent": USER_AGENT},
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": request_time,
            "requestTimeEpoch": epoch_ms,
            "resourceId": "abc123",
            "resourcePath": resource or path,
            "stage": stage,
        },
        "body": text,
        "isBase64Encoded": is_b64,
    }
    if authorizer is not None:
        event["requestContext"]["authorizer"] = dict(authorizer)
    return deep_merge(event, overrides)


def _payload_v2(
    method: str,
    path: str,
    headers: Mapping[str, str] | None,
    body: Body,
    query: Mapping[str, str | list[str]] | None,
    domain: str,
    route_key: str | None,
    cookies: list[str] | None,
) -> dict[str, Any]:
    hdrs = {"host": domain, "user-agent": USER_AGENT, **{k.lower(): v for k, v in (headers or {}).items()}}
    text, is_b64 = _body(body, hdrs)
    pairs = [(k, item) for k, v in (query or {}).items() for item in (v if isinstance(v, list) else [v])]
    epoch_ms, request_time = _now()
    event: dict[str, Any] = {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": urlencode(pairs),
        "headers": hdrs,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": domain.split(".", 1)[0],
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": SOURCE_IP,
                "userAgent": USER_AGENT,
            },
            "requestId": str(uuid.uuid4()),
            "time": request_time,
            "timeEpoch": epoch_ms,
        },
        "isBase64Encoded": is_b64,
    }
    if route_key is not None:
        event["routeKey"] = route_key
        event["requestContext"]["routeKey"] = route_key
        event["requestContext"]["stage"] = "$default"
    if cookies:
        event["cookies"] = list(cookies)
    if query:
        event["queryStringParameters"] = {k: ",".join(v) if isinstance(v, list) else v for k, v in query.items()}
    if text is not None:
        event["body"] = text
    return event


def api_gateway_http_event(
    method: str = "GET",
    path: str = "/",
    headers: Mapping[str, str] | None = None,
    body: Body = None,
    query: Mapping[str, str | list[str]] | None = None,
    path_parameters: Mapping[str, str] | None = None,
    *,
    route_key: str | None = None,
    cookies: list[str] | None = None,
    jwt_claims: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An API Gateway HTTP API event (payload 2.0); ``jwt_claims`` adds a JWT authorizer context."""
    event = _payload_v2(
        method,
        path,
        headers,
        body,
        query,
        f"{API_ID}.execute-api.{REGION}.amazonaws.com",
        route_key or f"{method} {path}",
        cookies,
    )
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if jwt_claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": dict(jwt_claims), "scopes": None}}
    return deep_merge(event, overrides)


def function_url_event(
    method: str = "GET",
    path: str = "/",
    headers: Mapping[str, str] | None = None,
    body: Body = None,
    query: Mapping[str, str | list[str]] | None = None,
    *,
    cookies: list[str] | None = None,
    iam: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """A Lambda function URL event (payload 2.0; ``iam=True`` for an AWS_IAM-authorized URL)."""
    url_id = "abcdefghijklmnopqrstuvwxyz012345"
    event = _payload_v2(method, path, headers, body, query, f"{url_id}.lambda-url.{REGION}.on.aws", None, cookies)
    event["routeKey"] = "$default"
    event["requestContext"].update({"routeKey": "$default", "stage": "$default"})
    if iam:
        event["requestContext"]["authorizer"] = {
            "iam": {
                "accessKey": "AKIAEXAMPLE",
                "accountId": ACCOUNT_ID,
                "callerId": "AIDAEXAMPLE",
                "userArn": f"arn:aws:iam::{ACCOUNT_ID}:user/example",
                "userId": "AIDAEXAMPLE",
            }
        }
    return deep_merge(event, overrides)


def api_gateway_websocket_event(
    route_key: str = "$default",
    body: Body = None,
    *,
    connection_id: str = "L0SM9cOFvHcCIhw=",
    headers: Mapping[str, str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An API Gateway WebSocket event: ``$connect``, ``$disconnect`` or a message route."""
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route_key, "MESSAGE")
    epoch_ms, request_time = _now()
    domain = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
    hdrs: dict[str, str] = {}
    text, is_b64 = _body(body, hdrs) if event_type == "MESSAGE" else (None, False)
    event: dict[str, Any] = {
        "requestContext": {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": request_time,
            "messageDirection": "IN",
            "stage": "prod",
            "connectedAt": epoch_ms - 5000,
            "requestTimeEpoch": epoch_ms,
            "identity": {"sourceIp": SOURCE_IP, "userAgent": USER_AGENT},
            "requestId": uuid.uuid4().hex[:16],
            "domainName": domain,
            "connectionId": connection_id,
            "apiId": API_ID,
        },
        "isBase64Encoded": is_b64,
    }
    if event_type == "MESSAGE":
        event["requestContext"]["messageId"] = uuid.uuid4().hex[:16]
        if text is not None:
            event["body"] = text
    else:
        all_headers = {"Host": domain, **(headers or {})}
        event["headers"] = all_headers
        event["multiValueHeaders"] = {k: [v] for k, v in all_headers.items()}
        if event_type == "DISCONNECT":
            event["requestContext"].update({"disconnectStatusCode": 1001, "disconnectReason": "Going away"})
    return deep_merge(event, overrides)


def alb_event(
    method: str = "GET",
    path: str = "/",
    headers: Mapping[str, str] | None = None,
    body: Body = None,
    query: Mapping[str, str | list[str]] | None = None,
    *,
    multi_value: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """An ALB event; ``multi_value=True`` for a target group with multi-value headers on."""
    hdrs = _headers({"host": "my-alb-123456789.us-east-1.elb.amazonaws.com", "user-agent": USER_AGENT}, headers)
    text, is_b64 = _body(body, hdrs)
    event: dict[str, Any] = {
        "requestContext": {
            "elb": {"targetGroupArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT_ID}:targetgroup/my-target/0123"}
        },
        "httpMethod": method,
        "path": path,
        "body": "" if text is None else text,
        "isBase64Encoded": is_b64,
    }
    multi_query = {k: list(v) if isinstance(v, list) else [v] for k, v in (query or {}).items()}
    if multi_value:
        event["multiValueHeaders"] = {k: [v] for k, v in hdrs.items()}
        event["multiValueQueryStringParameters"] = multi_query
    else:
        event["headers"] = hdrs
        event["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()}
    return deep_merge(event, overrides)


def vpc_lattice_event(
    method: str = "GET",
    path: str = "/",
    headers: Mapping[str, str] | None = None,
    body: Body = None,
    query: Mapping[str, str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A VPC Lattice event, structure version 1 (snake_case keys)."""
    hdrs = _headers({"host": "my-service-0123456789abcdef.7d67968.vpc-lattice-svcs.us-east-1.on.aws"}, headers)
    text, is_b64 = _body(body, hdrs)
    event: dict[str, Any] = {
        "raw_path": path,
        "method": method,
        "headers": hdrs,
        "query_string_parameters": dict(query or {}),
        "body": "" if text is None else text,
        "is_base64_encoded": is_b64,
    }
    return deep_merge(event, overrides)


def vpc_lattice_v2_event(
    method: str = "GET",
    path: str = "/",
    headers: Mapping[str, str | list[str]] | None = None,
    body: Body = None,
    query: Mapping[str, str | list[str]] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A VPC Lattice event, structure version 2 (multi-value headers and query)."""
    flat = {k: v for k, v in (headers or {}).items() if isinstance(v, str)}
    single = _headers({"host": "my-service-0123456789abcdef.7d67968.vpc-lattice-svcs.us-east-1.on.aws"}, flat)
    text, is_b64 = _body(body, single)
    hdrs: dict[str, list[str]] = {k: [v] for k, v in single.items()}
    hdrs.update({k: list(v) for k, v in (headers or {}).items() if isinstance(v, list)})
    event: dict[str, Any] = {
        "version": "2.0",
        "path": path,
        "method": method,
        "headers": hdrs,
        "queryStringParameters": {k: list(v) if isinstance(v, list) else [v] for k, v in (query or {}).items()},
        "body": "" if text is None else text,
        "isBase64Encoded": is_b64,
        "requestContext": {
            "serviceNetworkArn": f"arn:aws:vpc-lattice:{REGION}:{ACCOUNT_ID}:servicenetwork/sn-0bf3f2882e9cc805a",
            "serviceArn": f"arn:aws:vpc-lattice:{REGION}:{ACCOUNT_ID}:service/svc-0a40eebed65f8d69c",
            "targetGroupArn": f"arn:aws:vpc-lattice:{REGION}:{ACCOUNT_ID}:targetgroup/tg-6d0ecf831eec9f09",
            "identity": {"sourceVpcArn": f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:vpc/vpc-0b8276c84697e7339"},
            "region": REGION,
            "timeEpoch": str(time.time_ns() // 1000),
        },
    }
    return deep_merge(event, overrides)


def api_gateway_token_authorizer_event(token: str = "allow", **overrides: Any) -> dict[str, Any]:
    """A REST API ``TOKEN`` authorizer call carrying ``token``."""
    event: dict[str, Any] = {
        "type": "TOKEN",
        "authorizationToken": token,
        "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/prod/GET/",
    }
    return deep_merge(event, overrides)


def api_gateway_request_authorizer_event(
    method: str = "GET",
    path: str = "/",
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A REST API ``REQUEST`` authorizer call (the shape of HTTP API payload 1.0 too)."""
    request = api_gateway_rest_event(method, path, headers, None, query)
    event: dict[str, Any] = {
        "type": "REQUEST",
        "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/prod/{method}{path}",
        **{k: v for k, v in request.items() if k not in ("body", "isBase64Encoded")},
    }
    return deep_merge(event, overrides)


def api_gateway_http_authorizer_event(
    method: str = "GET",
    path: str = "/",
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str | list[str]] | None = None,
    *,
    identity_source: list[str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An HTTP API Lambda authorizer call with payload format 2.0."""
    hdrs = {"authorization": "Bearer example-token", **(headers or {})}
    request = api_gateway_http_event(method, path, hdrs, None, query)
    request.pop("isBase64Encoded", None)
    event: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/$default/{method}{path}",
        "identitySource": identity_source if identity_source is not None else ["Bearer example-token"],
        **{k: v for k, v in request.items() if k != "version"},
    }
    return deep_merge(event, overrides)


def appsync_authorizer_event(
    token: str = "example-token", operation_name: str = "MyQuery", **overrides: Any
) -> dict[str, Any]:
    """An AppSync ``AWS_LAMBDA`` authorizer call."""
    event: dict[str, Any] = {
        "authorizationToken": token,
        "requestContext": {
            "apiId": "abcdefghijklmnopqrstuvwxyz",
            "accountId": ACCOUNT_ID,
            "requestId": str(uuid.uuid4()),
            "queryString": f"query {operation_name} {{ items {{ id }} }}",
            "operationName": operation_name,
            "variables": {},
        },
        "requestHeaders": {"authorization": token, "content-type": "application/json"},
    }
    return deep_merge(event, overrides)


FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {
    "api-gateway-rest": api_gateway_rest_event,
    "api-gateway-http": api_gateway_http_event,
    "api-gateway-websocket": api_gateway_websocket_event,
    "api-gateway-authorizer-token": api_gateway_token_authorizer_event,
    "api-gateway-authorizer-request": api_gateway_request_authorizer_event,
    "api-gateway-authorizer-http": api_gateway_http_authorizer_event,
    "alb": alb_event,
    "function-url": function_url_event,
    "vpc-lattice": vpc_lattice_event,
    "vpc-lattice-v2": vpc_lattice_v2_event,
    "appsync-authorizer": appsync_authorizer_event,
}
"""trigger name -> factory building an event of that trigger."""
