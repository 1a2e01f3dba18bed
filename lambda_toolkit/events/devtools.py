"""Models of the developer-tools triggers: CodePipeline job (Lambda invoke action), CodeDeploy hooks.

The CodePipeline artifact credentials are temporary AWS keys: they are masked in ``repr``.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from lambda_toolkit.events._base import EventModel

__all__ = [
    "CodeDeployLifecycleHookEvent",
    "CodePipelineActionConfiguration",
    "CodePipelineArtifact",
    "CodePipelineArtifactCredentials",
    "CodePipelineArtifactLocation",
    "CodePipelineEncryptionKey",
    "CodePipelineJob",
    "CodePipelineJobData",
    "CodePipelineJobEvent",
    "CodePipelineS3Location",
]


class CodePipelineActionConfiguration(EventModel):
    """The action's configuration: ``FunctionName`` and the optional ``UserParameters``."""

    configuration: dict[str, str]


class CodePipelineS3Location(EventModel):
    """Where an artifact is stored in the pipeline's artifact bucket."""

    bucket_name: str
    object_key: str


class CodePipelineArtifactLocation(EventModel):
    """An artifact's location (``type`` is ``S3``)."""

    type: str
    s3_location: CodePipelineS3Location | None = None


class CodePipelineArtifact(EventModel):
    """An input or output artifact of the action."""

    name: str
    location: CodePipelineArtifactLocation
    revision: str | None = None


class CodePipelineArtifactCredentials(EventModel):
    """Temporary credentials to read and write the artifacts (masked in repr)."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration_time: datetime | None = None


class CodePipelineEncryptionKey(EventModel):
    """The KMS key the artifacts are encrypted with."""

    id: str
    type: str


class CodePipelineJobData(EventModel):
    """``data`` of a CodePipeline job."""

    action_configuration: CodePipelineActionConfiguration
    input_artifacts: list[CodePipelineArtifact] = Field(default_factory=list)
    output_artifacts: list[CodePipelineArtifact] = Field(default_factory=list)
    artifact_credentials: CodePipelineArtifactCredentials | None = None
    continuation_token: str | None = None
    encryption_key: CodePipelineEncryptionKey | None = None


class CodePipelineJob(EventModel):
    """The job to run; report back with ``PutJobSuccessResult``/``PutJobFailureResult`` and ``id``."""

    id: str
    account_id: str
    data: CodePipelineJobData


class CodePipelineJobEvent(EventModel):
    """A CodePipeline Lambda invoke action (the ``CodePipeline.job`` envelope)."""

    trigger: ClassVar[str] = "codepipeline-job"

    job: CodePipelineJob = Field(alias="CodePipeline.job")

    @property
    def job_id(self) -> str:
        """The job id to report the result with."""
        return self.job.id

    @property
    def user_parameters(self) -> str | None:
        """The action's ``UserParameters`` string, or None."""
        return self.job.data.action_configuration.configuration.get("UserParameters")


class CodeDeployLifecycleHookEvent(EventModel):
    """A CodeDeploy lifecycle hook (e.g. ``BeforeAllowTraffic`` of a Lambda or ECS deployment).

    Report the hook's status with ``PutLifecycleEventHookExecutionStatus`` and both ids.
    """

    trigger: ClassVar[str] = "codedeploy-lifecycle-hook"

    deployment_id: str = Field(alias="DeploymentId")
    lifecycle_event_hook_execution_id: str = Field(alias="LifecycleEventHookExecutionId")
