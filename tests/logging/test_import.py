"""Cold start: importing the logging package stays light."""

from __future__ import annotations

import json
import subprocess
import sys

from tests._runtime import added_on_lambda

HEAVY = ["boto3", "botocore", "pydantic", "aws_xray_sdk", "opentelemetry", "jmespath"]


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(output.splitlines()[-1]))


def test_importing_the_package_imports_nothing_heavy() -> None:
    loaded = _modules_after("import lambda_toolkit.logging")
    assert not [name for name in HEAVY if name in loaded]


def test_on_lambda_the_logging_modules_add_only_contextvars() -> None:
    # the runtime has imported logging, json, threading, weakref...; not typing, dataclasses, random
    assert added_on_lambda("import lambda_toolkit.logging") <= {"contextvars"}


def test_on_lambda_a_logger_and_its_first_invocation_add_only_contextvars() -> None:
    # the library's lines are routed by default: that path must not pull typing in either
    code = (
        "import io, sys\n"
        "from lambda_toolkit.logging import Logger\n"
        "class Context:\n"  # (the testing kit's FakeContext would import typing itself)
        "    function_name, function_version, memory_limit_in_mb = 'f', '$LATEST', 128\n"
        "    invoked_function_arn = 'arn:aws:lambda:us-east-1:123456789012:function:f'\n"
        "    aws_request_id, log_group_name, log_stream_name = 'r-1', '/aws/lambda/f', 's'\n"
        "    def get_remaining_time_in_millis(self): return 3000\n"
        "log = Logger(service='s', stream=io.StringIO())\n"
        "handler = log.inject_context(lambda event, context: log.info('x', order_id='o-1'))\n"
        "handler({'Records': [{'eventSource': 'aws:sqs', 'messageId': 'm', 'body': ''}]}, Context())\n"
        "assert 'lambda_toolkit.logging._stdlib' in sys.modules  # the library's lines are routed\n"
    )
    assert added_on_lambda(code) <= {"contextvars"}


def test_a_first_invocation_with_auto_correlation_imports_nothing_heavy() -> None:
    code = (
        "import io\n"
        "from lambda_toolkit.logging import Logger\n"
        "from lambda_toolkit.testing import FakeContext\n"
        "log = Logger(service='s', stream=io.StringIO())\n"
        "handler = log.inject_context(lambda event, context: log.info('x'))\n"
        "handler({'Records': [{'eventSource': 'aws:sqs', 'messageId': 'm', 'body': ''}]}, FakeContext())\n"
    )
    loaded = _modules_after(code)
    assert not [name for name in HEAVY if name in loaded]


def test_the_stdlib_logging_module_is_imported_only_to_route_the_library_lines() -> None:
    make = "import io\nfrom lambda_toolkit.logging import Logger\n"
    off = _modules_after(f"{make}Logger(service='s', stream=io.StringIO(), library_logs=False)")
    on = _modules_after(f"{make}Logger(service='s', stream=io.StringIO())")
    assert "logging" not in off
    assert "logging" in on
