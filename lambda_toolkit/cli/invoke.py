"""``lambda-toolkit invoke``: run a handler locally the way the Lambda runtime does.

The runtime's environment variables that are unset get Lambda's values, the handler gets
a context with a real deadline, the JSON response goes to stdout and everything the
function prints or logs goes to stderr. A handler error is printed in Lambda's error
shape (errorMessage, errorType, stackTrace) with exit code 1; a handler still running at
its deadline ends the process as Lambda would ("Task timed out").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import decimal
import importlib
import inspect
import json
import os
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from typing import Any, TextIO

from lambda_toolkit.core.errors import LambdaToolkitError
from lambda_toolkit.testing import FakeContext

__all__ = ["lambda_environment", "load_event", "load_handler", "register", "run"]

HANDLER_ERROR = 1


def register(subparsers: Any) -> None:
    """Add the ``invoke`` subcommand."""
    parser = subparsers.add_parser("invoke", help="run a handler locally with an event")
    parser.add_argument("handler", metavar="MODULE:FUNCTION", help="e.g. app:handler or app.handler")
    parser.add_argument("--event", default=None, metavar="FILE|-", help="event JSON file, or - for stdin")
    parser.add_argument("--timeout-ms", type=int, default=3000, help="function timeout (default 3000)")
    parser.add_argument("--memory-mb", type=int, default=128, help="memory size (default 128)")
    parser.add_argument("--function-name", default=None, help="function name (default: the module name)")
    parser.add_argument(
        "--runtime",
        choices=("local", "ric"),
        default="local",
        help="local: call the handler in this process; ric: run it under AWS's runtime client "
        "(awslambdaric) against a local Runtime API, exactly as Lambda bootstraps Python functions",
    )
    parser.set_defaults(run=run)


def _command_error(message: str) -> Exception:
    from lambda_toolkit.cli import CommandError

    return CommandError(message)


def _split_handler(spec: str) -> tuple[str, str]:
    module, sep, function = spec.partition(":")
    if not sep:
        module, _, function = spec.rpartition(".")
    if not module or not function or not all(part.isidentifier() for part in [*module.split("."), function]):
        raise _command_error(f"handler must be MODULE:FUNCTION (e.g. app:handler), got {spec!r}")
    return module, function


def load_handler(spec: str) -> Callable[..., Any]:
    """Import ``MODULE:FUNCTION`` (or Lambda's ``module.function``) from the working directory."""
    module_name, function_name = _split_handler(spec)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise _command_error(f"cannot import module {module_name!r}: no such module") from None
        raise
    handler = getattr(module, function_name, None)
    if handler is None:
        raise _command_error(f"module {module_name!r} has no attribute {function_name!r}")
    if not callable(handler):
        raise _command_error(f"{module_name}.{function_name} is not callable")
    return handler  # type: ignore[no-any-return]


def load_event(source: str | None, stdin: TextIO) -> Any:
    """The event from a file, stdin (``-``) or, when none is given, ``{}``."""
    if source is None:
        return {}
    if source == "-":
        text, origin = stdin.read(), "stdin"
    else:
        try:
            with open(source, encoding="utf-8") as file:
                text = file.read()
        except OSError as exc:
            raise _command_error(f"cannot read event file {source!r}: {exc.strerror}") from None
        origin = repr(source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _command_error(f"event from {origin} is not valid JSON (line {exc.lineno}, column {exc.colno})") from None


def lambda_environment(function_name: str, memory_mb: int, handler: str) -> dict[str, str]:
    """The variables the Lambda runtime sets, with local values."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return {
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[$LATEST]{uuid.uuid4().hex}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "LAMBDA_TASK_ROOT": os.getcwd(),
        "_HANDLER": handler,
        "TZ": ":UTC",
    }


def _json_default(value: Any) -> Any:
    # The Lambda Python runtime serialises Decimal (as DynamoDB returns numbers).
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _error_payload(exc: BaseException) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
    }


def _arm_timeout(context: FakeContext, out: TextIO) -> threading.Timer:
    def expire() -> None:
        seconds = context.timeout_ms / 1000.0
        payload = {"errorMessage": f"Task timed out after {seconds:.2f} seconds", "errorType": "Sandbox.Timedout"}
        print(json.dumps(payload), file=out, flush=True)
        os._exit(HANDLER_ERROR)  # Lambda stops the sandbox mid-instruction, so do we

    timer = threading.Timer(context.timeout_ms / 1000.0 + 0.05, expire)
    timer.daemon = True
    timer.start()
    return timer


def run(args: argparse.Namespace) -> int:
    """Run the handler once; print its response or error; return the exit code."""
    if args.timeout_ms <= 0 or args.memory_mb <= 0:
        raise _command_error("--timeout-ms and --memory-mb must be positive")
    module_name, function_name = _split_handler(args.handler)
    event = load_event(args.event, sys.stdin)
    name = args.function_name or module_name.rpartition(".")[2].replace("_", "-")
    if args.runtime == "ric":
        return _run_under_ric(f"{module_name}.{function_name}", event, args, name)
    for key, value in lambda_environment(name, args.memory_mb, f"{module_name}.{function_name}").items():
        os.environ.setdefault(key, value)
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        try:
            handler = load_handler(args.handler)
        except Exception as exc:
            if isinstance(exc, LambdaToolkitError):
                raise
            # The module itself failed to import: Lambda reports this as an init error.
            payload = {
                "errorMessage": f"Unable to import module {module_name!r}: {exc}",
                "errorType": "Runtime.ImportModuleError",
                "stackTrace": [],
            }
            print(json.dumps(payload), file=out)
            return HANDLER_ERROR
        context = FakeContext(timeout_ms=args.timeout_ms, memory_mb=args.memory_mb, function_name=name)
        timer = _arm_timeout(context, out)
        try:
            response = handler(event, context)
            if inspect.iscoroutine(response):
                response = asyncio.run(response)
        except Exception as exc:
            payload = _error_payload(exc)
            payload["requestId"] = context.aws_request_id
            print(json.dumps(payload), file=out)
            return HANDLER_ERROR
        finally:
            timer.cancel()
    try:
        text = json.dumps(response, default=_json_default)
    except (TypeError, ValueError) as exc:
        print(
            json.dumps({"errorMessage": f"Unable to marshal response: {exc}", "errorType": "Runtime.MarshalError"}),
            file=out,
        )
        return HANDLER_ERROR
    print(text, file=out)
    return 0


def _run_under_ric(handler: str, event: Any, args: argparse.Namespace, name: str) -> int:
    """Run the handler in a fresh process under awslambdaric and the local Runtime API."""
    from lambda_toolkit.testing.runtime_api import RuntimeEmulator

    passed = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "LAMBDA_TOOLKIT_", "POWERTOOLS_"))}
    emulator = RuntimeEmulator(
        handler=handler,
        task_root=os.getcwd(),
        timeout_ms=args.timeout_ms,
        memory_mb=args.memory_mb,
        function_name=name,
        env=passed,
    )
    with emulator:
        result = emulator.invoke(event)
    for line in result.logs:
        print(line, file=sys.stderr)
    if result.error is not None:
        print(json.dumps(result.error))
        return HANDLER_ERROR
    print(json.dumps(result.response))
    return 0
