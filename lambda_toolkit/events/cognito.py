"""Per-trigger models of the Cognito user pool triggers, selected by ``triggerSource``.

``CognitoUserPoolEvent`` (in ``identity``) reads every user pool trigger with one model whose
request and response fields are all optional. The models here type each trigger's own
request and response: ``PreSignUpEvent.request.validation_data``,
``DefineAuthChallengeEvent.response.issue_tokens``... ``parse_cognito(event)`` picks the model
from ``triggerSource`` (and ``version`` for pre token generation, whose version 2 and 3
events add scopes and access-token customisation), falling back to the generic model for a
source AWS does not document. ``COGNITO_TRIGGERS`` names them (``cognito-pre-sign-up``...).
A handler can also take one directly: ``@parse_event`` with an ``event: PreSignUpEvent`` hint
validates that the event is a pre sign-up one (``triggerSource`` is checked).

Passwords, challenge answers, private challenge parameters and sender codes stay out of ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field

from lambda_toolkit.events._base import EventModel
from lambda_toolkit.events.identity import (
    CognitoCallerContext,
    CognitoChallengeResult,
    CognitoGroupConfiguration,
    CognitoUserPoolEvent,
)

__all__ = [
    "COGNITO_TRIGGERS",
    "ClaimsAndScopeOverrideDetails",
    "ClaimsOverrideDetails",
    "CognitoTriggerEvent",
    "CreateAuthChallengeEvent",
    "CustomEmailSenderEvent",
    "CustomMessageEvent",
    "CustomSMSSenderEvent",
    "DefineAuthChallengeEvent",
    "MigrateUserEvent",
    "PostAuthenticationEvent",
    "PostConfirmationEvent",
    "PreAuthenticationEvent",
    "PreSignUpEvent",
    "PreTokenGenerationEvent",
    "PreTokenGenerationV2Event",
    "TokenClaimsCustomization",
    "VerifyAuthChallengeEvent",
    "cognito_model",
    "parse_cognito",
]


class _Trigger(EventModel):
    """The envelope every user pool trigger shares."""

    trigger: ClassVar[str] = "cognito-user-pool"
    #: The name of this trigger in ``COGNITO_TRIGGERS``.
    name: ClassVar[str]

    version: str
    region: str
    user_pool_id: str
    user_name: str | None = None
    caller_context: CognitoCallerContext | None = None


class _Part(EventModel):
    """A request or response part."""


# -- sign-up and authentication -------------------------------------------------------------------


class PreSignUpRequest(_Part):
    """The attributes the user signs up with and the validation data the app sent."""

    user_attributes: dict[str, str] = Field(default_factory=dict)
    validation_data: dict[str, str] | None = None
    client_metadata: dict[str, str] | None = None


class PreSignUpResponse(_Part):
    """Set to confirm the user or verify their email / phone without a code."""

    auto_confirm_user: bool | None = None
    auto_verify_email: bool | None = None
    auto_verify_phone: bool | None = None


class PreSignUpEvent(_Trigger):
    """Pre sign-up: accept, reject (raise) or auto-confirm a new user."""

    name: ClassVar[str] = "cognito-pre-sign-up"

    trigger_source: Literal["PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"]
    request: PreSignUpRequest
    response: PreSignUpResponse = Field(default_factory=PreSignUpResponse)


class PostConfirmationRequest(_Part):
    """The confirmed user's attributes."""

    user_attributes: dict[str, str] = Field(default_factory=dict)
    client_metadata: dict[str, str] | None = None


class PostConfirmationEvent(_Trigger):
    """Post confirmation: after sign-up or a forgotten password is confirmed (nothing to answer)."""

    name: ClassVar[str] = "cognito-post-confirmation"

    trigger_source: Literal["PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword"]
    request: PostConfirmationRequest
    response: dict[str, Any] = Field(default_factory=dict)


class PreAuthenticationRequest(_Part):
    """Who signs in; ``user_not_found`` is set when the pool hides unknown users."""

    user_attributes: dict[str, str] = Field(default_factory=dict)
    validation_data: dict[str, str] | None = None
    user_not_found: bool | None = None


class PreAuthenticationEvent(_Trigger):
    """Pre authentication: allow the sign-in, or raise to deny it."""

    name: ClassVar[str] = "cognito-pre-authentication"

    trigger_source: Literal["PreAuthentication_Authentication"]
    request: PreAuthenticationRequest
    response: dict[str, Any] = Field(default_factory=dict)


class PostAuthenticationRequest(_Part):
    """Who signed in and whether from a new device."""

    user_attributes: dict[str, str] = Field(default_factory=dict)
    new_device_used: bool | None = None
    client_metadata: dict[str, str] | None = None


