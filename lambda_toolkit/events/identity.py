"""Identity triggers: Cognito user pools (sign-up, authentication, tokens, messages...) and the
Transfer Family custom identity provider (``TransferFamilyAuthorizerEvent``).

Every user pool trigger sends the same envelope (``version``, ``triggerSource``,
``userPoolId``, ``userName``, ``callerContext``, ``request``, ``response``); what is in
``request`` and ``response`` depends on the trigger, so their fields are all optional here.
``trigger_source`` tells which trigger it is; ``trigger_kind`` is its family (the part
before ``_``: ``PreSignUp``, ``TokenGeneration``, ``CustomMessage``...). Passwords
and challenge answers are masked in ``repr`` (the rule of every model); codes and private
challenge parameters are left out of it.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, get_args

from pydantic import Field

from lambda_toolkit.events._base import EventModel

__all__ = [
    "KNOWN_TRIGGER_SOURCES",
    "CognitoCallerContext",
    "CognitoChallengeResult",
    "CognitoGroupConfiguration",
    "CognitoRequest",
    "CognitoResponse",
    "CognitoTriggerSource",
    "CognitoUserPoolEvent",
    "TransferFamilyAuthorizerEvent",
]

CognitoTriggerSource = Literal[
    "PreSignUp_SignUp",
    "PreSignUp_AdminCreateUser",
    "PreSignUp_ExternalProvider",
    "PostConfirmation_ConfirmSignUp",
    "PostConfirmation_ConfirmForgotPassword",
    "PreAuthentication_Authentication",
    "PostAuthentication_Authentication",
    "CustomMessage_SignUp",
    "CustomMessage_AdminCreateUser",
    "CustomMessage_ResendCode",
    "CustomMessage_ForgotPassword",
    "CustomMessage_UpdateUserAttribute",
    "CustomMessage_VerifyUserAttribute",
    "CustomMessage_Authentication",
    "DefineAuthChallenge_Authentication",
    "CreateAuthChallenge_Authentication",
    "VerifyAuthChallengeResponse_Authentication",
    "TokenGeneration_HostedAuth",
    "TokenGeneration_Authentication",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_RefreshTokens",
    "TokenGeneration_ClientCredentials",
    "UserMigration_Authentication",
    "UserMigration_ForgotPassword",
    "CustomEmailSender_SignUp",
    "CustomEmailSender_ResendCode",
    "CustomEmailSender_ForgotPassword",
    "CustomEmailSender_UpdateUserAttribute",
    "CustomEmailSender_VerifyUserAttribute",
    "CustomEmailSender_AdminCreateUser",
    "CustomEmailSender_AccountTakeOverNotification",
    "CustomSMSSender_SignUp",
    "CustomSMSSender_ResendCode",
    "CustomSMSSender_ForgotPassword",
    "CustomSMSSender_UpdateUserAttribute",
    "CustomSMSSender_VerifyUserAttribute",
    "CustomSMSSender_Authentication",
    "CustomSMSSender_AdminCreateUser",
    "InboundFederation_ExternalProvider",
]
"""The ``triggerSource`` values AWS documents."""

KNOWN_TRIGGER_SOURCES: frozenset[str] = frozenset(get_args(CognitoTriggerSource))


class CognitoCallerContext(EventModel):
    """Who called Cognito: the SDK version and the app client id."""

    aws_sdk_version: str | None = None
    client_id: str | None = None


class CognitoChallengeResult(EventModel):
    """One step of a custom authentication flow so far."""

    challenge_name: str
    challenge_result: bool
    challenge_metadata: str | None = None


class CognitoGroupConfiguration(EventModel):
    """Groups and IAM roles of the user (pre token generation)."""

    groups_to_override: list[str] | None = None
    iam_roles_to_override: list[str] | None = None
    preferred_role: str | None = None


class CognitoRequest(EventModel):
    """``request``: the fields each trigger sends (absent ones are None)."""

    user_attributes: dict[str, Any] | None = None
    validation_data: dict[str, str] | None = None
    client_metadata: dict[str, str] | None = None
    # authentication and migration
    password: str | None = None
    new_device_used: bool | None = None
    user_not_found: bool | None = None
    # custom authentication challenges
    session: list[CognitoChallengeResult] | None = None
    challenge_name: str | None = None
    challenge_answer: str | None = None
    private_challenge_parameters: dict[str, str] | None = Field(default=None, repr=False)
    # custom message
    code_parameter: str | None = None
    username_parameter: str | None = None
    link_parameter: str | None = None
    # pre token generation
    group_configuration: CognitoGroupConfiguration | None = None
    scopes: list[str] | None = None
    # inbound federation
    provider_name: str | None = None
    provider_type: str | None = None
    attributes: dict[str, Any] | None = None
    # custom email / SMS sender (the code is encrypted with the pool's KMS key)
    type: str | None = None
    code: str | None = Field(default=None, repr=False)


class CognitoResponse(EventModel):
    """``response``: what the function may set (as sent, usually null or empty)."""

    auto_confirm_user: bool | None = None
    auto_verify_email: bool | None = None
    auto_verify_phone: bool | None = None
    sms_message: str | None = None
    email_message: str | None = None
    email_subject: str | None = None
    user_attributes: dict[str, Any] | None = None
    final_user_status: str | None = None
    message_action: str | None = None
    desired_delivery_mediums: list[str] | None = None
    force_alias_creation: bool | None = None
    enable_sms_mfa: bool | None = Field(default=None, alias="enableSMSMFA")
    challenge_name: str | None = None
    issue_tokens: bool | None = None
    fail_authentication: bool | None = None
    public_challenge_parameters: dict[str, str] | None = None
    private_challenge_parameters: dict[str, str] | None = Field(default=None, repr=False)
    challenge_metadata: str | None = None
    answer_correct: bool | None = None
    claims_override_details: dict[str, Any] | None = None
    claims_and_scope_override_details: dict[str, Any] | None = None
    user_attributes_to_map: dict[str, Any] | None = None


class CognitoUserPoolEvent(EventModel):
    """A Cognito user pool Lambda trigger event (any of the triggers)."""

    trigger: ClassVar[str] = "cognito-user-pool"

    version: str
    trigger_source: CognitoTriggerSource | str
    region: str
    user_pool_id: str
    request: CognitoRequest
    user_name: str | None = None
    caller_context: CognitoCallerContext | None = None
    response: CognitoResponse | None = None

    @property
    def trigger_kind(self) -> str:
        """The trigger family: ``PreSignUp``, ``TokenGeneration``, ``CustomMessage``..."""
        return self.trigger_source.split("_", 1)[0]

    @property
    def is_known_trigger_source(self) -> bool:
        """Whether ``trigger_source`` is one of the values AWS documents."""
        return self.trigger_source in KNOWN_TRIGGER_SOURCES


# -- Transfer Family ---------------------------------------------------------------------------


class TransferFamilyAuthorizerEvent(EventModel):
    """An AWS Transfer Family custom identity provider call: may this user sign in to the server?

    ``password`` is None (or empty) for SSH key authentication: the function then answers with
    the user's public keys. The password stays out of ``repr``.
    """

    trigger: ClassVar[str] = "transfer-family-authorizer"

    username: str
    server_id: str
    protocol: str  # SFTP, FTPS or FTP
    source_ip: str
    password: str | None = None

    @property
    def uses_password(self) -> bool:
        """Whether the client authenticates with a password (not with an SSH key)."""
        return bool(self.password)
