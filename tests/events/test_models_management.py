"""The management models: CloudFormation custom resource, Config rule, Secrets Manager rotation."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.events import EventValidationError, parse
from lambda_toolkit.events.management import (
    CloudFormationCustomResourceEvent,
    ConfigRuleEvent,
    SecretsManagerRotationEvent,
)
from lambda_toolkit.testing.events._apps import (
    cloudformation_custom_resource_event,
    config_rule_event,
    secrets_manager_rotation_event,
)
from tests.events.model_samples import required_keys, sample_ids, samples_for, strip_optional

MODELS: dict[str, Any] = {
    "cloudformation-custom-resource": CloudFormationCustomResourceEvent,
    "config-rule": ConfigRuleEvent,
    "secrets-manager-rotation": SecretsManagerRotationEvent,
}
SAMPLES = samples_for(*MODELS)


def test_every_management_trigger_has_samples() -> None:
    assert {trigger for trigger, _, _ in SAMPLES} == set(MODELS)


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_every_sample_validates(trigger: str, name: str, event: dict[str, Any]) -> None:
    assert type(MODELS[trigger].model_validate(event)) is MODELS[trigger]


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_only_what_aws_always_sends_is_required(trigger: str, name: str, event: dict[str, Any]) -> None:
    MODELS[trigger].model_validate(strip_optional(MODELS[trigger], event))


@pytest.mark.parametrize(("trigger", "name", "event"), SAMPLES, ids=sample_ids(SAMPLES))
def test_a_missing_required_field_is_named(trigger: str, name: str, event: dict[str, Any]) -> None:
    for key in required_keys(MODELS[trigger]):
        with pytest.raises(EventValidationError) as info:
            parse({k: v for k, v in event.items() if k != key}, trigger)
        assert key in [error.path for error in info.value.errors]


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_custom_resource_request_types(request_type: Any) -> None:
    event = cloudformation_custom_resource_event(request_type, {"Size": 3}, old_properties={"Size": 2})
    model = CloudFormationCustomResourceEvent.model_validate(event)
    assert model.request_type == request_type
    assert model.resource_properties is not None and model.resource_properties["Size"] == 3
    assert (model.physical_resource_id is None) == (request_type == "Create")
    assert (model.old_resource_properties is not None) == (request_type == "Update")


def test_custom_resource_documented_update() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/cloudformation-custom-resource--update.json")
    model = CloudFormationCustomResourceEvent.model_validate(event)
    assert model.service_timeout == 300
    assert model.old_resource_properties is not None and model.old_resource_properties["key1"] == "string"


def test_custom_resource_response_url_stays_out_of_repr() -> None:
    model = CloudFormationCustomResourceEvent.model_validate(cloudformation_custom_resource_event())
    assert model.response_url.startswith("https://")
    assert "signature" not in repr(model)


def test_custom_resource_unknown_request_type_is_named() -> None:
    event = cloudformation_custom_resource_event()
    event["RequestType"] = "Replace"
    with pytest.raises(EventValidationError) as info:
        parse(event, "cloudformation-custom-resource")
    assert [e.path for e in info.value.errors] == ["RequestType"]


def test_config_rule_json_fields_parse_on_demand() -> None:
    model = ConfigRuleEvent.model_validate(config_rule_event({"resourceId": "i-1"}, {"maxAge": "30"}))
    assert "_invoking_event" not in model.__dict__
    invoking = model.invoking_event_json()
    assert invoking["configurationItem"]["resourceId"] == "i-1"
    assert model.invoking_event_json() is invoking
    assert model.rule_parameters_json() == {"maxAge": "30"}
    assert model.message_type == "ConfigurationItemChangeNotification"
    assert "example-result-token" not in repr(model)


def test_config_rule_periodic_sample() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[1] == "fixtures/config-rule--periodic.json")
    model = ConfigRuleEvent.model_validate(event)
    assert model.message_type == "ScheduledNotification"
    assert model.rule_parameters_json() == {"maxAgeDays": "90"}
    assert model.event_left_scope is False
    periodic = ConfigRuleEvent.model_validate(config_rule_event(periodic=True))
    assert periodic.message_type == "ScheduledNotification"


def test_config_rule_without_parameters() -> None:
    event = config_rule_event()
    del event["ruleParameters"]
    assert ConfigRuleEvent.model_validate(event).rule_parameters_json() == {}


def test_config_rule_bad_json_is_named_without_values() -> None:
    model = ConfigRuleEvent.model_validate(config_rule_event(invokingEvent="{secret-ish", ruleParameters="[1,"))
    with pytest.raises(EventValidationError) as info:
        model.invoking_event_json()
    assert info.value.errors == [("invokingEvent", "not valid JSON")]
    assert "secret-ish" not in str(info.value)
    with pytest.raises(EventValidationError, match="ruleParameters: not valid JSON"):
        model.rule_parameters_json()
    with pytest.raises(EventValidationError):
        _ = model.message_type


def test_config_rule_non_object_invoking_event_has_no_message_type() -> None:
    model = ConfigRuleEvent.model_validate(config_rule_event(invokingEvent="[1, 2]"))
    assert model.message_type is None


@pytest.mark.parametrize("step", ["createSecret", "setSecret", "testSecret", "finishSecret"])
def test_rotation_steps(step: Any) -> None:
    model = SecretsManagerRotationEvent.model_validate(secrets_manager_rotation_event(step, token="tok"))
    assert (model.step, model.client_request_token) == (step, "tok")
    assert model.secret_id.startswith("arn:aws:secretsmanager:")


def test_rotation_unknown_step_is_named() -> None:
    with pytest.raises(EventValidationError) as info:
        parse(secrets_manager_rotation_event(Step="rotateSecret"), "secrets-manager-rotation")
    assert [e.path for e in info.value.errors] == ["Step"]
