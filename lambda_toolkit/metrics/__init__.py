"""Custom metrics in CloudWatch's Embedded Metric Format (EMF).

EMF writes metrics as one structured JSON line per document on stdout; CloudWatch Logs
extracts them asynchronously, so recording a metric costs no API call and needs no IAM
permission::

    metrics = Metrics(namespace="Orders", service="orders")

    @metrics.log_metrics(capture_cold_start=True)
    def handler(event, context):
        metrics.add_metric("OrdersCreated", "Count", 1)
"""

from __future__ import annotations

from lambda_toolkit.metrics._metrics import Metrics
from lambda_toolkit.metrics._rules import MetricsConfigurationError, MetricsError, MetricUnit

__all__ = ["MetricUnit", "Metrics", "MetricsConfigurationError", "MetricsError"]
