"""Secrets (``MaskedStr``/``MaskedBytes``) never reach an EMF document.

Metadata holds the mask in their place; a secret given as a dimension value is refused
with an error that does not repeat it (a dimension is indexed and shown in the console).
"""

from __future__ import annotations

import pytest

from lambda_toolkit.core.secrets import SECRET_MASK
from lambda_toolkit.metrics import Metrics, MetricsError
from lambda_toolkit.parameters._masked import MaskedBytes, MaskedStr
from lambda_toolkit.testing import FakeContext
from tests.metrics.conftest import EMFStream

SECRET = "s3cr3t-api-key-0042"


def test_metadata_holds_the_mask_in_place_of_a_secret(stream: EMFStream) -> None:
    metrics = Metrics(namespace="Orders", service="orders", stream=stream)

    @metrics.log_metrics
    def handler(event: object, context: object) -> None:
        metrics.add_metric("Calls", "Count", 1)
        metrics.add_metadata("api_key", MaskedStr(SECRET))
        metrics.add_metadata("client", {"name": "billing", "keys": [MaskedBytes(SECRET.encode())]})

    handler({}, FakeContext())

    assert SECRET not in stream.getvalue()
    [document] = stream.documents()
    assert document["api_key"] == SECRET_MASK
    assert document["client"] == {"name": "billing", "keys": [SECRET_MASK]}


def test_a_secret_dimension_value_is_refused_without_repeating_it(stream: EMFStream) -> None:
    metrics = Metrics(namespace="Orders", service="orders", stream=stream)

    with pytest.raises(MetricsError, match="'tenant': a secret") as raised:
        metrics.set_default_dimensions(tenant=MaskedStr(SECRET))
    assert SECRET not in str(raised.value)
