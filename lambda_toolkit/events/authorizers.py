"""Models of the Lambda authorizer triggers: API Gateway (token, request, HTTP API 2.0) and AppSync.

Tokens and identity sources are masked in ``repr`` (by the rule of every model, see
``_masking``); the attributes keep the real values. Request authorizers have
the header and query helpers of the HTTP models: ``header(name)`` (case-insensitive),
``header_values``, ``query``, ``query_values``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from lambda_toolkit.events._base import EventModel
from lambda_toolkit.events._http_common import HttpRequestMixin
from lambda_toolkit.events.http import HttpApiRequestContext, RestRequestContext

__all__ = [
    "APIGatewayHttpAuthorizerEvent",
    "APIGatewayRequestAuthorizerEvent",
    "APIGatewayTokenAuthorizerEvent",
    "AppSyncAuthorizerEvent",
    "AppSyncAuthorizerRequestContext",
]


class APIGatewayTokenAuthorizerEvent(EventModel):
    """A REST API ``TOKEN`` authorizer call: the token from the identity header."""

    trigger: ClassVar[str] = "api-gateway-authorizer-token"

    type: Literal["TOKEN"]
    method_arn: str
    authorization_token: str


class APIGatewayRequestAuthorizerEvent(HttpRequestMixin, EventModel):
    """A REST API ``REQUEST`` authorizer call, or an HTTP API authorizer with payload 1.0.

    HTTP API payload 1.0 adds ``version`` ("1.0"), ``identity_source`` and
    ``authorization_token``.
    """

    trigger: ClassVar[str] = "api-gateway-authorizer-request"

    type: Literal["REQUEST"]
    method_arn: str
    version: str | None = None
    identity_source: str | None = None
    authorization_token: str | None = None
    resource: str | None = None
    path: str | None = None
    http_method: str | None = None
    headers: dict[str, str] | None = None
    multi_value_headers: dict[str, list[str]] | None = None
    query_string_parameters: dict[str, str] | None = None
    multi_value_query_string_parameters: dict[str, list[str]] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    request_context: RestRequestContext | None = None


class APIGatewayHttpAuthorizerEvent(HttpRequestMixin, EventModel):
    """An HTTP API Lambda authorizer call with payload format 2.0."""

    trigger: ClassVar[str] = "api-gateway-authorizer-http"

    version: Literal["2.0"]
    type: Literal["REQUEST"]
    route_arn: str
    identity_source: list[str] | None = None
    route_key: str | None = None
    raw_path: str | None = None
    raw_query_string: str | None = None
    cookies: list[str] | None = None
    headers: dict[str, str] | None = None
    query_string_parameters: dict[str, str] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    request_context: HttpApiRequestContext | None = None


class AppSyncAuthorizerRequestContext(EventModel):
    """``requestContext`` of an AppSync Lambda authorizer call: the GraphQL request."""

    api_id: str | None = None
    account_id: str | None = None
    request_id: str | None = None
    query_string: str | None = None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None


class AppSyncAuthorizerEvent(EventModel):
    """An AppSync ``AWS_LAMBDA`` authorizer call."""

    trigger: ClassVar[str] = "appsync-authorizer"

    authorization_token: str
    request_context: AppSyncAuthorizerRequestContext
    request_headers: dict[str, str] | None = None

    def header(self, name: str, default: str | None = None) -> str | None:
        """The value of request header ``name`` (any case), or ``default``."""
        wanted = name.lower()
        for key, value in (self.request_headers or {}).items():
            if key.lower() == wanted:
                return value
        return default
