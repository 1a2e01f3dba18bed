"""A 50-route catalog API on lambda_toolkit.http (benchmarks/bench_http.py).

Ten resources with five routes each, laid out as a user writes them; the same API as
catalog_powertools.py.
"""

from __future__ import annotations

from typing import Any

from catalog_models import Coupon, Customer, Invoice, Order, Payment, Product, Review, Shipment, Supplier, Warehouse

from lambda_toolkit.http import App, HTTPError

app = App()
DB: dict[str, dict[int, dict[str, Any]]] = {}


@app.get("/customers")
def list_customers(limit: int = 20) -> dict:
    return {"items": list(DB.get("customers", {}).values())[:limit]}


@app.get("/customers/{customer_id}")
def get_customer(customer_id: int) -> dict:
    found = DB.get("customers", {}).get(customer_id)
    if found is None:
        raise HTTPError(404, "not found")
    return found


@app.post("/customers")
def create_customer(item: Customer) -> dict:
    table = DB.setdefault("customers", {})
    new_id = len(table) + 1
    table[new_id] = item.model_dump()
    return {"id": new_id, **table[new_id]}


@app.put("/customers/{customer_id}")
def update_customer(customer_id: int, item: Customer, notify: bool = False) -> dict:
    return {"id": customer_id, "notify": notify, **item.model_dump()}


@app.delete("/customers/{customer_id}")
def delete_customer(customer_id: int) -> dict:
    DB.get("customers", {}).pop(customer_id, None)
    return {"deleted": customer_id}


@app.get("/products")
def list_products(limit: int = 20) -> dict:
    return {"items": list(DB.get("products", {}).values())[:limit]}


@app.get("/products/{product_id}")
def get_product(product_id: int) -> dict:
    found = DB.get("products", {}).get(product_id)
    if found is None:
        raise HTTPError(404, "not found")
    return found


@app.post("/products")
def create_product(item: Product) -> dict:
    table = DB.setdefault("products", {})
    new_id = len(table) + 1
    table[new_id] = item.model_dump()
    return {"id": new_id, **table[new_id]}


@app.put("/products/{product_id}")
def update_product(product_id: int, item: Product, notify: bool = False) -> dict:
    return {"id": product_id, "notify": notify, **item.model_dump()}


@app.delete("/products/{product_id}")
def delete_product(product_id: int) -> dict:
    DB.get("products", {}).pop(product_id, None)
    return {"deleted": product_id}


@app.get("/invoices")
def list_invoices(limit: int = 20) -> dict:
    return {"items": list(DB.get("invoices", {}).values())[:limit]}


@app.get("/invoices/{invoice_id}")
def get_invoice(invoice_id: int) -> dict:
    found = DB.get("invoices", {}).get(invoice_id)
    if found is None:
        raise HTTPError(404, "not found")
    return found


@app.post("/invoices")
def create_invoice(item: Invoice) -> dict:
    table = DB.setdefault("invoices", {})
    new_id = len(table) + 1
    table[new_id] = item.model_dump()
    return {"id": new_id, **table[new_id]}


@app.put("/invoices/{invoice_id}")
def update_invoice(invoice_id: int, item: Invoice, notify: bool = False) -> dict:
    return {"id": invoice_id, "notify": notify, **item.model_dump()}


@app.delete("/invoices/{invoice_id}")
def delete_invoice(invoice_id: int) -> dict:
    DB.get("invoices", {}).pop(invoice_id, None)
    return {"deleted": invoice_id}


@app.get("/payments")
def list_payments(limit: int = 20) -> dict:
    return {"items": list(DB.get("payments", {}).values())[:limit]}


@app.get("/payments/{payment_id}")
def get_payment(payment_id: int) -> dict:
    found = DB.get("payments", {}).get(payment_id)
    if found is None:
        raise HTTPError(404, "not found")
    return found


@app.post("/payments")
def create_payment(item: Payment) -> dict:
    table = DB.setdefault("payments", {})
    new_id = len(table) + 1
    table[new_id] = item.model_dump()
    return {"id": new_id, **table[new_id]}


@app.put("/payments/{payment_id}")
def update_payment(payment_id: int, item: Payment, notify: bool = False) -> dict:
    return {"id": payment_id, "notify": notify, **item.model_dump()}


@app.delete("/payments/{payment_id}")
def delete_payment(payment_id: int) -> dict:
    DB.get("payments", {}).pop(payment_id, None)
    return {"deleted": payment_id}


@app.get("/shipments")
def list_shipments(limit: int = 20) -> dict:
    return {"items": list(DB.get("shipments", {}).values())[:limit]}


@app.get("/shipments/{shipment_id}")
def get_shipment(shipment_id: int) -> dict:
    found = DB.get("shipments", {}).get(shipment_id)
    if found is None:
        raise HTTPError(404, "not found")
    return found


@app.post("/shipments")
def create_shipment(item: Shipment) -> dict:
    table = DB.setdefault("shipments", {})
    new_id = len(table) + 1
    table[new_id] = item.model_dump()
    return {"id": new_id, **table[new_id]}


@app.put("/shipments/{shipment_id}")
def update_shipment(shipment_id: int, item: Shipment, notify: bool = False) -> dict:
    return {"id": shipment_id, "notify": notify, **item.model_dump()}