class PostAuthenticationEvent(_Trigger):
    """Post authentication: after a successful sign-in (nothing to answer)."""

    name: ClassVar[str] = "cognito-post-authentication"

    trigger_source: Literal["PostAuthentication_Authentication"]
    request: PostAuthenticationRequest
    response: dict[str, Any] = Field(default_factory=dict)


# -- tokens ---------------------------------------------------------------------------------------


class PreTokenGenerationRequest(_Part):
    """The user's attributes and groups (version 2 and 3 add the requested ``scopes``)."""

    user_attributes: dict[str, str] = Field(default_factory=dict)
    group_configuration: CognitoGroupConfiguration | None = None
    client_metadata: dict[str, str] | None = None
    scopes: list[str] | None = None


class ClaimsOverrideDetails(_Part):
    """Version 1 answer: claims added to or removed from the ID token, group overrides."""

    claims_to_add_or_override: dict[str, str] | None = None
    claims_to_suppress: list[str] | None = None
    group_override_details: CognitoGroupConfiguration | None = None


class PreTokenGenerationResponse(_Part):
    """Version 1: set ``claims_override_details``."""

    claims_override_details: ClaimsOverrideDetails | None = None


class PreTokenGenerationEvent(_Trigger):
    """Pre token generation, version 1: customise the ID token."""

    name: ClassVar[str] = "cognito-pre-token-generation"

    trigger_source: Literal[
        "TokenGeneration_HostedAuth",
        "TokenGeneration_Authentication",
        "TokenGeneration_NewPasswordChallenge",
        "TokenGeneration_AuthenticateDevice",
        "TokenGeneration_RefreshTokens",
    ]
    request: PreTokenGenerationRequest
    response: PreTokenGenerationResponse = Field(default_factory=PreTokenGenerationResponse)


class TokenClaimsCustomization(_Part):
    """What to change in one token (scopes only apply to the access token)."""

    claims_to_add_or_override: dict[str, Any] | None = None
    claims_to_suppress: list[str] | None = None
    scopes_to_add: list[str] | None = None
    scopes_to_suppress: list[str] | None = None


class ClaimsAndScopeOverrideDetails(_Part):
    """Version 2 and 3 answer: ID and access token customisation, group overrides."""

    id_token_generation: TokenClaimsCustomization | None = None
    access_token_generation: TokenClaimsCustomization | None = None
    group_override_details: CognitoGroupConfiguration | None = None


class PreTokenGenerationV2Response(_Part):
    """Version 2 and 3: set ``claims_and_scope_override_details``."""

    claims_and_scope_override_details: ClaimsAndScopeOverrideDetails | None = None


class PreTokenGenerationV2Event(_Trigger):
    """Pre token generation, versions 2 and 3: customise the ID and access tokens (3 adds M2M)."""

    name: ClassVar[str] = "cognito-pre-token-generation-v2"

    trigger_source: Literal[
        "TokenGeneration_HostedAuth",
        "TokenGeneration_Authentication",
        "TokenGeneration_NewPasswordChallenge",
        "TokenGeneration_AuthenticateDevice",
        "TokenGeneration_RefreshTokens",
        "TokenGeneration_ClientCredentials",
    ]
    request: PreTokenGenerationRequest
    response: PreTokenGenerationV2Response = Field(default_factory=PreTokenGenerationV2Response)


# -- messages -------------------------------------------------------------------------------------


class CustomMessageRequest(_Part):
    """The placeholders the message must contain (``{####}`` for the code)."""

    user_attributes: dict[str, str] = Field(default_factory=dict)
    code_parameter: str | None = None
    username_parameter: str | None = None
    link_parameter: str | None = None
    client_metadata: dict[str, str] | None = None


class CustomMessageResponse(_Part):
    """The SMS and email text to send instead of the default."""

    sms_message: str | None = None
    email_message: str | None = None
    email_subject: str | None = None


class CustomMessageEvent(_Trigger):
    """Custom message: write the verification, invitation or MFA message."""

    name: ClassVar[str] = "cognito-custom-message"

    trigger_source: Literal[
        "CustomMessage_SignUp",
        "CustomMessage_AdminCreateUser",
        "CustomMessage_ResendCode",
        "CustomMessage_ForgotPassword",
        "CustomMessage_UpdateUserAttribute",
        "CustomMessage_VerifyUserAttribute",
        "CustomMessage_Authentication",
    ]
    request: CustomMessageRequest
    response: CustomMessageResponse = Field(default_factory=CustomMessageResponse)


