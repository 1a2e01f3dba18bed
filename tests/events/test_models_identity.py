"""The Cognito user pool trigger model."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.events import EventValidationError, parse
from lambda_toolkit.events.identity import KNOWN_TRIGGER_SOURCES, CognitoUserPoolEvent
from lambda_toolkit.testing.events._apps import cognito_user_pool_event
from tests.events.model_samples import required_keys, sample_ids, samples_for, strip_optional

SAMPLES = samples_for("cognito-user-pool")


def test_there_are_samples_for_many_triggers() -> None:
    kinds = {CognitoUserPoolEvent.model_validate(event).trigger_kind for _, _, event in SAMPLES}
    assert {"PreSignUp", "PostConfirmation", "TokenGeneration", "CustomMessage", "UserMigration"} <= kinds
    assert {"DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse", "CustomEmailSender"} <= kinds


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_every_sample_validates(trigger: str, name: str, event: dict[str, Any]) -> None:
    model = CognitoUserPoolEvent.model_validate(event)
    assert model.trigger == "cognito-user-pool"


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_only_what_aws_always_sends_is_required(trigger: str, name: str, event: dict[str, Any]) -> None:
    model = CognitoUserPoolEvent.model_validate(strip_optional(CognitoUserPoolEvent, event))
    assert model.response is None
    assert model.request.user_attributes is None


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_a_missing_required_field_is_named(trigger: str, name: str, event: dict[str, Any]) -> None:
    for key in required_keys(CognitoUserPoolEvent):
        with pytest.raises(EventValidationError) as info:
            parse({k: v for k, v in event.items() if k != key}, trigger)
        assert key in [error.path for error in info.value.errors]


@pytest.mark.parametrize("source", sorted(KNOWN_TRIGGER_SOURCES))
def test_every_documented_trigger_source_is_known(source: str) -> None:
    model = CognitoUserPoolEvent.model_validate(cognito_user_pool_event(source))
    assert model.trigger_source == source
    assert model.is_known_trigger_source
    assert model.trigger_kind == source.split("_")[0]


def test_an_undocumented_trigger_source_still_parses() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/cognito-user-pool--pre-token-generation-v2.json")
    event["triggerSource"] = "PreTokenGen"  # a spelling AWS does not document
    model = CognitoUserPoolEvent.model_validate(event)
    assert model.trigger_source == "PreTokenGen"
    assert not model.is_known_trigger_source


def test_request_parts_are_typed() -> None:
    by_name = {name: event for _, name, event in SAMPLES}
    define = CognitoUserPoolEvent.model_validate(by_name["fixtures/cognito-user-pool--define-auth-challenge.json"])
    assert define.request.session is not None
    assert define.request.session[0].challenge_result is True
    assert define.request.session[1].challenge_metadata == "QUESTION-1"
    assert define.request.user_not_found is False
    assert define.response is not None and define.response.issue_tokens is False
    token = CognitoUserPoolEvent.model_validate(by_name["fixtures/cognito-user-pool--pre-token-generation-v2.json"])
    assert token.request.group_configuration is not None
    assert token.request.group_configuration.groups_to_override == ["readers", "writers"]
    assert token.request.scopes == ["openid", "email", "orders/read"]
    federation = CognitoUserPoolEvent.model_validate(
        by_name["fixtures/cognito-user-pool--inbound-federation-oidc.json"]
    )
    assert federation.request.provider_type == "OIDC"
    assert federation.caller_context is not None and federation.caller_context.client_id == "3example4567890abcdefghij"


def test_passwords_answers_and_codes_stay_out_of_repr() -> None:
    by_name = {name: event for _, name, event in SAMPLES}
    migrate = CognitoUserPoolEvent.model_validate(by_name["fixtures/cognito-user-pool--migrate-user.json"])
    assert migrate.request.password == "example-legacy-password"
    assert "example-legacy-password" not in repr(migrate)
    verify = CognitoUserPoolEvent.model_validate(by_name["fixtures/cognito-user-pool--verify-auth-challenge.json"])
    assert verify.request.challenge_answer == "example-given-answer"
    assert "example-given-answer" not in repr(verify) and "example-secret-answer" not in repr(verify)
    sender = CognitoUserPoolEvent.model_validate(by_name["fixtures/cognito-user-pool--custom-email-sender.json"])
    assert sender.request.code is not None and sender.request.code not in repr(sender)


def test_wrong_types_are_named_without_values() -> None:
    event = cognito_user_pool_event("DefineAuthChallenge_Authentication")
    event["request"]["session"] = [{"challengeName": "SRP_A", "challengeResult": "maybe-private"}]
    with pytest.raises(EventValidationError) as info:
        parse(event, "cognito-user-pool")
    assert [e.path for e in info.value.errors] == ["request.session.0.challengeResult"]
    assert "maybe-private" not in str(info.value)


def test_factory_merges_request_and_response() -> None:
    event = cognito_user_pool_event(
        "PreSignUp_SignUp", {"custom:tier": "gold"}, request={"clientMetadata": {"a": "b"}}, response={"x": 1}
    )
    model = CognitoUserPoolEvent.model_validate(event)
    assert model.request.user_attributes is not None and model.request.user_attributes["custom:tier"] == "gold"
    assert model.request.client_metadata == {"a": "b"}
    assert model.response is not None and model.response.auto_confirm_user is False
    assert model.response.model_extra == {"x": 1}
