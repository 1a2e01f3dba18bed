"""Models of the S3 triggers: notifications, notifications through EventBridge, Batch Operations
and Object Lambda.

S3 notifications URL-encode object keys (a space arrives as ``+``); ``decoded_key`` gives the
real key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from lambda_toolkit.events._base import EventModel
from lambda_toolkit.events.decoding import s3_key
from lambda_toolkit.events.eventbridge import EventBridgeEvent

__all__ = [
    "S3BatchOperationEvent",
    "S3BatchOperationJob",
    "S3BatchOperationTask",
    "S3Bucket",
    "S3Entity",
    "S3Event",
    "S3EventBridgeBucket",
    "S3EventBridgeDetail",
    "S3EventBridgeEvent",
    "S3EventBridgeObject",
    "S3Identity",
    "S3Object",
    "S3ObjectLambdaConfiguration",
    "S3ObjectLambdaContext",
    "S3ObjectLambdaEvent",
    "S3ObjectLambdaGetObjectContext",
    "S3ObjectLambdaUserIdentity",
    "S3ObjectLambdaUserRequest",
    "S3Record",
    "S3RequestParameters",
]


def _dashed(name: str) -> str:
    return name.replace("_", "-")


# -- S3 notifications --------------------------------------------------------------------------


class S3Identity(EventModel):
    """An AWS principal."""

    principal_id: str


class S3RequestParameters(EventModel):
    """Where the request that caused the event came from."""

    source_ip_address: str = Field(alias="sourceIPAddress")


class S3Bucket(EventModel):
    """The bucket of the object."""

    name: str
    owner_identity: S3Identity | None = None
    arn: str


class S3Object(EventModel):
    """The object; ``key`` is URL-encoded as S3 sends it, ``decoded_key`` is the real key.

    ``size`` and ``e_tag`` are absent for deletions.
    """

    key: str
    size: int | None = None
    e_tag: str | None = Field(None, alias="eTag")
    version_id: str | None = None
    sequencer: str | None = None

    @property
    def decoded_key(self) -> str:
        """The object key, URL-decoded (``+`` is a space)."""
        return s3_key(self.key)


class S3Entity(EventModel):
    """The ``s3`` part of a record: bucket and object."""

    s3_schema_version: str | None = None
    configuration_id: str | None = None
    bucket: S3Bucket
    object: S3Object


class S3Record(EventModel):
    """One S3 notification (``event_name`` such as ``ObjectCreated:Put``)."""

    event_version: str
    event_source: Literal["aws:s3"]
    aws_region: str
    event_time: datetime
    event_name: str
    user_identity: S3Identity | None = None
    request_parameters: S3RequestParameters | None = None
    response_elements: dict[str, str] | None = None
    s3: S3Entity

    @property
    def bucket_name(self) -> str:
        """The bucket's name."""
        return self.s3.bucket.name

    @property
    def object_key(self) -> str:
        """The object key, URL-decoded."""
        return self.s3.object.decoded_key


class S3Event(EventModel):
    """An S3 event notification."""

    records: list[S3Record] = Field(alias="Records")


# -- S3 through EventBridge --------------------------------------------------------------------


class S3EventBridgeBucket(EventModel):
    """The bucket of the object."""

    name: str


class S3EventBridgeObject(EventModel):
    """The object (keys here are not URL-encoded)."""

    model_config = ConfigDict(alias_generator=_dashed)

    key: str
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    sequencer: str | None = None


class S3EventBridgeDetail(EventModel):
    """The ``detail`` of an S3 notification through EventBridge."""

    model_config = ConfigDict(alias_generator=_dashed)

    version: str
    bucket: S3EventBridgeBucket
    object: S3EventBridgeObject
    request_id: str | None = None
    requester: str | None = None
    source_ip_address: str | None = None
    reason: str | None = None
    deletion_type: str | None = None
    restore_expiry_time: datetime | None = None
    source_storage_class: str | None = None
    destination_storage_class: str | None = None
    destination_access_tier: str | None = None


class S3EventBridgeEvent(EventBridgeEvent[S3EventBridgeDetail]):
    """An S3 notification delivered through EventBridge (``Object Created``, ``Object Deleted``...)."""

    source: Literal["aws.s3"]


# -- S3 Batch Operations -----------------------------------------------------------------------


class S3BatchOperationJob(EventModel):
    """The job; ``user_arguments`` come with schema 2.0."""

    id: str
    user_arguments: dict[str, str] | None = None


class S3BatchOperationTask(EventModel):
    """One object to process; schema 1.0 names the bucket by ARN, 2.0 by name."""

    task_id: str
    s3_key: str
    s3_version_id: str | None = None
    s3_bucket_arn: str | None = None
    s3_bucket: str | None = None

    @property
    def decoded_key(self) -> str:
        """The object key, URL-decoded."""
        return s3_key(self.s3_key)

    @property
    def bucket_name(self) -> str | None:
        """The bucket's name, from ``s3_bucket`` or the ARN."""
        if self.s3_bucket is not None:
            return self.s3_bucket
        return None if self.s3_bucket_arn is None else self.s3_bucket_arn.rpartition(":")[2]


class S3BatchOperationEvent(EventModel):
    """An S3 Batch Operations invocation; the response must echo ``invocation_id`` and task ids."""

    invocation_schema_version: Literal["1.0", "2.0"]
    invocation_id: str
    job: S3BatchOperationJob
    tasks: list[S3BatchOperationTask]


# -- S3 Object Lambda --------------------------------------------------------------------------


class S3ObjectLambdaContext(EventModel):
    """A request context with the presigned URL of the original object or listing."""

    input_s3_url: str = Field(repr=False)


class S3ObjectLambdaGetObjectContext(S3ObjectLambdaContext):
    """The GetObject context: ``output_route`` and ``output_token`` for WriteGetObjectResponse."""

    output_route: str
    output_token: str = Field(repr=False)


class S3ObjectLambdaConfiguration(EventModel):
    """The Object Lambda access point and its payload."""

    access_point_arn: str
    supporting_access_point_arn: str
    payload: str | None = None


class S3ObjectLambdaUserRequest(EventModel):
    """The caller's original request."""

    url: str
    headers: dict[str, str] = Field(default_factory=dict, repr=False)


class S3ObjectLambdaUserIdentity(EventModel):
    """Who made the request."""

    type: str
    principal_id: str
    arn: str | None = None
    account_id: str | None = None
    access_key_id: str | None = None
    session_context: dict[str, Any] | None = None


class S3ObjectLambdaEvent(EventModel):
    """An S3 Object Lambda event; exactly one of the ``*_context`` fields is set."""

    x_amz_request_id: str
    get_object_context: S3ObjectLambdaGetObjectContext | None = None
    head_object_context: S3ObjectLambdaContext | None = None
    list_objects_context: S3ObjectLambdaContext | None = None
    list_objects_v2_context: S3ObjectLambdaContext | None = Field(None, alias="listObjectsV2Context")
    configuration: S3ObjectLambdaConfiguration
    user_request: S3ObjectLambdaUserRequest
    user_identity: S3ObjectLambdaUserIdentity | None = None
    protocol_version: str
