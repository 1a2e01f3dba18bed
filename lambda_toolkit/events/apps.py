"""Models of the application triggers: AppSync resolvers and Events, Bedrock agents, Connect flows.

``AppSyncResolverEvent`` is the direct Lambda resolver context (one field resolution), in the
current shape (``info``) or the older one (``typeName`` and ``fieldName`` at the top level);
batch resolvers send a list of them, parsed into ``AppSyncBatchResolverEvent``.
``AppSyncEventsEvent`` is an AppSync Events API channel namespace handler (publish, subscribe).
``BedrockAgentEvent`` covers action groups defined by an API schema (``api_path``,
``http_method``, ``request_body``) and by function details (``function``).
``ConnectContactFlowEvent`` is the "Invoke AWS Lambda function" block.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic.alias_generators import to_pascal

from lambda_toolkit.events._base import EventModel

__all__ = [
    "AppSyncBatchResolverEvent",
    "AppSyncEventsChannel",
    "AppSyncEventsEvent",
    "AppSyncEventsInfo",
    "AppSyncEventsNamespace",
    "AppSyncEventsPayload",
    "AppSyncIdentity",
    "AppSyncInfo",
    "AppSyncRequest",
    "AppSyncResolverEvent",
    "BedrockAgent",
    "BedrockAgentEvent",
    "BedrockMediaContent",
    "BedrockParameter",
    "BedrockRequestBody",
    "ConnectContactData",
    "ConnectContactFlowEvent",
    "ConnectDetails",
    "ConnectEndpoint",
    "ConnectQueue",
]


# --- AppSync -------------------------------------------------------------------------


class AppSyncIdentity(EventModel):
    """Who called the API; the fields present depend on the authorization mode.

    Cognito user pools and OIDC: ``sub``, ``issuer``, ``username``, ``claims``, ``groups``;
    IAM: ``account_id``, ``user_arn``, ``cognito_identity_*``; Lambda authorizer:
    ``resolver_context``. API key requests have no identity at all.
    """

    sub: str | None = None
    issuer: str | None = None
    username: str | None = None
    claims: dict[str, Any] | None = None
    groups: list[str] | None = None
    source_ip: list[str] | None = None
    default_auth_strategy: str | None = None
    account_id: str | None = None
    user_arn: str | None = None
    cognito_identity_pool_id: str | None = None
    cognito_identity_id: str | None = None
    cognito_identity_auth_type: str | None = None
    cognito_identity_auth_provider: str | None = None
    resolver_context: dict[str, Any] | None = None


class AppSyncRequest(EventModel):
    """The HTTP request that carried the GraphQL operation."""

    headers: dict[str, str] | None = None
    domain_name: str | None = None


class AppSyncInfo(EventModel):
    """What is being resolved: the field, its parent type, the selection set, the variables."""

    field_name: str
    parent_type_name: str
    variables: dict[str, Any] | None = None
    selection_set_list: list[str] | None = None
    selection_set_graphql: str | None = Field(default=None, alias="selectionSetGraphQL")


class AppSyncResolverEvent(EventModel):
    """An AppSync direct Lambda resolver invocation (one field).

    Resolvers set up before AppSync sent ``info`` carry ``typeName`` and ``fieldName`` at the
    top level instead: they are read into ``info`` (``info`` wins when both are present), so
    ``type_name`` and ``field_name`` work for both shapes.
    """

    trigger: ClassVar[str] = "appsync-resolver"

    info: AppSyncInfo
    arguments: dict[str, Any] = Field(default_factory=dict)
    identity: AppSyncIdentity | None = None
    source: dict[str, Any] | None = None
    request: AppSyncRequest | None = None
    prev: dict[str, Any] | None = None
    stash: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _top_level_names(cls, data: Any) -> Any:
        if isinstance(data, dict) and "info" not in data and ("fieldName" in data or "typeName" in data):
            return _with_info_from_top_level(data)
        return data

    @property
    def field_name(self) -> str:
        """The GraphQL field being resolved."""
        return self.info.field_name

    @property
    def type_name(self) -> str:
        """The parent type of the field (``Query``, ``Mutation``, ``Subscription`` or a type)."""
        return self.info.parent_type_name


def _with_info_from_top_level(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with an ``info`` built from its top-level names; a missing one is reported by its own key."""
    from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

    missing = [key for key in ("typeName", "fieldName") if key not in data]
    if missing:
        errors: list[InitErrorDetails] = [
            {"type": PydanticCustomError("missing", "field required"), "loc": (key,), "input": None} for key in missing
        ]
        raise ValidationError.from_exception_data("AppSyncResolverEvent", errors)
    return {**data, "info": {"fieldName": data["fieldName"], "parentTypeName": data["typeName"]}}


class AppSyncBatchResolverEvent(EventModel):
    """A batch invocation of a direct Lambda resolver: AppSync sends a list of events, one per source.

    ``parse(list_of_events)`` returns this; answer with a list of results in the same order.
    Every event resolves the same field, so ``field_name`` and ``type_name`` are the first one's.
    """

    trigger: ClassVar[str] = "appsync-resolver"
    #: ``parse_event`` hands this model the list AppSync sends (other models take a mapping).
    takes_a_list: ClassVar[bool] = True

    events: list[AppSyncResolverEvent] = Field(min_length=1)

    def __len__(self) -> int:
        return len(self.events)

    def __getitem__(self, index: int) -> AppSyncResolverEvent:
        return self.events[index]

    @property
    def field_name(self) -> str:
        """The GraphQL field every event of the batch resolves."""
        return self.events[0].field_name

    @property
    def type_name(self) -> str:
        """The parent type of that field."""
        return self.events[0].type_name


