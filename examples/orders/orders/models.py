"""The business payloads, shared by the API and the worker."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field


class OrderRequest(BaseModel):
    """The body of ``POST /orders``."""

    customer_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(gt=0)


class OrderMessage(BaseModel):
    """The message the API puts on the queue for the worker."""

    order_id: str
    customer_id: str
    sku: str
    quantity: int = Field(gt=0)
    total: Decimal


class OrderCreated(BaseModel):
    """The answer of ``POST /orders`` (the total is sent as a decimal string)."""

    order_id: str
    total: Decimal
    payment_reference: str