@app.delete("/shipments/{shipment_id}")
def delete_shipment(shipment_id: int) -> dict:
    DB.get("shipments", {}).pop(shipment_id, None)
    return {"deleted": shipment_id}


@app.get("/orders")
def list_orders(limit: int = 20) -> dict:
    return {"items": list(DB.get("orders", {}).values())[:limit]}


@app.get("/orders/{order_id}")
def get_order(order_id: int) -> dict:
    found = DB.get("orders", {}).get(order_id)
    if found is None:
        raise HTTPError(404, "not found")
    return found


@app.post("/orders")
def create_order(item: Order) -> dict:
    table = DB.setdefault("orders", {})
    new_id = len(table) + 1
    table[new_id] = item.model_dump()
    return {"id": new_id, **table[new_id]}


@app.put("/orders/{order_id}")
def update_order(order_id: int, item: Order, notify: bool = False) -> dict:
    return {"id": order_id, "notify": notify, **item.model_dump()}


@app.delete("/orders/{order_id}")
def delete_order(order_id: int) -> dict:
    DB.get("orders", {}).pop(order_id, None)
    return {"deleted": order_id}


@app.get("/reviews")
def list_reviews(limit: int = 20) -> dict:
    return {"items": list(DB.get("reviews", {}).values())[:limit]}


@app.get("/reviews/{review_id}")
def get_review(review_id: int) -> dict:
    found = DB.get("reviews", {}).get(review_id)
    if found is None:
        raise HTTPError(404, "not found")
    return found


@app.post("/reviews")
def create_review(item: Review) -> dict:
    table = DB.setdefault("reviews", {})
    new_id = len(table) + 1
    table[new_id] = item.model_dump()
    return {"id": new_id, **table[new_id]}


@app.put("/reviews/{review_id}")
def update_review(review_id: int, item: Review, notify: bool = False) -> dict:
    return {"id": review_id, "notify": notify, **item.model_dump()}


@app.delete("/reviews/{review_id}")
def delete_review(review_id: int) -> dict:
    DB.get("reviews", {}).pop(review_id, None)
    return {"deleted": review_id}


@app.get("/coupons")
def list_coupons(limit: int = 20) -> dict:
    return {"items": list(DB.get("coupons", {}).values())[:limit]}


@app.get("/coupons/{coupon_id}")
def get_coupon(coupon_id: int) -> dict:
    found = DB.get("coupons", {}).get(coupon_id)
    if found is None:
        raise HTTPError(404, "not found")
    return found


@app.post("/coupons")
def create_coupon(item: Coupon) -> dict:
    table = DB.setdefault("coupons", {})
    new_id = len(table) + 1
    table[new_id] = item.model_dump()
    return {"id": new_id, **table[new_id]}


@app.put("/coupons/{coupon_id}")
def update_coupon(coupon_id: int, item: Coupon, notify: bool = False) -> dict:
    return {"id": coupon_id, "notify": notify, **item.model_dump()}


@app.delete("/coupons/{coupon_id}")
def delete_coupon(coupon_id: int) -> dict:
    DB.get("coupons", {}).pop(coupon_id, None)
    return {"deleted": coupon_id}


@app.get("/suppliers")
def list_suppliers(limit: int = 20) -> dict:
    return {"items": list(DB.get("suppliers", {}).values())[:limit]}


@app.get("/suppliers/{supplier_id}")
def get_supplier(supplier_id: int) -> dict:
    found = DB.get("suppliers", {}).get(supplier_id)
    if found is None:
        raise HTTPError(404, "not found")
    return found


@app.post("/suppliers")
def create_supplier(item: Supplier) -> dict:
    table = DB.setdefault("suppliers", {})
    new_id = len(table) + 1
    table[new_id] = item.model_dump()
    return {"id": new_id, **table[new_id]}


@app.put("/suppliers/{supplier_id}")
def update_supplier(supplier_id: int, item: Supplier, notify: bool = False) -> dict:
    return {"id": supplier_id, "notify": notify, **item.model_dump()}


@app.delete("/suppliers/{supplier_id}")
def delete_supplier(supplier_id: int) -> dict:
    DB.get("suppliers", {}).pop(supplier_id, None)
    return {"deleted": supplier_id}


@app.get("/warehouses")
def list_warehouses(limit: int = 20) -> dict:
    return {"items": list(DB.get("warehouses", {}).values())[:limit]}


@app.get("/warehouses/{warehouse_id}")
def get_warehouse(warehouse_id: int) -> dict:
    found = DB.get("warehouses", {}).get(warehouse_id)
    if found is None:
        raise HTTPError(404, "not found")
    return found


@app.post("/warehouses")
def create_warehouse(item: Warehouse) -> dict:
    table = DB.setdefault("warehouses", {})
    new_id = len(table) + 1
    table[new_id] = item.model_dump()
    return {"id": new_id, **table[new_id]}


@app.put("/warehouses/{warehouse_id}")
def update_warehouse(warehouse_id: int, item: Warehouse, notify: bool = False) -> dict:
    return {"id": warehouse_id, "notify": notify, **item.model_dump()}


@app.delete("/warehouses/{warehouse_id}")
def delete_warehouse(warehouse_id: int) -> dict:
    DB.get("warehouses", {}).pop(warehouse_id, None)
    return {"deleted": warehouse_id}


handler = app
