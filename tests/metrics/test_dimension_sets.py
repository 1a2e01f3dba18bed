"""Several dimension sets in one EMF document, default dimensions, and the rules a set keeps
(at most 30 dimensions, no set twice, one value per dimension), checked where they are added."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.metrics import (
    DimensionLimitError,
    DuplicateDimensionSetError,
    Metrics,
    MetricsConfigurationError,
    MetricsError,
    MetricValidationError,
)
from lambda_toolkit.testing import FakeContext
from tests.metrics.conftest import EMFStream


def metrics_on(stream: EMFStream, **options: Any) -> Metrics:
    options.setdefault("namespace", "Orders")
    options.setdefault("service", "orders")
    return Metrics(stream=stream, **options)


def directive(document: dict[str, Any]) -> dict[str, Any]:
    [only] = document["_aws"]["CloudWatchMetrics"]
    found: dict[str, Any] = only
    return found


def test_one_document_holds_every_dimension_set_of_the_invocation(stream: EMFStream) -> None:
    metrics = metrics_on(stream)

    @metrics.log_metrics
    def handler(event: Any, context: Any) -> None:
        metrics.add_dimension("channel", "web")
        metrics.add_dimension_set(region="eu-west-1")
        metrics.add_dimension_set(region="eu-west-1", tier="gold")
        metrics.add_metric("OrdersCreated", "Count", 1)
        metrics.add_metric("Latency", "Milliseconds", 12)

    handler({}, FakeContext())
    [document] = stream.documents()
    assert directive(document)["Dimensions"] == [
        ["service", "channel"],
        ["service", "region"],
        ["service", "region", "tier"],
    ]
    # EMF writes each dimension's value once, at the top level
    assert (document["service"], document["channel"], document["region"], document["tier"]) == (
        "orders",
        "web",
        "eu-west-1",
        "gold",
    )
    assert (document["OrdersCreated"], document["Latency"]) == (1, 12)


def test_dimension_sets_do_not_outlive_their_invocation(stream: EMFStream) -> None:
    metrics = metrics_on(stream)

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> None:
        if event.get("by_region"):
            metrics.add_dimension_set(region="eu-west-1")
        metrics.add_metric("Orders", "Count", 1)

    handler({"by_region": True}, FakeContext())
    handler({}, FakeContext())
    first, second = stream.documents()
    assert directive(first)["Dimensions"] == [["service"], ["service", "region"]]
    assert directive(second)["Dimensions"] == [["service"]]
    assert "region" not in second


def test_default_dimensions_from_the_constructor_are_in_every_set(stream: EMFStream) -> None:
    metrics = metrics_on(stream, default_dimensions={"environment": "prod"})
    metrics.add_dimension_set(region="eu-west-1")
    metrics.add_metric("Orders", "Count", 1)
    metrics.flush()
    metrics.add_metric("Orders", "Count", 2)
    metrics.flush()
    first, second = stream.documents()
    assert directive(first)["Dimensions"] == [["service", "environment"], ["service", "environment", "region"]]
    assert directive(second)["Dimensions"] == [["service", "environment"]]
    assert second["environment"] == "prod"


def test_bad_default_dimensions_are_a_configuration_error() -> None:
    with pytest.raises(MetricsConfigurationError, match="default_dimensions: dimension 'tier' needs a non-empty"):
        Metrics(namespace="Orders", default_dimensions={"tier": ""})


def test_the_same_set_twice_is_refused_where_it_is_added(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.add_dimension_set(region="eu-west-1", tier="gold")
    duplicate = r"dimension set \(region, service, tier\) is already set 2"
    with pytest.raises(DuplicateDimensionSetError, match=duplicate) as raised:
        metrics.add_dimension_set(tier="gold", region="eu-west-1")  # order does not make a set
    assert raised.value.rule == "no two identical dimension sets in one document"
    assert raised.value.metric is None
    assert isinstance(raised.value, MetricValidationError)
    assert isinstance(raised.value, MetricsError)


def test_a_set_equal_to_the_first_one_is_a_duplicate(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.add_dimension("channel", "web")
    with pytest.raises(DuplicateDimensionSetError, match="already set 1"):
        metrics.add_dimension_set(channel="web")
    # and the other way round: add_dimension making the first set equal to another one
    other = metrics_on(stream)
    other.add_dimension_set(channel="web")
    with pytest.raises(DuplicateDimensionSetError, match=r"dimension set \(channel, service\) is already set 1"):
        other.add_dimension("channel", "web")


def test_a_default_dimension_making_two_sets_equal_is_refused(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.add_dimension_set(region="eu-west-1")
    with pytest.raises(DuplicateDimensionSetError):
        metrics.set_default_dimensions(region="eu-west-1")


def test_a_refused_set_leaves_the_document_as_it_was(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.add_dimension_set(region="eu-west-1")
    with pytest.raises(DuplicateDimensionSetError):
        metrics.add_dimension_set(region="eu-west-1")
    metrics.add_metric("Orders", "Count", 1)
    metrics.flush()
    assert directive(stream.documents()[0])["Dimensions"] == [["service"], ["service", "region"]]


def test_more_than_30_dimensions_in_one_set_is_refused(stream: EMFStream) -> None:
    metrics = metrics_on(stream)  # service is one of them
    too_many = {f"d{n}": "v" for n in range(30)}
    limit = "would make 31 dimensions; EMF allows 30 in a dimension set"
    with pytest.raises(DimensionLimitError, match=limit) as raised:
        metrics.add_dimension_set(**too_many)
    assert raised.value.rule == "at most 30 dimensions per dimension set"
    # 30 in a set is the limit, and each set has its own
    del too_many["d0"]
    metrics.add_dimension_set(**too_many)
    metrics.add_dimension_set(**{f"e{n}": "v" for n in range(29)})
    metrics.add_metric("Orders", "Count", 1)
    metrics.flush()
    assert [len(names) for names in directive(stream.documents()[0])["Dimensions"]] == [1, 30, 30]


def test_the_first_set_counts_its_defaults(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.set_default_dimensions(**{f"d{n}": "v" for n in range(28)})
    metrics.add_dimension("last", "v")
    with pytest.raises(DimensionLimitError, match="dimension\\(s\\) one_too_many would make 31 dimensions"):
        metrics.add_dimension("one_too_many", "v")


def test_a_dimension_has_one_value_in_a_document(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.add_dimension("region", "eu-west-1")
    with pytest.raises(MetricValidationError, match="dimension 'region' already has another value") as raised:
        metrics.add_dimension_set(region="us-east-1")
    assert raised.value.rule == "one value per dimension name in one document"
    assert "us-east-1" not in str(raised.value) and "eu-west-1" not in str(raised.value)  # values may be payload
    metrics.add_dimension_set(region="eu-west-1", tier="gold")  # the same value is fine
    with pytest.raises(MetricValidationError, match="dimension 'tier' already has another value"):
        metrics.add_dimension("tier", "silver")


def test_a_set_with_a_default_dimension_of_another_value_is_refused(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    with pytest.raises(MetricValidationError, match="dimension 'service' already has another value"):
        metrics.add_dimension_set(service="billing")


def test_dimension_set_names_do_not_clash_with_metrics_or_metadata(stream: EMFStream) -> None:
    metrics = metrics_on(stream)
    metrics.add_metric("Orders", "Count", 1)
    metrics.add_metadata("order_id", "o-1")
    with pytest.raises(MetricsError, match="dimension 'Orders' has the name of a metric"):
        metrics.add_dimension_set(Orders="x")
    with pytest.raises(MetricsError, match="dimension 'order_id' has the name of a metric or metadata key"):
        metrics.add_dimension("order_id", "x")
    metrics.add_dimension_set(region="eu-west-1")
    with pytest.raises(MetricsError, match="metric 'region' has the name of a dimension"):
        metrics.add_metric("region", "Count", 1)
    with pytest.raises(MetricsError, match="metadata key 'region' has the name of a metric or dimension"):
        metrics.add_metadata("region", "x")


@pytest.mark.parametrize(
    ("dimensions", "message"),
    [
        ({}, "add_dimension_set needs at least one dimension"),
        ({"region": ""}, "dimension 'region' needs a non-empty string value"),
        ({":region": "eu"}, "may not start with ':'"),
    ],
)
def test_invalid_dimension_sets_fail_where_they_are_added(
    stream: EMFStream, dimensions: dict[str, str], message: str
) -> None:
    metrics = metrics_on(stream)
    with pytest.raises(MetricsError, match=message):
        metrics.add_dimension_set(**dimensions)
