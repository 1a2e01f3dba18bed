"""Importing the http utility stays cheap: no pydantic, no boto3 until a route runs."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("boto3", "botocore", "pydantic", "pydantic_core", "aws_xray_sdk", "asyncio")


def test_import_pulls_in_no_heavy_module() -> None:
    code = (
        "import sys, lambda_toolkit, lambda_toolkit.http; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_import_adds_no_stdlib_module_that_costs_milliseconds() -> None:
    # typing, inspect, logging, json... are paid when a route is declared or answered
    code = (
        "import sys, lambda_toolkit.events; before = set(sys.modules); import lambda_toolkit.http; "
        "print(sorted(m for m in set(sys.modules) - before if not m.startswith('lambda_toolkit')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_declaring_routes_does_not_import_pydantic() -> None:
    code = (
        "import sys\n"
        "from lambda_toolkit.http import App, Query\n"
        "from typing import Annotated\n"
        "app = App()\n"
        "@app.get('/orders/{order_id}')\n"
        "def get(order_id: int, limit: Annotated[int, Query(alias='page-size')] = 10, tags: list[str] = []):\n"
        "    return {}\n"
        "print('pydantic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_routes_with_only_text_input_and_plain_results_never_import_pydantic() -> None:
    code = (
        "import sys\n"
        "from lambda_toolkit.http import App, Header\n"
        "from lambda_toolkit.testing import FakeContext\n"
        "from lambda_toolkit.testing.events import api_gateway_http_event\n"
        "from typing import Annotated\n"
        "app = App()\n"
        "@app.get('/hello/{name}')\n"
        "def hello(name: str, greeting='hi', agent: Annotated[str, Header(alias='user-agent')] = ''):\n"
        "    return {'text': greeting + ' ' + name}\n"
        "answer = app(api_gateway_http_event('GET', '/hello/ada'), FakeContext())\n"
        "assert answer['body'] == '{\"text\":\"hi ada\"}', answer\n"
        "print(sorted(m for m in sys.modules if m.startswith('pydantic')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_public_names() -> None:
    import lambda_toolkit.http as http

    assert sorted(http.__all__) == [
        "App",
        "Body",
        "CORS",
        "HTTPError",
        "Header",
        "Path",
        "Query",
        "RequestValidationError",
        "Response",
        "Route",
        "Router",
    ]
