"""Per-trigger Cognito user pool models, chosen by triggerSource (the generic model keeps working)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from lambda_toolkit.events import EventModel, EventValidationError, UnknownEventError, parse, parse_event
from lambda_toolkit.events.cognito import (
    COGNITO_TRIGGERS,
    CreateAuthChallengeEvent,
    CustomEmailSenderEvent,
    CustomMessageEvent,
    CustomSMSSenderEvent,
    DefineAuthChallengeEvent,
    MigrateUserEvent,
    PostAuthenticationEvent,
    PostConfirmationEvent,
    PreAuthenticationEvent,
    PreSignUpEvent,
    PreTokenGenerationEvent,
    PreTokenGenerationV2Event,
    VerifyAuthChallengeEvent,
    cognito_model,
    parse_cognito,
)
from lambda_toolkit.events.identity import KNOWN_TRIGGER_SOURCES, CognitoUserPoolEvent
from lambda_toolkit.testing.events import cognito_user_pool_event
from tests.events.core_samples import fixture, fixtures

COGNITO_FIXTURES = [name for name, trigger in fixtures() if trigger == "cognito-user-pool"]
EXPECTED: dict[str, type[EventModel]] = {
    "cognito-user-pool--pre-sign-up.json": PreSignUpEvent,
    "cognito-user-pool--pre-sign-up-admin-create-user.json": PreSignUpEvent,
    "cognito-user-pool--post-confirmation-forgot-password.json": PostConfirmationEvent,
    "cognito-user-pool--pre-authentication.json": PreAuthenticationEvent,
    "cognito-user-pool--post-authentication.json": PostAuthenticationEvent,
    "cognito-user-pool--pre-token-generation-v1.json": PreTokenGenerationEvent,
    "cognito-user-pool--pre-token-generation-v2.json": PreTokenGenerationV2Event,
    "cognito-user-pool--custom-message-forgot-password.json": CustomMessageEvent,
    "cognito-user-pool--custom-email-sender.json": CustomEmailSenderEvent,
    "cognito-user-pool--custom-sms-sender.json": CustomSMSSenderEvent,
    "cognito-user-pool--define-auth-challenge.json": DefineAuthChallengeEvent,
    "cognito-user-pool--create-auth-challenge.json": CreateAuthChallengeEvent,
    "cognito-user-pool--verify-auth-challenge.json": VerifyAuthChallengeEvent,
    "cognito-user-pool--migrate-user.json": MigrateUserEvent,
    "cognito-user-pool--inbound-federation-oidc.json": CognitoUserPoolEvent,
}


def test_every_cognito_fixture_has_an_expected_model() -> None:
    assert set(COGNITO_FIXTURES) == set(EXPECTED)


@pytest.mark.parametrize("name", COGNITO_FIXTURES)
def test_each_fixture_parses_into_the_model_of_its_trigger_source(name: str) -> None:
    event = fixture(name)
    assert type(parse_cognito(event)) is EXPECTED[name]
    assert type(parse(event)) is CognitoUserPoolEvent  # the registered, generic model is unchanged


@pytest.mark.parametrize("source", sorted(KNOWN_TRIGGER_SOURCES - {"InboundFederation_ExternalProvider"}))
def test_every_documented_trigger_source_has_a_model_that_takes_the_factory_event(source: str) -> None:
    model = cognito_model(source, "2")
    assert model is not None
    parsed = parse_cognito(cognito_user_pool_event(source))
    assert type(parsed) is model and parsed.trigger_source == source


def test_the_names_are_in_the_trigger_vocabulary_style() -> None:
    assert set(COGNITO_TRIGGERS) == {
        "cognito-pre-sign-up",
        "cognito-post-confirmation",
        "cognito-pre-authentication",
        "cognito-post-authentication",
        "cognito-pre-token-generation",
        "cognito-pre-token-generation-v2",
        "cognito-custom-message",
        "cognito-custom-email-sender",
        "cognito-custom-sms-sender",
        "cognito-define-auth-challenge",
        "cognito-create-auth-challenge",
        "cognito-verify-auth-challenge",
        "cognito-migrate-user",
    }
    assert all(model.trigger == "cognito-user-pool" for model in COGNITO_TRIGGERS.values())


def test_token_generation_is_version_1_unless_the_event_says_2_or_3() -> None:
    assert cognito_model("TokenGeneration_HostedAuth", "1") is PreTokenGenerationEvent
    assert cognito_model("TokenGeneration_HostedAuth") is PreTokenGenerationEvent
    assert cognito_model("TokenGeneration_HostedAuth", "2") is PreTokenGenerationV2Event
    assert cognito_model("TokenGeneration_ClientCredentials", "3") is PreTokenGenerationV2Event
    assert cognito_model("TokenGeneration_ClientCredentials", "1") is None  # machine-to-machine is v3 only


@pytest.mark.parametrize("source", ["PreTokenGen", "PreSignUp_Somewhere", "Nothing", ""])
def test_an_undocumented_source_falls_back_to_the_generic_model(source: str) -> None:
    assert cognito_model(source) is None
    event = cognito_user_pool_event(source)
    assert type(parse_cognito(event)) is CognitoUserPoolEvent


def test_parse_cognito_rejects_what_is_not_a_mapping() -> None:
    with pytest.raises(UnknownEventError):
        parse_cognito(["not", "an", "event"])


def test_requests_and_responses_are_typed_per_trigger() -> None:
    sign_up = parse_cognito(fixture("cognito-user-pool--pre-sign-up.json"))
    assert isinstance(sign_up, PreSignUpEvent)
    assert sign_up.request.validation_data == {"invite": "spring"}
    assert sign_up.request.user_attributes["custom:tier"] == "gold"
    assert sign_up.response.auto_confirm_user is False

    define = parse_cognito(fixture("cognito-user-pool--define-auth-challenge.json"))
    assert isinstance(define, DefineAuthChallengeEvent)
    assert [s.challenge_name for s in define.request.session] == ["SRP_A", "CUSTOM_CHALLENGE"]
    assert define.response.challenge_name == "CUSTOM_CHALLENGE" and define.response.issue_tokens is False

    create = parse_cognito(fixture("cognito-user-pool--create-auth-challenge.json"))
    assert isinstance(create, CreateAuthChallengeEvent)
    assert create.response.public_challenge_parameters == {"question": "favourite colour?"}

    token = parse_cognito(fixture("cognito-user-pool--pre-token-generation-v2.json"))
    assert isinstance(token, PreTokenGenerationV2Event)
    assert token.request.scopes == ["openid", "email", "orders/read"]
    assert token.response.claims_and_scope_override_details is None

    migrate = parse_cognito(fixture("cognito-user-pool--migrate-user.json"))
    assert isinstance(migrate, MigrateUserEvent)
    assert migrate.request.client_metadata == {"source": "legacy"}
    assert migrate.response.enable_sms_mfa is None

    message = parse_cognito(fixture("cognito-user-pool--custom-message-forgot-password.json"))
    assert isinstance(message, CustomMessageEvent) and message.request.code_parameter


def test_a_v2_answer_is_typed() -> None:
    event = cognito_user_pool_event(
        "TokenGeneration_Authentication",
        response={
            "claimsAndScopeOverrideDetails": {
                "accessTokenGeneration": {"scopesToAdd": ["orders/admin"], "claimsToSuppress": ["email"]},
                "groupOverrideDetails": {"groupsToOverride": ["admins"]},
            }
        },
    )
    parsed = parse_cognito(event)
    assert isinstance(parsed, PreTokenGenerationV2Event)
    details = parsed.response.claims_and_scope_override_details
    assert details is not None and details.access_token_generation is not None
    assert details.access_token_generation.scopes_to_add == ["orders/admin"]
    assert details.group_override_details is not None and details.group_override_details.groups_to_override == [
        "admins"
    ]


def test_secrets_stay_out_of_repr() -> None:
    verify = parse_cognito(fixture("cognito-user-pool--verify-auth-challenge.json"))
    assert "example-given-answer" not in repr(verify) and "example-secret-answer" not in repr(verify)
    create = parse_cognito(fixture("cognito-user-pool--create-auth-challenge.json"))
    assert "example-secret-answer" not in repr(create)
    migrate = parse_cognito(fixture("cognito-user-pool--migrate-user.json"))
    assert "example-legacy-password" not in repr(migrate)
    sms = parse_cognito(fixture("cognito-user-pool--custom-sms-sender.json"))
    assert isinstance(sms, CustomSMSSenderEvent) and sms.request.code is not None
    assert sms.request.code not in repr(sms)


def test_a_wrong_type_is_named_by_its_path_without_the_value() -> None:
    event = fixture("cognito-user-pool--pre-sign-up.json")
    event["response"]["autoConfirmUser"] = "private-maybe"
    with pytest.raises(EventValidationError) as caught:
        parse_cognito(event)
    assert [e.path for e in caught.value.errors] == ["response.autoConfirmUser"]
    assert caught.value.trigger == "cognito-pre-sign-up"
    assert "private-maybe" not in str(caught.value)


def test_a_per_trigger_model_checks_the_trigger_source() -> None:
    event = fixture("cognito-user-pool--post-authentication.json")
    assert isinstance(parse(event, "cognito-user-pool"), CognitoUserPoolEvent)  # fine generically
    with pytest.raises(ValidationError) as caught:
        PreSignUpEvent.model_validate(event)  # but not a pre sign-up event
    assert [error["loc"] for error in caught.value.errors()] == [("triggerSource",)]


def test_a_handler_hinted_with_a_per_trigger_model_gets_it() -> None:
    @parse_event
    def handler(event: PreSignUpEvent, context: Any) -> dict[str, Any]:
        return {"confirmed": event.request.user_attributes.get("email")}

    assert handler(fixture("cognito-user-pool--pre-sign-up.json"), None) == {"confirmed": "ana@example.org"}
    with pytest.raises(EventValidationError) as caught:
        handler(fixture("cognito-user-pool--post-authentication.json"), None)
    assert "triggerSource" in [e.path for e in caught.value.errors]
