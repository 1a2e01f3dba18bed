"""Importing the validation utility stays cheap: the validator is loaded by the first compile."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("jsonschema_rs", "fastjsonschema", "jsonschema", "boto3", "botocore", "pydantic", "jmespath", "typing")


def _loaded_after(code: str) -> set[str]:
    # Only what ``code`` adds: under ``coverage run`` the interpreter starts with coverage's own imports.
    probe = f"import sys, json\nbefore = set(sys.modules)\n{code}\nprint(json.dumps(sorted(set(sys.modules) - before)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def test_import_pulls_in_no_validator_and_no_heavy_module() -> None:
    loaded = _loaded_after("import lambda_toolkit.validation")
    assert sorted(name for name in loaded if name.split(".")[0] in HEAVY) == []
    assert "lambda_toolkit.events" not in loaded  # the events layer only comes with an envelope


def test_the_first_compile_loads_the_validator_and_nothing_else_heavy() -> None:
    loaded = _loaded_after(
        "from lambda_toolkit.validation import validate\n"
        "@validate(inbound={'type': 'object'})\n"
        "def handler(event, context): return event"
    )
    assert "jsonschema_rs" in loaded
    assert not {name for name in loaded if name.split(".")[0] in ("fastjsonschema", "jsonschema", "pydantic", "boto3")}


def test_an_http_envelope_does_not_load_pydantic() -> None:
    loaded = _loaded_after(
        "from lambda_toolkit.validation import validate\n"
        "from lambda_toolkit.testing.events import api_gateway_rest_event\n"
        "validate(api_gateway_rest_event('POST', '/', body={'a': 1}), {'type': 'object'}, 'http')"
    )
    assert "lambda_toolkit.events.envelopes" in loaded
    assert "pydantic" not in loaded


def test_the_public_names() -> None:
    import lambda_toolkit.validation as validation

    assert sorted(validation.__all__) == [
        "DEFAULT_DRAFT",
        "MAX_ERRORS",
        "Schema",
        "SchemaError",
        "ValidationError",
        "Violation",
        "compile_schema",
        "validate",
    ]
