"""X-Ray keeps at most 50 annotations per segment or subsegment: the 51st and later are
dropped before they reach the SDK, with one warning per subsegment that names the count."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lambda_toolkit.testing import FakeContext
from lambda_toolkit.tracing import put_annotation, subsegment, trace
from tests.tracing.conftest import TraceIds, XRayDaemon
from tests.tracing.test_xray import by_name

pytestmark = pytest.mark.integration


@trace
def many_annotations(event: dict[str, Any], context: Any) -> None:
    # ColdStart and Service are already there: 2 + 60 asked for, 50 kept.
    for index in range(60):
        put_annotation(f"key_{index}", f"secret-value-{index}")
    put_annotation("key_0", "overwritten")  # an existing key is replaced, not counted again
    with subsegment("child"):
        for index in range(55):
            put_annotation(f"child_{index}", index)


def test_the_51st_annotation_and_later_are_dropped_with_one_warning_per_subsegment(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.tracing"):
        many_annotations({}, FakeContext())

    documents = by_name(xray_daemon.wait_for(2))
    handler_annotations = documents["## many_annotations"]["annotations"]
    assert len(handler_annotations) == 50
    assert handler_annotations["key_0"] == "overwritten"
    assert "key_47" in handler_annotations and "key_48" not in handler_annotations
    child_annotations = documents["child"]["annotations"]
    assert len(child_annotations) == 50
    assert "child_49" in child_annotations and "child_50" not in child_annotations

    warnings = [record for record in caplog.records if record.name == "lambda_toolkit.tracing"]
    assert len(warnings) == 2
    assert all("50" in record.getMessage() for record in warnings)
    assert not any("secret-value" in record.getMessage() for record in warnings)


def test_the_limit_is_counted_per_subsegment_and_warned_again_on_a_later_invocation(
    lambda_env: TraceIds, xray_daemon: XRayDaemon, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lambda_toolkit.tracing"):
        many_annotations({}, FakeContext())
        many_annotations({}, FakeContext())
    xray_daemon.wait_for(4)
    warnings = [record for record in caplog.records if record.name == "lambda_toolkit.tracing"]
    assert len(warnings) == 4
