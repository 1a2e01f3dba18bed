"""app.openapi(): an OpenAPI 3.1 document that validates and describes every route."""

from __future__ import annotations

import json
from typing import Annotated, Any

from openapi_spec_validator import validate
from pydantic import BaseModel

from lambda_toolkit.http import App, Body, Header, Query, Response, Router


class Item(BaseModel):
    sku: str
    qty: int = 1


class Order(BaseModel):
    id: int
    items: list[Item]


def make_app() -> App:
    app = App()

    @app.get("/orders/{order_id}")
    def get_order(
        order_id: int,
        expand: bool = False,
        page_size: Annotated[int, Query(alias="page-size")] = 20,
        x_tenant: Annotated[str | None, Header()] = None,
    ) -> Order:
        """Fetch one order.

        With its items."""
        raise NotImplementedError

    @app.post("/orders", status=201)
    def create_order(order: Order) -> Order:
        raise NotImplementedError

    @app.delete("/orders/{order_id}")
    def delete_order(order_id: int) -> None: ...

    router = Router()

    @router.get("/files/{key+}")
    def read_file(key: str) -> bytes:
        return b""

    @router.put("/files/{key+}")
    def write_file(key: str, data: Annotated[bytes, Body()]) -> Response:
        return Response(status=204)

    @router.get("/health")
    def health() -> str:
        return "ok"

    app.include(router, prefix="/v1")
    return app


def test_document_is_valid_openapi_3_1() -> None:
    document = make_app().openapi(title="Orders", version="1.2.0", servers=["https://api.example.com"])
    validate(json.loads(json.dumps(document)))
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {"title": "Orders", "version": "1.2.0"}
    assert sorted(document["paths"]) == ["/orders", "/orders/{order_id}", "/v1/files/{key}", "/v1/health"]


def test_parameters_use_their_wire_names_and_requiredness() -> None:
    operation = make_app().openapi(title="t", version="1")["paths"]["/orders/{order_id}"]["get"]
    assert operation["operationId"] == "get_order"
    assert operation["summary"] == "Fetch one order."
    params = {(p["in"], p["name"]): p for p in operation["parameters"]}
    assert sorted(params) == [("header", "x-tenant"), ("path", "order_id"), ("query", "expand"), ("query", "page-size")]
    assert params[("path", "order_id")]["required"] is True
    assert params[("query", "page-size")]["required"] is False
    assert params[("query", "page-size")]["schema"] == {"type": "integer", "default": 20}
    assert set(operation["responses"]) == {"200", "422"}


def test_models_are_components_referenced_from_bodies_and_responses() -> None:
    document: dict[str, Any] = make_app().openapi(title="t", version="1")
    post = document["paths"]["/orders"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Order"}
    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Order"}
    assert {"Item", "Order", "ValidationError"} <= set(document["components"]["schemas"])


def test_other_bodies_and_answers() -> None:
    paths = make_app().openapi(title="t", version="1")["paths"]
    assert paths["/orders/{order_id}"]["delete"]["responses"]["204"] == {"description": "No Content"}
    assert "application/octet-stream" in paths["/v1/files/{key}"]["put"]["requestBody"]["content"]
    assert "application/octet-stream" in paths["/v1/files/{key}"]["get"]["responses"]["200"]["content"]
    assert "text/plain" in paths["/v1/health"]["get"]["responses"]["200"]["content"]
    assert "422" not in paths["/v1/health"]["get"]["responses"]


def test_empty_app() -> None:
    document = App().openapi(title="t", version="0")
    validate(document)
    assert document["paths"] == {}
