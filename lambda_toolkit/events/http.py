"""Models of the HTTP triggers: API Gateway (REST, HTTP, WebSocket), ALB, Function URLs, VPC Lattice.

Every model here has ``body`` and ``is_base64_encoded`` and the same helpers:
``decoded_body()``, ``text_body()``, ``json_body()`` (decoded on demand, once),
``header(name)`` (case-insensitive), ``header_values(name)``, ``query(name)`` and
``query_values(name)``, plus ``http_method`` and ``path`` whatever the source calls them.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qsl

from pydantic import AliasChoices, Field

from lambda_toolkit.events._base import EventModel
from lambda_toolkit.events._http_common import EpochMicros, HttpBodyMixin, MultiValueMap

__all__ = [
    "ALBEvent",
    "ALBRequestContext",
    "APIGatewayHttpEvent",
    "APIGatewayRestEvent",
    "APIGatewayWebSocketEvent",
    "ClientCert",
    "ClientCertValidity",
    "CognitoIdentity",
    "ELBContext",
    "FunctionURLEvent",
    "HttpApiAuthentication",
    "HttpApiAuthorizer",
    "HttpApiHttp",
    "HttpApiRequestContext",
    "IamAuthorizer",
    "JwtAuthorizer",
    "RestIdentity",
    "RestRequestContext",
    "VPCLatticeEvent",
    "VPCLatticeV2Event",
    "VPCLatticeV2Identity",
    "VPCLatticeV2RequestContext",
    "WebSocketRequestContext",
]


# --- shared parts ---------------------------------------------------------------------


class ClientCertValidity(EventModel):
    """Validity window of a mutual-TLS client certificate (as API Gateway prints it)."""

    not_before: str | None = None
    not_after: str | None = None


class ClientCert(EventModel):
    """The client certificate of a mutual-TLS request."""

    client_cert_pem: str | None = None
    subject_dn: str | None = Field(default=None, alias="subjectDN")
    issuer_dn: str | None = Field(default=None, alias="issuerDN")
    serial_number: str | None = None
    validity: ClientCertValidity | None = None


class RestIdentity(EventModel):
    """Who called a REST or WebSocket API (every field may be absent or null)."""

    access_key: str | None = None
    account_id: str | None = None
    api_key: str | None = None
    api_key_id: str | None = None
    caller: str | None = None
    cognito_authentication_provider: str | None = None
    cognito_authentication_type: str | None = None
    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None
    principal_org_id: str | None = None
    source_ip: str | None = None
    user: str | None = None
    user_agent: str | None = None
    user_arn: str | None = None
    client_cert: ClientCert | None = None


class RestRequestContext(EventModel):
    """``requestContext`` of a REST API proxy event."""

    request_id: str
    account_id: str | None = None
    api_id: str | None = None
    authorizer: dict[str, Any] | None = None
    domain_name: str | None = None
    domain_prefix: str | None = None
    extended_request_id: str | None = None
    http_method: str | None = None
    identity: RestIdentity | None = None
    operation_name: str | None = None
    path: str | None = None
    protocol: str | None = None
    request_time: str | None = None
    request_time_epoch: datetime | None = None
    resource_id: str | None = None
    resource_path: str | None = None
    stage: str | None = None


# --- API Gateway REST -------------------------------------------------------------------


class APIGatewayRestEvent(HttpBodyMixin, EventModel):
    """An API Gateway REST API request (Lambda proxy integration, payload 1.0)."""

    trigger: ClassVar[str] = "api-gateway-rest"

    http_method: str
    path: str
    request_context: RestRequestContext
    resource: str | None = None
    headers: dict[str, str] | None = None
    multi_value_headers: dict[str, list[str]] | None = None
    query_string_parameters: dict[str, str] | None = None
    multi_value_query_string_parameters: dict[str, list[str]] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    body: str | None = None
    is_base64_encoded: bool = False


# --- API Gateway WebSocket --------------------------------------------------------------


class WebSocketRequestContext(EventModel):
    """``requestContext`` of a WebSocket API event."""

    route_key: str
    event_type: Literal["CONNECT", "MESSAGE", "DISCONNECT"]
    connection_id: str
    request_id: str | None = None
    message_id: str | None = None
    message_direction: str | None = None
    connected_at: datetime | None = None
    request_time: str | None = None
    request_time_epoch: datetime | None = None
    api_id: str | None = None
    domain_name: str | None = None
    stage: str | None = None
    extended_request_id: str | None = None
    identity: RestIdentity | None = None
    authorizer: dict[str, Any] | None = None
    disconnect_status_code: int | None = None
    disconnect_reason: str | None = None


class APIGatewayWebSocketEvent(HttpBodyMixin, EventModel):
    """An API Gateway WebSocket API event ($connect, $disconnect or a message route)."""

    trigger: ClassVar[str] = "api-gateway-websocket"

    request_context: WebSocketRequestContext
    headers: dict[str, str] | None = None
    multi_value_headers: dict[str, list[str]] | None = None
    query_string_parameters: dict[str, str] | None = None
    multi_value_query_string_parameters: dict[str, list[str]] | None = None
    stage_variables: dict[str, str] | None = None
    body: str | None = None
    is_base64_encoded: bool = False

    @property
    def route_key(self) -> str:
        """The route that matched (``$connect``, ``$disconnect``, ``$default`` or custom)."""
        return self.request_context.route_key

    @property
    def connection_id(self) -> str:
        """The connection id, used to post back to the client."""
        return self.request_context.connection_id


# --- payload 2.0: HTTP API and Function URL ------------------------------------------------


class HttpApiHttp(EventModel):
    """``requestContext.http``: the request line and the peer."""

    method: str
    path: str
    protocol: str | None = None
    source_ip: str | None = None
    user_agent: str | None = None


class CognitoIdentity(EventModel):
    """Cognito identity of an IAM-authorized caller."""

    amr: list[str] | None = None
    identity_id: str | None = None
    identity_pool_id: str | None = None


class IamAuthorizer(EventModel):
    """The IAM principal of a SigV4-signed request."""

    access_key: str | None = None
    account_id: str | None = None
    caller_id: str | None = None
    cognito_identity: CognitoIdentity | None = None
    principal_org_id: str | None = None
    user_arn: str | None = None
    user_id: str | None = None


class JwtAuthorizer(EventModel):
    """Claims and scopes of a request that passed a JWT authorizer."""

    claims: dict[str, Any] | None = None
    scopes: list[str] | None = None


class HttpApiAuthorizer(EventModel):
    """``requestContext.authorizer`` of payload 2.0: one of ``jwt``, ``iam`` or ``lambda``."""

    jwt: JwtAuthorizer | None = None
    iam: IamAuthorizer | None = None
    lambda_: dict[str, Any] | None = Field(default=None, alias="lambda")


class HttpApiAuthentication(EventModel):
    """``requestContext.authentication``: the mutual-TLS client certificate."""

    client_cert: ClientCert | None = None


class HttpApiRequestContext(EventModel):
    """``requestContext`` of payload 2.0 (HTTP API, Function URL)."""

    http: HttpApiHttp
    request_id: str | None = None
    account_id: str | None = None
    api_id: str | None = None
    authentication: HttpApiAuthentication | None = None
    authorizer: HttpApiAuthorizer | None = None
    domain_name: str | None = None
    domain_prefix: str | None = None
    route_key: str | None = None
    stage: str | None = None
    time: str | None = None
    time_epoch: datetime | None = None


class _PayloadV2Event(HttpBodyMixin, EventModel):
    """Fields of the payload format 2.0 shared by HTTP APIs and Function URLs."""

    trigger: ClassVar[str] = "payload-2.0"

    version: Literal["2.0"] = "2.0"
    raw_path: str
    request_context: HttpApiRequestContext
    raw_query_string: str = ""
    cookies: list[str] | None = None
    headers: dict[str, str] | None = None
    query_string_parameters: dict[str, str] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    body: str | None = None
    is_base64_encoded: bool = False

    @property
    def http_method(self) -> str:
        """The request method (``requestContext.http.method``)."""
        return self.request_context.http.method

    @property
    def path(self) -> str:
        """The request path (``requestContext.http.path``)."""
        return self.request_context.http.path

    @cached_property
    def _query_index(self) -> dict[str, list[str]]:
        # queryStringParameters joins repeated names with commas; the raw string keeps them apart.
        if self.raw_query_string:
            index: dict[str, list[str]] = {}
            for name, value in parse_qsl(self.raw_query_string, keep_blank_values=True):
                index.setdefault(name, []).append(value)
            return index
        return {name: [value] for name, value in (self.query_string_parameters or {}).items()}

    def query(self, name: str, default: str | None = None) -> str | None:
        """The value of ``name`` as API Gateway gives it (repeated values comma-joined)."""
        params = self.query_string_parameters
        if params is not None and name in params:
            return params[name]
        values = self._query_index.get(name)
        return ",".join(values) if values else default


class APIGatewayHttpEvent(_PayloadV2Event):
    """An API Gateway HTTP API request (payload format 2.0)."""

    trigger: ClassVar[str] = "api-gateway-http"

    route_key: str | None = None


class FunctionURLEvent(_PayloadV2Event):
    """A request to a Lambda function URL (payload format 2.0, no routes)."""

    trigger: ClassVar[str] = "function-url"


# --- ALB -------------------------------------------------------------------------------


class ELBContext(EventModel):
    """``requestContext.elb``: the target group that routed the request."""

    target_group_arn: str


class ALBRequestContext(EventModel):
    """``requestContext`` of an ALB event."""

    elb: ELBContext


class ALBEvent(HttpBodyMixin, EventModel):
    """A request forwarded by an Application Load Balancer to a Lambda target.

    Either ``headers``/``query_string_parameters`` or their multi-value forms are present,
    depending on the target group's setting. ALB passes query values as the client sent
    them (percent-encoding is not undone).
    """

    trigger: ClassVar[str] = "alb"

    http_method: str
    path: str
    request_context: ALBRequestContext
    headers: dict[str, str] | None = None
    multi_value_headers: dict[str, list[str]] | None = None
    query_string_parameters: dict[str, str] | None = None
    multi_value_query_string_parameters: dict[str, list[str]] | None = None
    body: str | None = None
    is_base64_encoded: bool = False


# --- VPC Lattice -----------------------------------------------------------------------


class VPCLatticeEvent(HttpBodyMixin, EventModel):
    """A VPC Lattice request, event structure version 1 (snake_case keys on the wire)."""

    trigger: ClassVar[str] = "vpc-lattice"

    method: str = Field(alias="method")
    raw_path: str = Field(alias="raw_path")
    headers: dict[str, str] | None = Field(default=None, alias="headers")
    query_string_parameters: dict[str, str] | None = Field(default=None, alias="query_string_parameters")
    body: str | None = Field(default=None, alias="body")
    is_base64_encoded: bool = Field(default=False, alias="is_base64_encoded")

    @property
    def http_method(self) -> str:
        """The request method."""
        return self.method

    @property
    def path(self) -> str:
        """The request path (``raw_path``)."""
        return self.raw_path


class VPCLatticeV2Identity(EventModel):
    """``requestContext.identity`` of a VPC Lattice v2 event."""

    source_vpc_arn: str | None = None
    type: str | None = None
    principal: str | None = None
    principal_org_id: str | None = Field(
        default=None, validation_alias=AliasChoices("principalOrgID", "principalOrgId")
    )
    session_name: str | None = None
    x509_issuer_ou: str | None = Field(default=None, validation_alias=AliasChoices("x509IssuerOu", "X509IssuerOu"))
    x509_san_dns: str | None = Field(default=None, validation_alias=AliasChoices("x509SanDns", "X509SanDns"))
    x509_san_name_cn: str | None = Field(default=None, validation_alias=AliasChoices("x509SanNameCn", "X509SanNameCn"))
    x509_san_uri: str | None = Field(default=None, validation_alias=AliasChoices("x509SanUri", "X509SanUri"))
    x509_subject_cn: str | None = Field(default=None, validation_alias=AliasChoices("x509SubjectCn", "X509SubjectCn"))


class VPCLatticeV2RequestContext(EventModel):
    """``requestContext`` of a VPC Lattice v2 event."""

    service_network_arn: str | None = None
    service_arn: str | None = None
    target_group_arn: str | None = None
    identity: VPCLatticeV2Identity | None = None
    region: str | None = None
    time_epoch: EpochMicros | None = None


class VPCLatticeV2Event(HttpBodyMixin, EventModel):
    """A VPC Lattice request, event structure version 2 (multi-value headers and query)."""

    trigger: ClassVar[str] = "vpc-lattice-v2"

    version: Literal["2.0"] = "2.0"
    method: str
    path: str
    request_context: VPCLatticeV2RequestContext
    headers: MultiValueMap | None = None
    query_string_parameters: MultiValueMap | None = None
    body: str | None = None
    is_base64_encoded: bool = False

    def _raw_headers(self) -> tuple[None, dict[str, list[str]] | None]:
        return None, self.headers

    def _raw_query(self) -> tuple[None, dict[str, list[str]] | None]:
        return None, self.query_string_parameters

    @property
    def http_method(self) -> str:
        """The request method."""
        return self.method
