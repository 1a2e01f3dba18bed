"""Secrets (``MaskedStr``/``MaskedBytes`` from the parameters utility) never reach a trace.

Annotations, metadata and the captured handler response hold the mask instead, on both
backends: the real X-Ray emitter (to a UDP daemon on 127.0.0.1) and OpenTelemetry.
"""

from __future__ import annotations

import json
from typing import Any

from lambda_toolkit.core.secrets import SECRET_MASK
from lambda_toolkit.parameters._masked import MaskedBytes, MaskedStr
from lambda_toolkit.testing import FakeContext
from lambda_toolkit.tracing import put_annotation, put_metadata, trace
from tests.tracing.conftest import TraceIds, XRayDaemon

SECRET = "s3cr3t-db-password-0042"


@trace
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    password = MaskedStr(SECRET)
    put_annotation("password", password)
    put_metadata("credentials", {"user": "app", "password": password, "tokens": [MaskedBytes(SECRET.encode())]})
    return {"connection": {"password": password}}


def test_x_ray_documents_hold_the_mask_not_the_secret(lambda_env: TraceIds, xray_daemon: XRayDaemon) -> None:
    handler({}, FakeContext())

    [document] = xray_daemon.drain()
    assert SECRET not in json.dumps(document)
    assert document["annotations"]["password"] == SECRET_MASK
    metadata = document["metadata"]["orders-fn"]
    assert metadata["credentials"] == {"user": "app", "password": SECRET_MASK, "tokens": [SECRET_MASK]}
    assert metadata["handler response"] == {"connection": {"password": SECRET_MASK}}


def test_open_telemetry_attributes_hold_the_mask_not_the_secret(otel: Any) -> None:
    handler({}, FakeContext())

    [span] = otel.get_finished_spans()
    attributes = dict(span.attributes)
    assert SECRET not in json.dumps(attributes)
    assert attributes["password"] == SECRET_MASK
    assert json.loads(attributes["metadata.service.credentials"])["password"] == SECRET_MASK
