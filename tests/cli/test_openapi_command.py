"""`lambda-toolkit openapi`: an App's OpenAPI document as JSON, on stdout or in a file."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from lambda_toolkit.cli import main

APP = textwrap.dedent(
    """
    import functools
    from pydantic import BaseModel
    from lambda_toolkit.http import App

    app = App()

    class NewOrder(BaseModel):
        sku: str

    @app.get("/orders/{order_id}")
    def get_order(order_id: int) -> dict:
        return {}

    @app.post("/orders", status=201)
    def create_order(order: NewOrder) -> dict:
        return {}

    @functools.wraps(app)
    def handler(event, context):
        return app(event, context)

    def plain(event, context):
        return {}

    NOT_CALLABLE = 3
    """
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "api_module.py").write_text(APP)
    (tmp_path / "crashing.py").write_text("raise ValueError('the secret is hunter2')\n")
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for name in ("api_module", "crashing"):
        sys.modules.pop(name, None)


def test_the_document_goes_to_stdout_as_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "api_module:app", "--title", "Orders", "--version", "2.1.0"]) == 0
    document = json.loads(capsys.readouterr().out)
    validate(document)
    assert document["info"] == {"title": "Orders", "version": "2.1.0"}
    assert sorted(document["paths"]) == ["/orders", "/orders/{order_id}"]
    assert "NewOrder" in document["components"]["schemas"]


def test_output_writes_a_file_and_defaults_name_the_module(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "api_module:app", "--output", "spec.json"]) == 0
    assert capsys.readouterr().out == ""
    document = json.loads((project / "spec.json").read_text())
    assert document["info"] == {"title": "api_module", "version": "1.0.0"}


def test_a_handler_wrapping_the_app_is_followed_to_it(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "api_module:handler"]) == 0
    assert "/orders" in json.loads(capsys.readouterr().out)["paths"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing_module:app", "cannot import module 'missing_module': no such module"),
        ("api_module:nothing", "module 'api_module' has no attribute 'nothing'"),
        ("api_module:plain", "api_module:plain is not a lambda_toolkit.http.App"),
        ("api_module:NOT_CALLABLE", "api_module.NOT_CALLABLE is not callable"),
        ("crashing:app", "importing module 'crashing' failed with ValueError"),
        ("no spec", "handler must be MODULE:FUNCTION"),
    ],
)
def test_errors_are_one_line_and_exit_code_2(
    project: Path, capsys: pytest.CaptureFixture[str], spec: str, message: str
) -> None:
    assert main(["openapi", spec]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lambda-toolkit openapi: error: ")
    assert err.count("\n") == 1
    assert message in err
    assert "hunter2" not in err


def test_an_unwritable_output_is_one_line_and_exit_code_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "api_module:app", "--output", str(project / "no-dir" / "spec.json")]) == 2
    assert "cannot write" in capsys.readouterr().err
