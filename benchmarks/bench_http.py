"""HTTP scenarios: a 50-route API answering one request, its cold import, and routing from 5 to 500 routes.

The API is ``apps/http_catalog``: ten resources with five routes each, written as a user
writes them, once on ``lambda_toolkit.http.App`` (``catalog_toolkit.py``) and once on
Powertools' ``APIGatewayHttpResolver(enable_validation=True)`` (``catalog_powertools.py``),
both importing the same request models (``catalog_models.py``).
The request is ``PUT /orders/42?notify=true`` on an HTTP API (payload 2.0) with a small
JSON body validated into a pydantic model, answered with JSON: a path parameter, a query
parameter and a body, the route registered in the middle of the fifty. Both sides
answer the same status and body (checked before measuring).

The routing curve uses apps of N generated routes (``/r{i}/items/{item_id}``, GET) and
requests the last one registered, which is where a router that scans its routes in order
pays most; both sides are measured on the same event.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from _harness import Scenario, cold_import, per_call

from lambda_toolkit.testing import FakeContext
from lambda_toolkit.testing.events import api_gateway_http_event

APPS = Path(__file__).resolve().parent / "apps" / "http_catalog"
sys.path.insert(0, str(APPS))

import catalog_powertools  # noqa: E402
import catalog_toolkit  # noqa: E402

CONTEXT = FakeContext(timeout_ms=900_000)
EVENT: dict[str, Any] = api_gateway_http_event(
    "PUT", "/orders/42", body={"sku": "BOOK-1", "quantity": 2}, query={"notify": "true"}
)
ROUTE_COUNTS = (5, 50, 500)
_EVENT_TEXT = json.dumps(EVENT)


def _ours() -> dict[str, Any]:
    return catalog_toolkit.handler(EVENT, CONTEXT)


def _theirs() -> dict[str, Any]:
    return catalog_powertools.handler(EVENT, CONTEXT)


_IMPORT = "import sys; sys.path.insert(0, {path!r}); import {module}"
# Import, then answer the first request (validators built on first use are paid here).
_FIRST_REQUEST = _IMPORT + "; import json; {module}.handler(json.loads({event!r}), None)"


def _routing_apps(count: int) -> tuple[Any, Any]:
    """An app of each side with ``count`` GET routes ``/r{i}/items/{item_id}``."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from lambda_toolkit.http import App

    ours = App()
    theirs = APIGatewayHttpResolver(enable_validation=True)
    for index in range(count):

        def read(item_id: int, index: int = index) -> dict[str, int]:
            return {"route": index, "item": item_id}

        read.__name__ = f"read_{index}"
        ours.get(f"/r{index}/items/{{item_id}}")(read)
        theirs.get(f"/r{index}/items/<item_id>")(read)
    return ours, theirs


def _routing_scenario(count: int) -> Scenario:
    ours, theirs = _routing_apps(count)
    event = api_gateway_http_event("GET", f"/r{count - 1}/items/7")
    for side in (ours, theirs.resolve):
        answer = side(event, CONTEXT)
        assert answer["statusCode"] == 200 and json.loads(answer["body"])["route"] == count - 1, answer
    return Scenario(
        f"http: routing, {count} routes, the last one requested",
        "µs/request",
        lambda: per_call(lambda: ours(event, CONTEXT)) * 1e6,
        lambda: per_call(lambda: theirs.resolve(event, CONTEXT)) * 1e6,
        goal="reported (curve)",
    )


def _compile_package() -> None:
    """Byte-compile the package and the apps, as an installed wheel or a layer is."""
    import compileall

    import lambda_toolkit

    compileall.compile_dir(str(Path(lambda_toolkit.__file__).parent), quiet=1)
    compileall.compile_dir(str(APPS), quiet=1)


def scenarios() -> list[Scenario]:
    _compile_package()
    ours, theirs = _ours(), _theirs()
    assert ours["statusCode"] == theirs["statusCode"] == 200, (ours, theirs)
    assert (
        json.loads(ours["body"])
        == json.loads(theirs["body"])
        == {
            "id": 42,
            "notify": True,
            "sku": "BOOK-1",
            "quantity": 2,
        }
    )
    return [
        Scenario(
            "http: 50 routes, path + query + JSON body into a model, JSON answer",
            "µs/request",
            lambda: per_call(_ours) * 1e6,
            lambda: per_call(_theirs) * 1e6,
            goal="<= 0.4x",
        ),
        Scenario(
            "http: cold import of the module defining the 50-route app",
            "ms",
            lambda: cold_import(_IMPORT.format(path=str(APPS), module="catalog_toolkit")) * 1e3,
            lambda: cold_import(_IMPORT.format(path=str(APPS), module="catalog_powertools")) * 1e3,
            goal="<= 0.5x",
            # Both import the same ten pydantic models (catalog_models.py): what they cost alone.
            extra={
                "the models module alone: pydantic + 10 models (ms)": lambda: (
                    cold_import(_IMPORT.format(path=str(APPS), module="catalog_models")) * 1e3
                )
            },
        ),
        Scenario(
            "http: cold start, the same import + the first request",
            "ms",
            lambda: (
                cold_import(_FIRST_REQUEST.format(path=str(APPS), module="catalog_toolkit", event=_EVENT_TEXT)) * 1e3
            ),
            lambda: (
                cold_import(_FIRST_REQUEST.format(path=str(APPS), module="catalog_powertools", event=_EVENT_TEXT)) * 1e3
            ),
            goal="reported",
        ),
        *(_routing_scenario(count) for count in ROUTE_COUNTS),
    ]