class SenderRequest(_Part):
    """What a custom sender delivers: ``code`` is encrypted with the pool's KMS key (decrypt it to send it)."""

    type: str
    code: str | None = Field(default=None, repr=False)
    client_metadata: dict[str, str] | None = None
    user_attributes: dict[str, str] = Field(default_factory=dict)


class CustomEmailSenderEvent(_Trigger):
    """Custom email sender: deliver the email with your own provider."""

    name: ClassVar[str] = "cognito-custom-email-sender"

    trigger_source: Literal[
        "CustomEmailSender_SignUp",
        "CustomEmailSender_ResendCode",
        "CustomEmailSender_ForgotPassword",
        "CustomEmailSender_UpdateUserAttribute",
        "CustomEmailSender_VerifyUserAttribute",
        "CustomEmailSender_AdminCreateUser",
        "CustomEmailSender_AccountTakeOverNotification",
    ]
    request: SenderRequest


class CustomSMSSenderEvent(_Trigger):
    """Custom SMS sender: deliver the text message with your own provider."""

    name: ClassVar[str] = "cognito-custom-sms-sender"

    trigger_source: Literal[
        "CustomSMSSender_SignUp",
        "CustomSMSSender_ResendCode",
        "CustomSMSSender_ForgotPassword",
        "CustomSMSSender_UpdateUserAttribute",
        "CustomSMSSender_VerifyUserAttribute",
        "CustomSMSSender_Authentication",
        "CustomSMSSender_AdminCreateUser",
    ]
    request: SenderRequest


# -- custom authentication challenges -------------------------------------------------------------


class DefineAuthChallengeRequest(_Part):
    """The challenges answered so far (``session``)."""

    user_attributes: dict[str, str] = Field(default_factory=dict)
    session: list[CognitoChallengeResult] = Field(default_factory=list)
    client_metadata: dict[str, str] | None = None
    user_not_found: bool | None = None


class DefineAuthChallengeResponse(_Part):
    """The next challenge, or issue the tokens, or fail the authentication."""

    challenge_name: str | None = None
    issue_tokens: bool | None = None
    fail_authentication: bool | None = None


class DefineAuthChallengeEvent(_Trigger):
    """Define auth challenge: decide the next step of a custom authentication flow."""

    name: ClassVar[str] = "cognito-define-auth-challenge"

    trigger_source: Literal["DefineAuthChallenge_Authentication"]
    request: DefineAuthChallengeRequest
    response: DefineAuthChallengeResponse = Field(default_factory=DefineAuthChallengeResponse)


class CreateAuthChallengeRequest(_Part):
    """The challenge to create and the ones answered so far."""

    user_attributes: dict[str, str] = Field(default_factory=dict)
    challenge_name: str | None = None
    session: list[CognitoChallengeResult] = Field(default_factory=list)
    client_metadata: dict[str, str] | None = None
    user_not_found: bool | None = None


class CreateAuthChallengeResponse(_Part):
    """What the client sees (public) and what the verify trigger checks against (private)."""

    public_challenge_parameters: dict[str, str] | None = None
    private_challenge_parameters: dict[str, str] | None = Field(default=None, repr=False)
    challenge_metadata: str | None = None


class CreateAuthChallengeEvent(_Trigger):
    """Create auth challenge: build the challenge the user must answer."""

    name: ClassVar[str] = "cognito-create-auth-challenge"

    trigger_source: Literal["CreateAuthChallenge_Authentication"]
    request: CreateAuthChallengeRequest
    response: CreateAuthChallengeResponse = Field(default_factory=CreateAuthChallengeResponse)


class VerifyAuthChallengeRequest(_Part):
    """The user's answer and the private parameters of the challenge."""

    user_attributes: dict[str, str] = Field(default_factory=dict)
    private_challenge_parameters: dict[str, str] | None = Field(default=None, repr=False)
    challenge_answer: str | None = Field(default=None, repr=False)
    client_metadata: dict[str, str] | None = None
    user_not_found: bool | None = None


class VerifyAuthChallengeResponse(_Part):
    """Set ``answer_correct``."""

    answer_correct: bool | None = None


class VerifyAuthChallengeEvent(_Trigger):
    """Verify auth challenge response: is the user's answer right?"""

    name: ClassVar[str] = "cognito-verify-auth-challenge"

    trigger_source: Literal["VerifyAuthChallengeResponse_Authentication"]
    request: VerifyAuthChallengeRequest
    response: VerifyAuthChallengeResponse = Field(default_factory=VerifyAuthChallengeResponse)


# -- user migration -------------------------------------------------------------------------------


class MigrateUserRequest(_Part):
    """The password to check against the old directory (absent for a forgotten password)."""

    password: str | None = Field(default=None, repr=False)
    validation_data: dict[str, str] | None = None
    client_metadata: dict[str, str] | None = None


