"""Tracing for Lambda functions: X-Ray subsegments (aws-xray-sdk) or OpenTelemetry spans.

::

    from lambda_toolkit.tracing import patch, put_annotation, subsegment, trace

    patch("boto3")                      # AWS SDK calls appear as subsegments

    @trace
    def handler(event, context):        # "## handler", annotated ColdStart and Service
        put_annotation("order_id", event["order_id"])
        with subsegment("charge card"):
            ...

Tracing is a near no-op, importing no tracing SDK, outside Lambda, when
LAMBDA_TOOLKIT_TRACE_DISABLED is true, and when the invocation is not sampled (no active
tracing). LAMBDA_TOOLKIT_TRACE_BACKEND=otel (or ``configure(backend="otel")``) sends the
same calls to OpenTelemetry instead of X-Ray.
"""

from __future__ import annotations

from lambda_toolkit.tracing._api import (
    Subsegment,
    SubsegmentScope,
    patch,
    put_annotation,
    put_metadata,
    subsegment,
    tracing_active,
)
from lambda_toolkit.tracing._decorator import trace
from lambda_toolkit.tracing._runtime import (
    BACKEND_ENV,
    DISABLED_ENV,
    METADATA_MAX_ENV,
    SERVICE_ENV,
    configure,
)
from lambda_toolkit.tracing._types import AnnotationValue

__all__ = [
    "BACKEND_ENV",
    "DISABLED_ENV",
    "METADATA_MAX_ENV",
    "SERVICE_ENV",
    "AnnotationValue",
    "Subsegment",
    "SubsegmentScope",
    "configure",
    "patch",
    "put_annotation",
    "put_metadata",
    "subsegment",
    "trace",
    "tracing_active",
]
