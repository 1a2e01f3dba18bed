"""HTTP routing for every Lambda HTTP trigger, with typed parameters.

::

    from lambda_toolkit.http import App

    app = App()

    @app.get("/orders/{order_id}")
    def get_order(order_id: int, expand: bool = False) -> dict: ...

    handler = app   # API Gateway REST/HTTP, ALB, function URLs, VPC Lattice

Importing this package does not import pydantic: a route's validators are built on its
first request.
"""

from __future__ import annotations

from lambda_toolkit.http._app import App, Route, Router
from lambda_toolkit.http._cors import CORS
from lambda_toolkit.http._errors import HTTPError, RequestValidationError
from lambda_toolkit.http._markers import Body, Header, Path, Query
from lambda_toolkit.http._response import Response

__all__ = [
    "CORS",
    "App",
    "Body",
    "HTTPError",
    "Header",
    "Path",
    "Query",
    "RequestValidationError",
    "Response",
    "Route",
    "Router",
]