class MigrateUserResponse(_Part):
    """The migrated user's attributes and how to finish the migration."""

    user_attributes: dict[str, str] | None = None
    final_user_status: str | None = None
    message_action: str | None = None
    desired_delivery_mediums: list[str] | None = None
    force_alias_creation: bool | None = None
    enable_sms_mfa: bool | None = Field(default=None, alias="enableSMSMFA")


class MigrateUserEvent(_Trigger):
    """Migrate user: bring a user over from another directory at sign-in or password reset."""

    name: ClassVar[str] = "cognito-migrate-user"

    trigger_source: Literal["UserMigration_Authentication", "UserMigration_ForgotPassword"]
    request: MigrateUserRequest
    response: MigrateUserResponse = Field(default_factory=MigrateUserResponse)


# -- selection ------------------------------------------------------------------------------------

CognitoTriggerEvent = (
    PreSignUpEvent
    | PostConfirmationEvent
    | PreAuthenticationEvent
    | PostAuthenticationEvent
    | PreTokenGenerationEvent
    | PreTokenGenerationV2Event
    | CustomMessageEvent
    | CustomEmailSenderEvent
    | CustomSMSSenderEvent
    | DefineAuthChallengeEvent
    | CreateAuthChallengeEvent
    | VerifyAuthChallengeEvent
    | MigrateUserEvent
)
"""Any per-trigger model."""

_MODELS: tuple[type[_Trigger], ...] = (
    PreSignUpEvent,
    PostConfirmationEvent,
    PreAuthenticationEvent,
    PostAuthenticationEvent,
    PreTokenGenerationEvent,
    PreTokenGenerationV2Event,
    CustomMessageEvent,
    CustomEmailSenderEvent,
    CustomSMSSenderEvent,
    DefineAuthChallengeEvent,
    CreateAuthChallengeEvent,
    VerifyAuthChallengeEvent,
    MigrateUserEvent,
)

#: Per-trigger name (``cognito-pre-sign-up``...) -> model.
COGNITO_TRIGGERS: dict[str, type[_Trigger]] = {model.name: model for model in _MODELS}

# triggerSource family (the part before "_") -> model; token generation is chosen by version.
_BY_FAMILY: dict[str, type[_Trigger]] = {
    "PreSignUp": PreSignUpEvent,
    "PostConfirmation": PostConfirmationEvent,
    "PreAuthentication": PreAuthenticationEvent,
    "PostAuthentication": PostAuthenticationEvent,
    "CustomMessage": CustomMessageEvent,
    "CustomEmailSender": CustomEmailSenderEvent,
    "CustomSMSSender": CustomSMSSenderEvent,
    "DefineAuthChallenge": DefineAuthChallengeEvent,
    "CreateAuthChallenge": CreateAuthChallengeEvent,
    "VerifyAuthChallengeResponse": VerifyAuthChallengeEvent,
    "UserMigration": MigrateUserEvent,
}


def cognito_model(trigger_source: str, version: str | None = None) -> type[_Trigger] | None:
    """The per-trigger model of ``trigger_source`` (None when it is not a documented one).

    ``TokenGeneration_*`` sources are version 1 unless ``version`` is ``"2"`` or ``"3"``.
    """
    family = trigger_source.split("_", 1)[0]
    if family == "TokenGeneration":
        model: type[_Trigger] = PreTokenGenerationV2Event if version in ("2", "3") else PreTokenGenerationEvent
    elif family in _BY_FAMILY:
        model = _BY_FAMILY[family]
    else:
        return None
    allowed = model.model_fields["trigger_source"].annotation
    return model if trigger_source in getattr(allowed, "__args__", ()) else None


def parse_cognito(event: Any) -> CognitoTriggerEvent | CognitoUserPoolEvent:
    """``event`` validated into the model of its ``triggerSource``.

    A source AWS does not document (or inbound federation, which has no model of its own here)
    gives the generic ``CognitoUserPoolEvent``. Raises ``UnknownEventError`` when the event is
    not a mapping, ``EventValidationError`` (paths, no values) when it does not fit.
    """
    from lambda_toolkit.events._errors import UnknownEventError
    from lambda_toolkit.events._registry import validate

    if not isinstance(event, Mapping):
        raise UnknownEventError(f"an event must be a mapping (a JSON object), got {type(event).__name__}")
    source, version = event.get("triggerSource"), event.get("version")
    model = cognito_model(source, version if isinstance(version, str) else None) if isinstance(source, str) else None
    if model is None:
        return validate(CognitoUserPoolEvent, event, "cognito-user-pool")  # type: ignore[return-value]
    return validate(model, event, model.name)  # type: ignore[return-value]
