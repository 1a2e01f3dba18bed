"""The catalog's request bodies, shared by catalog_toolkit.py and catalog_powertools.py."""

from __future__ import annotations

from pydantic import BaseModel


class Customer(BaseModel):
    name: str
    email: str


class Product(BaseModel):
    title: str
    price: float


class Invoice(BaseModel):
    amount: float
    currency: str


class Payment(BaseModel):
    amount: float
    method: str


class Shipment(BaseModel):
    carrier: str
    weight: float


class Order(BaseModel):
    sku: str
    quantity: int


class Review(BaseModel):
    rating: int
    text: str


class Coupon(BaseModel):
    code: str
    percent: int


class Supplier(BaseModel):
    name: str
    country: str


class Warehouse(BaseModel):
    city: str
    capacity: int
