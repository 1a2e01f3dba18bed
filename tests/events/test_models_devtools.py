"""The developer-tools models: CodePipeline job and CodeDeploy lifecycle hook."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from lambda_toolkit.events import EventValidationError, parse
from lambda_toolkit.events.devtools import CodeDeployLifecycleHookEvent, CodePipelineJobEvent
from lambda_toolkit.testing.events._apps import codedeploy_lifecycle_hook_event, codepipeline_job_event
from tests.events.model_samples import required_keys, sample_ids, samples_for, strip_optional

MODELS: dict[str, Any] = {
    "codepipeline-job": CodePipelineJobEvent,
    "codedeploy-lifecycle-hook": CodeDeployLifecycleHookEvent,
}
SAMPLES = samples_for(*MODELS)


def test_every_devtools_trigger_has_samples() -> None:
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


def test_codepipeline_job_sample() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[0] == "codepipeline-job")
    model = CodePipelineJobEvent.model_validate(event)
    assert model.job_id == "6f2c1e0a-0000-4000-8000-0123456789ab"
    assert model.user_parameters == "https://orders.example.org/health"
    artifact = model.job.data.input_artifacts[0]
    assert artifact.location.s3_location is not None and artifact.location.s3_location.object_key.endswith(".zip")
    assert artifact.revision is None
    assert model.job.data.continuation_token == "resume-after-step-2"


def test_codepipeline_credentials_stay_out_of_repr() -> None:
    (_, _, event) = next(s for s in SAMPLES if s[0] == "codepipeline-job")
    model = CodePipelineJobEvent.model_validate(event)
    credentials = model.job.data.artifact_credentials
    assert credentials is not None and credentials.secret_access_key.startswith("EXAMPLESECRET")
    assert "EXAMPLESECRET" not in repr(model)
    assert credentials.session_token not in repr(model)


def test_codepipeline_factory() -> None:
    model = CodePipelineJobEvent.model_validate(codepipeline_job_event("deploy-prod", continuation_token="c1"))
    assert model.user_parameters == "deploy-prod"
    assert model.job.data.continuation_token == "c1"
    credentials = model.job.data.artifact_credentials
    assert credentials is not None
    assert credentials.expiration_time == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert CodePipelineJobEvent.model_validate(codepipeline_job_event()).user_parameters is None


def test_codepipeline_job_without_data_is_named() -> None:
    event = codepipeline_job_event()
    del event["CodePipeline.job"]["data"]
    with pytest.raises(EventValidationError) as info:
        parse(event, "codepipeline-job")
    assert [e.path for e in info.value.errors] == ["CodePipeline.job.data"]


def test_codedeploy_hook() -> None:
    model = CodeDeployLifecycleHookEvent.model_validate(codedeploy_lifecycle_hook_event("d-XYZ", "exec-1"))
    assert (model.deployment_id, model.lifecycle_event_hook_execution_id) == ("d-XYZ", "exec-1")
    assert model.model_dump(by_alias=True) == {"DeploymentId": "d-XYZ", "LifecycleEventHookExecutionId": "exec-1"}


def test_codedeploy_hook_wrong_type_is_named() -> None:
    with pytest.raises(EventValidationError) as info:
        parse({"DeploymentId": 7, "LifecycleEventHookExecutionId": "x"}, "codedeploy-lifecycle-hook")
    assert [e.path for e in info.value.errors] == ["DeploymentId"]