# --- AppSync Events ------------------------------------------------------------------


class AppSyncEventsChannel(EventModel):
    """The channel published or subscribed to: ``/namespace/a/b`` and its segments."""

    path: str
    segments: list[str] = Field(default_factory=list)


class AppSyncEventsNamespace(EventModel):
    """The channel namespace whose handler is called."""

    name: str


class AppSyncEventsInfo(EventModel):
    """What the handler is called for: the channel, its namespace and the operation."""

    channel: AppSyncEventsChannel
    channel_namespace: AppSyncEventsNamespace
    operation: Literal["PUBLISH", "SUBSCRIBE"]


class AppSyncEventsPayload(EventModel):
    """One published event: its ``id`` (echo it to keep or transform the event) and ``payload``."""

    id: str
    payload: Any = Field(default=None, repr=False)


class AppSyncEventsEvent(EventModel):
    """An AppSync Events API handler call (a channel namespace with a Lambda data source).

    ``PUBLISH`` carries the published ``events``; ``SUBSCRIBE`` has none (an empty list).
    """

    trigger: ClassVar[str] = "appsync-events"

    info: AppSyncEventsInfo
    identity: AppSyncIdentity | None = None
    request: AppSyncRequest | None = None
    events: list[AppSyncEventsPayload] | None = None
    error: Any = None
    prev: Any = None
    stash: dict[str, Any] | None = None
    out_errors: list[Any] | None = None

    @property
    def operation(self) -> str:
        """``PUBLISH`` or ``SUBSCRIBE``."""
        return self.info.operation

    @property
    def channel_path(self) -> str:
        """The channel's path, ``/namespace/...``."""
        return self.info.channel.path

    @property
    def published(self) -> list[AppSyncEventsPayload]:
        """The published events (empty for a subscription)."""
        return self.events or []


# --- Bedrock agents ----------------------------------------------------------------------


class BedrockAgent(EventModel):
    """The agent that called the action group."""

    name: str
    id: str
    alias: str
    version: str


class BedrockParameter(EventModel):
    """A parameter the agent elicited: name, declared type, and value (always a string)."""

    name: str
    type: str
    value: str


class BedrockMediaContent(EventModel):
    """The request body for one media type, as a list of properties."""

    properties: list[BedrockParameter] = Field(default_factory=list)


class BedrockRequestBody(EventModel):
    """``requestBody``: media type (``application/json``) -> properties."""

    content: dict[str, BedrockMediaContent] = Field(default_factory=dict)


class BedrockAgentEvent(EventModel):
    """A Bedrock agent action group invocation (API-schema or function-details form)."""

    trigger: ClassVar[str] = "bedrock-agent"

    message_version: str
    agent: BedrockAgent
    action_group: str
    session_id: str
    input_text: str | None = None
    api_path: str | None = None
    http_method: str | None = None
    function: str | None = None
    parameters: list[BedrockParameter] = Field(default_factory=list)
    request_body: BedrockRequestBody | None = None
    session_attributes: dict[str, str] = Field(default_factory=dict)
    prompt_session_attributes: dict[str, str] = Field(default_factory=dict)

    def parameter(self, name: str, default: str | None = None) -> str | None:
        """The value of parameter ``name``, or ``default`` when the agent did not send it."""
        for param in self.parameters:
            if param.name == name:
                return param.value
        return default

    def body_properties(self, media_type: str = "application/json") -> dict[str, str]:
        """The request body's properties for ``media_type`` as name -> value (``{}`` if none)."""
        if self.request_body is None or media_type not in self.request_body.content:
            return {}
        return {prop.name: prop.value for prop in self.request_body.content[media_type].properties}


# --- Amazon Connect --------------------------------------------------------------------


class _ConnectModel(EventModel):
    model_config = ConfigDict(alias_generator=to_pascal)


class ConnectEndpoint(_ConnectModel):
    """A customer or system endpoint (``Type`` is ``TELEPHONE_NUMBER`` for phone calls)."""

    address: str | None = None
    type: str | None = None


class ConnectQueue(_ConnectModel):
    """The queue the contact is in."""

    name: str | None = None
    arn: str | None = Field(default=None, alias="ARN")
    outbound_caller_id: dict[str, Any] | None = None


class ConnectContactData(_ConnectModel):
    """``Details.ContactData``: the contact being handled."""

    contact_id: str
    attributes: dict[str, str] = Field(default_factory=dict)
    channel: str | None = None
    initial_contact_id: str | None = None
    previous_contact_id: str | None = None
    initiation_method: str | None = None
    instance_arn: str | None = Field(default=None, alias="InstanceARN")
    customer_endpoint: ConnectEndpoint | None = None
    system_endpoint: ConnectEndpoint | None = None
    queue: ConnectQueue | None = None
    language_code: str | None = None
    media_streams: dict[str, Any] | None = None


class ConnectDetails(_ConnectModel):
    """``Details``: the contact and the parameters set on the flow block."""

    contact_data: ConnectContactData
    parameters: dict[str, str] = Field(default_factory=dict)


class ConnectContactFlowEvent(_ConnectModel):
    """An Amazon Connect contact flow "Invoke AWS Lambda function" call."""

    trigger: ClassVar[str] = "connect-contact-flow"

    name: str
    details: ConnectDetails
