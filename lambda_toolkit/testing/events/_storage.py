"""Test-event factories for S3 notifications, S3 through EventBridge, Batch Operations and Object Lambda."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus

from lambda_toolkit.testing.events._common import ACCOUNT_ID, REGION, merge, new_id

__all__ = [
    "FACTORIES",
    "s3_batch_operation_event",
    "s3_event",
    "s3_eventbridge_event",
    "s3_object_lambda_event",
]


def _etag(key: str) -> str:
    return hashlib.md5(key.encode("utf-8"), usedforsecurity=False).hexdigest()


def s3_event(
    bucket: str = "my-bucket",
    key: str | Sequence[str] = "uploads/example.json",
    *,
    event_name: str = "ObjectCreated:Put",
    size: int = 1024,
    **overrides: Any,
) -> dict[str, Any]:
    """An S3 notification for one key (or one record per key). Keys are URL-encoded as S3
    sends them (a space becomes ``+``); ``ObjectRemoved:*`` events carry no size or eTag."""
    keys = [key] if isinstance(key, str) else list(key)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    records = []
    for name in keys:
        obj: dict[str, Any] = {"key": quote_plus(name, safe="/"), "sequencer": "0A1B2C3D4E5F678901"}
        if not event_name.startswith("ObjectRemoved"):
            obj.update({"size": size, "eTag": _etag(name), "versionId": "096fKKXTRTtl3on89fVO.nfljtsv6qko"})
        records.append(
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": stamp,
                "eventName": event_name,
                "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {
                    "x-amz-request-id": "D82B88E5F771F645",
                    "x-amz-id-2": "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "my-notification",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": obj,
                },
            }
        )
    return merge({"Records": records}, overrides)


def s3_eventbridge_event(
    bucket: str = "my-bucket",
    key: str = "uploads/example.json",
    *,
    detail_type: str = "Object Created",
    reason: str = "PutObject",
    size: int = 1024,
    **overrides: Any,
) -> dict[str, Any]:
    """An S3 event notification delivered through EventBridge (``Object Created``, ``Object Deleted``...)."""
    obj: dict[str, Any] = {"key": key, "sequencer": "00617F08299329D189"}
    if detail_type != "Object Deleted":
        obj.update({"size": size, "etag": _etag(key), "version-id": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e"})
    event = {
        "version": "0",
        "id": new_id(),
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": ACCOUNT_ID,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": obj,
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": ACCOUNT_ID,
            "source-ip-address": "203.0.113.10",
            "reason": reason,
        },
    }
    return merge(event, overrides)


def s3_batch_operation_event(
    bucket: str = "my-bucket",
    keys: Sequence[str] = ("uploads/example.json",),
    *,
    schema_version: str = "2.0",
    user_arguments: Mapping[str, str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An S3 Batch Operations invocation (schema 2.0 names the bucket, 1.0 its ARN)."""
    tasks = []
    for key in keys:
        task: dict[str, Any] = {
            "taskId": new_id().replace("-", ""),
            "s3Key": quote_plus(key, safe="/"),
            "s3VersionId": None,
        }
        if schema_version == "1.0":
            task["s3BucketArn"] = f"arn:aws:s3:::{bucket}"
        else:
            task["s3Bucket"] = bucket
        tasks.append(task)
    job: dict[str, Any] = {"id": new_id()}
    if schema_version != "1.0":
        job["userArguments"] = dict(user_arguments or {})
    event = {
        "invocationSchemaVersion": schema_version,
        "invocationId": new_id().replace("-", ""),
        "job": job,
        "tasks": tasks,
    }
    return merge(event, overrides)


def s3_object_lambda_event(
    operation: str = "GetObject",
    *,
    key: str = "example.json",
    payload: str = "{}",
    **overrides: Any,
) -> dict[str, Any]:
    """An S3 Object Lambda event for ``GetObject``, ``HeadObject``, ``ListObjects`` or ``ListObjectsV2``."""
    access_point = f"https://my-ap-{ACCOUNT_ID}.s3-accesspoint.{REGION}.amazonaws.com/{key}"
    contexts = {
        "GetObject": (
            "getObjectContext",
            {
                "inputS3Url": f"{access_point}?X-Amz-Security-Token=example",
                "outputRoute": "io-use1-001",
                "outputToken": "OutputToken",
            },
        ),
        "HeadObject": ("headObjectContext", {"inputS3Url": f"{access_point}?X-Amz-Security-Token=example"}),
        "ListObjects": ("listObjectsContext", {"inputS3Url": f"{access_point}?X-Amz-Security-Token=example"}),
        "ListObjectsV2": ("listObjectsV2Context", {"inputS3Url": f"{access_point}?X-Amz-Security-Token=example"}),
    }
    if operation not in contexts:
        raise ValueError(f"operation must be one of {', '.join(contexts)}, got {operation!r}")
    context_name, context = contexts[operation]
    event = {
        "xAmzRequestId": new_id(),
        context_name: context,
        "configuration": {
            "accessPointArn": f"arn:aws:s3-object-lambda:{REGION}:{ACCOUNT_ID}:accesspoint/my-object-lambda-ap",
            "supportingAccessPointArn": f"arn:aws:s3:{REGION}:{ACCOUNT_ID}:accesspoint/my-ap",
            "payload": payload,
        },
        "userRequest": {
            "url": f"https://my-object-lambda-ap-{ACCOUNT_ID}.s3-object-lambda.{REGION}.amazonaws.com/{key}",
            "headers": {
                "Host": f"my-object-lambda-ap-{ACCOUNT_ID}.s3-object-lambda.{REGION}.amazonaws.com",
                "Accept-Encoding": "identity",
                "X-Amz-Content-SHA256": "e3b0c44298fc1example",
            },
        },
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE",
            "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/example",
            "accountId": ACCOUNT_ID,
            "accessKeyId": "AKIAEXAMPLE",
        },
        "protocolVersion": "1.00",
    }
    return merge(event, overrides)


FACTORIES: dict[str, Callable[..., dict[str, Any]]] = {
    "s3": s3_event,
    "s3-eventbridge": s3_eventbridge_event,
    "s3-batch-operation": s3_batch_operation_event,
    "s3-object-lambda": s3_object_lambda_event,
}
