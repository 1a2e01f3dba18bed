"""A queue worker with lambda-toolkit: one ``@batch("sqs")`` handler (cold-import benchmark)."""

import json

from lambda_toolkit.batch import batch


@batch("sqs")
def handler(record):  # type: ignore[no-untyped-def]
    order = json.loads(record.body)
    if order["quantity"] % 10 == 9:
        raise ValueError("cannot process this one")
