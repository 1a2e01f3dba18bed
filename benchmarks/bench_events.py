"""Events scenarios: parsing through an envelope, a big SQS batch, and the import cost of one model.

Powertools' side uses ``aws_lambda_powertools.utilities.parser`` (``parse`` with
``envelopes.ApiGatewayEnvelope``, ``SqsModel``), the same events and the same user model.
"""

from __future__ import annotations

from typing import Any

from _harness import Scenario, cold_import, per_call
from pydantic import BaseModel

from lambda_toolkit.events import envelopes, parse
from lambda_toolkit.testing.events import api_gateway_rest_event, sqs_event


class Order(BaseModel):
    order_id: str
    quantity: int
    price: float


BODY = {"order_id": "o-123", "quantity": 2, "price": 9.5}
REST_EVENT: dict[str, Any] = api_gateway_rest_event(
    "POST", "/orders", headers={"authorization": "Bearer x"}, body=BODY, query={"debug": "1"}
)
# Powertools' REST model requires the fields a real API Gateway request carries.
REST_EVENT["requestContext"].update(
    {"resourceId": "abc123", "resourcePath": "/orders", "requestTimeEpoch": 1700000000000}
)
SQS_EVENT: dict[str, Any] = sqs_event(
    [{"order_id": f"o-{i}", "quantity": i, "price": 1.0} for i in range(10_000)], message_attributes={"tenant": "acme"}
)


def _ours_rest() -> Any:
    return envelopes.API_GATEWAY_REST.parse(REST_EVENT, Order)


def _ours_rest_full() -> Any:
    # The envelope reads only the body; this also validates the whole request into its model.
    request = parse(REST_EVENT, "api-gateway-rest")
    return Order.model_validate_json(request.decoded_body())  # type: ignore[attr-defined]


def _theirs_rest() -> Any:
    from aws_lambda_powertools.utilities.parser import envelopes as pt_envelopes
    from aws_lambda_powertools.utilities.parser import parse as pt_parse

    return pt_parse(event=REST_EVENT, model=Order, envelope=pt_envelopes.ApiGatewayEnvelope)


def _ours_sqs() -> Any:
    return parse(SQS_EVENT, "sqs")


def _theirs_sqs() -> Any:
    from aws_lambda_powertools.utilities.parser import parse as pt_parse
    from aws_lambda_powertools.utilities.parser.models import SqsModel

    return pt_parse(event=SQS_EVENT, model=SqsModel)


_OURS_IMPORT = """
from pydantic import BaseModel
from lambda_toolkit.events import SQSEvent
class Order(BaseModel):
    order_id: str
"""
_BASELINE_IMPORT = """
from pydantic import BaseModel
class Order(BaseModel):
    order_id: str
"""
_THEIRS_IMPORT = """
from pydantic import BaseModel
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import SqsModel
class Order(BaseModel):
    order_id: str
"""


def _compile_package() -> None:
    """Byte-compile the package, as an installed wheel or a Lambda layer is (Powertools' is)."""
    import compileall
    from pathlib import Path

    import lambda_toolkit

    compileall.compile_dir(str(Path(lambda_toolkit.__file__).parent), quiet=1)


def scenarios() -> list[Scenario]:
    _compile_package()
    assert _ours_rest() == _theirs_rest()
    assert len(_ours_sqs().records) == len(_theirs_sqs().Records) == 10_000
    return [
        Scenario(
            "events: API Gateway REST body into a small model (envelope)",
            "µs/event",
            lambda: per_call(_ours_rest) * 1e6,
            lambda: per_call(_theirs_rest) * 1e6,
            goal="<= 0.5x",
            extra={"toolkit, whole request model validated too (µs)": lambda: per_call(_ours_rest_full) * 1e6},
        ),
        Scenario(
            "events: 10,000-record SQS event into records",
            "ms/event",
            lambda: per_call(_ours_sqs, repeat=5) * 1e3,
            lambda: per_call(_theirs_sqs, repeat=5) * 1e3,
            goal="<= 0.5x",
        ),
        Scenario(
            "events: cold import of the events layer + the SQS model",
            "ms",
            lambda: cold_import(_OURS_IMPORT) * 1e3,
            lambda: cold_import(_THEIRS_IMPORT) * 1e3,
            goal="<= 0.5x",
            # Both sides import pydantic; this is what pydantic and the user's model cost alone.
            extra={"pydantic + the user model alone (ms)": lambda: cold_import(_BASELINE_IMPORT) * 1e3},
        ),
    ]
