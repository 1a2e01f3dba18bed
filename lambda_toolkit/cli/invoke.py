"""``lambda-toolkit invoke``: run a handler locally the way the Lambda runtime does.

The runtime's environment variables that are unset get Lambda's values (and
``_X_AMZN_TRACE_ID`` a fresh trace id per invocation), the handler gets a context with a
real deadline whose log group and stream are the variables', the JSON response goes to
stdout and everything the function prints or logs goes to stderr. A handler error is
printed in Lambda's error shape (errorMessage, errorType, stackTrace without this
runner's frames) with exit code 1, as are ``sys.exit()`` (``Runtime.ExitError``) and a
response that cannot be serialised (``Runtime.MarshalError``); a handler still running
at its deadline ends the process as Lambda would ("Task timed out"). Bad input (the
handler spec, the event, ``--env``) is one line on stderr and exit code 2.
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
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from lambda_toolkit.core.errors import LambdaToolkitError
from lambda_toolkit.testing import FakeContext

__all__ = [
    "FunctionInitError",
    "apply_environment",
    "call_handler",
    "decode_json",
    "error_payload",
    "function_name_for",
    "import_handler",
    "lambda_environment",
    "load_event",
    "load_handler",
    "new_context",
    "new_trace_id",
    "read_env_file",
    "register",
    "run",
    "user_environment",
]

HANDLER_ERROR = 1
# What `--runtime ric` passes from this shell to the function process (besides PATH, LANG,
# TMPDIR and the AWS credentials, which the emulator always passes).
PASSED_PREFIXES = ("AWS_", "LAMBDA_TOOLKIT_", "POWERTOOLS_")
# Set by the runtime from the command's options: Lambda refuses them as function variables.
RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_TIMEOUT",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_RUNTIME_DIR",
        "LAMBDA_TASK_ROOT",
    }
)
LOG_FORMAT_VARIABLE = "LOG_FORMAT"  # read by lambda_toolkit.logging (json or pretty)
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INSTALL_RIC = "pip install 'lambda-toolkit-aws[local]'"


def add_function_options(parser: argparse.ArgumentParser, *, timeout_help: str) -> None:
    """The options that describe the function, shared by ``invoke`` and ``serve``."""
    parser.add_argument("--timeout-ms", type=int, default=3000, help=timeout_help)
    parser.add_argument("--memory-mb", type=int, default=128, help="memory size (default 128)")
    parser.add_argument("--function-name", default=None, help="function name (default: the module name)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a function environment variable (repeatable; wins over --env-file)",
    )
    parser.add_argument(
        "--env-file",
        default=None,
        metavar="FILE",
        help="function environment variables from a file of NAME=VALUE lines (# comments, optional quotes)",
    )
    parser.add_argument(
        "--log-format",
        choices=("json", "pretty"),
        default=None,
        help="the function's log lines: JSON, or pretty (readable, coloured on a terminal); default: "
        "LOG_FORMAT, else pretty when stderr is a terminal, else JSON (sets LOG_FORMAT for the function)",
    )


def register(subparsers: Any) -> None:
    """Add the ``invoke`` subcommand."""
    parser = subparsers.add_parser("invoke", help="run a handler locally with an event")
    parser.add_argument("handler", metavar="MODULE:FUNCTION", help="e.g. app:handler or app.handler")
    parser.add_argument("--event", default=None, metavar="FILE|-", help="event JSON file, or - for stdin")
    add_function_options(parser, timeout_help="function timeout (default 3000)")
    parser.add_argument(
        "--runtime",
        choices=("local", "ric"),
        default="local",
        help="local: call the handler in this process (it sees this shell's whole environment); "
        f"ric: run it under AWS's runtime client ({_INSTALL_RIC}) against a local Runtime API, exactly as "
        "Lambda bootstraps Python functions, in a clean environment: Lambda's variables, PATH, LANG, "
        "TMPDIR, this shell's AWS_*, LAMBDA_TOOLKIT_* and POWERTOOLS_* variables, and --env-file/--env",
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


def decode_json(data: bytes | str, origin: str) -> Any:
    """Parse UTF-8 JSON as Lambda accepts it; anything else is one clear ``CommandError``.

    ``origin`` names where the text came from (``"event from 'event.json'"``); the
    message never quotes the content.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _command_error(f"{origin} is not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise _command_error(f"{origin} is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise _command_error(f"{origin} is nested too deeply to parse") from None


def load_event(source: str | None, stdin: TextIO) -> Any:
    """The event from a file, stdin (``-``) or, when none is given, ``{}``."""
    if source is None:
        return {}
    data: bytes | str
    if source == "-":
        buffer = getattr(stdin, "buffer", None)
        data, origin = (buffer.read() if buffer is not None else stdin.read()), "stdin"
    else:
        try:
            with open(source, "rb") as file:
                data = file.read()
        except OSError as exc:
            raise _command_error(f"cannot read event file {source!r}: {exc.strerror}") from None
        origin = repr(source)
    return decode_json(data, f"event from {origin}")


def _assignment(text: str, where: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if name.startswith("export "):
        name = name.removeprefix("export ").strip()
    if not sep or not _VARIABLE_NAME.fullmatch(name):
        # The text itself is not quoted: it may hold a secret.
        raise _command_error(f"{where}: expected NAME=VALUE with NAME a variable name")
    if name in RESERVED_VARIABLES:
        raise _command_error(
            f"{where}: {name} is reserved (the runtime sets it; see --function-name, --memory-mb, --timeout-ms)"
        )
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return name, value


def read_env_file(path: str) -> dict[str, str]:
    """``NAME=VALUE`` lines of a dotenv-style file (blank lines, ``#`` comments, ``export``, quotes)."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise _command_error(f"cannot read env file {path!r}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _command_error(f"env file {path!r} is not UTF-8 text (byte {exc.start})") from None
    variables: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            name, value = _assignment(line, f"env file {path!r}, line {number}")
            variables[name] = value
    return variables


def user_environment(env_file: str | None, assignments: Iterable[str], log_format: str | None = None) -> dict[str, str]:
    """The function variables given by ``--env-file``, ``--env`` then ``--log-format``
    (the later wins)."""
    variables = read_env_file(env_file) if env_file is not None else {}
    for assignment in assignments:
        name, value = _assignment(assignment, "--env")
        variables[name] = value
    if log_format is not None:
        variables[LOG_FORMAT_VARIABLE] = log_format
    return variables


def _wants_pretty(variables: dict[str, str]) -> bool:
    """Whether this command shows the function's log lines pretty: as ``LOG_FORMAT`` (the
    function's variables, then this shell's) says, else when stderr is a terminal."""
    value = (variables.get(LOG_FORMAT_VARIABLE) or os.environ.get(LOG_FORMAT_VARIABLE) or "").strip().lower()
    if value in ("json", "pretty"):
        return value == "pretty"
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stderr
        return False


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


def new_trace_id() -> str:
    """An X-Ray trace header as Lambda puts in ``_X_AMZN_TRACE_ID`` (not sampled)."""
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"


def _runner_frame(filename: str) -> bool:
    # The command's modules call the handler, and asyncio.run drives a coroutine handler:
    # neither is the function's code (Lambda's runtime client drops its own frames too).
    folder = os.path.dirname(filename)
    return folder in (os.path.dirname(run.__code__.co_filename), os.path.dirname(asyncio.__file__))


def _error_payload(exc: BaseException) -> dict[str, Any]:
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((index for index, frame in enumerate(frames) if not _runner_frame(frame.filename)), len(frames))
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(frames[first:]),
    }


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return int(exc.code or 0)
    print(exc.code, file=sys.stderr)  # as the interpreter does for sys.exit("message")
    return 1


def _exit_payload(exc: SystemExit, request_id: str | None) -> dict[str, Any]:
    prefix = f"RequestId: {request_id} Error: " if request_id else "Error: "
    return {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"{prefix}Runtime exited with error: exit status {_exit_status(exc)}",
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


class FunctionInitError(LambdaToolkitError):
    """The function's module failed while Lambda would initialise it; ``payload`` is the
    error in Lambda's shape (``Runtime.ImportModuleError`` or ``Runtime.ExitError``)."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload["errorMessage"])
        self.payload = payload


def function_name_for(module_name: str, given: str | None) -> str:
    """The function name: ``given``, else the handler's module name (``orders.api`` -> ``api``)."""
    return given or module_name.rpartition(".")[2].replace("_", "-")


def apply_environment(variables: dict[str, str], function_name: str, memory_mb: int, handler: str) -> None:
    """Set the function's variables in this process, then Lambda's that are still unset."""
    os.environ.update(variables)
    for key, value in lambda_environment(function_name, memory_mb, handler).items():
        os.environ.setdefault(key, value)


def import_handler(spec: str) -> Callable[..., Any]:
    """``load_handler``, with a module that fails to import (or exits) reported as Lambda
    reports an init error: ``FunctionInitError``. A missing module or function stays a
    ``CommandError``."""
    module_name = _split_handler(spec)[0]
    try:
        return load_handler(spec)
    except SystemExit as exc:
        raise FunctionInitError(_exit_payload(exc, None)) from None
    except LambdaToolkitError:
        raise
    except Exception as exc:
        raise FunctionInitError(
            {
                "errorMessage": f"Unable to import module {module_name!r}: {exc}",
                "errorType": "Runtime.ImportModuleError",
                "stackTrace": [],
            }
        ) from None


def new_context(timeout_ms: int, memory_mb: int, function_name: str) -> FakeContext:
    """A fresh context for one invocation (after ``apply_environment``), with a fresh
    ``_X_AMZN_TRACE_ID`` as the runtime sets one per invocation."""
    context = FakeContext(
        timeout_ms=timeout_ms,
        memory_mb=memory_mb,
        function_name=function_name,
        log_group_name=os.environ["AWS_LAMBDA_LOG_GROUP_NAME"],
        log_stream_name=os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
    )
    os.environ["_X_AMZN_TRACE_ID"] = new_trace_id()
    return context


def call_handler(handler: Callable[..., Any], event: Any, context: FakeContext) -> Any:
    """Call the handler as the runtime does (a coroutine handler is run to completion)."""
    response = handler(event, context)
    if inspect.iscoroutine(response):
        response = asyncio.run(response)
    return response


def error_payload(exc: BaseException, request_id: str) -> dict[str, Any]:
    """A handler exception in Lambda's error shape, without this runner's frames."""
    if isinstance(exc, SystemExit):
        return _exit_payload(exc, request_id)
    payload = _error_payload(exc)
    payload["requestId"] = request_id
    return payload


def run(args: argparse.Namespace) -> int:
    """Run the handler once; print its response or error; return the exit code."""
    if args.timeout_ms <= 0 or args.memory_mb <= 0:
        raise _command_error("--timeout-ms and --memory-mb must be positive")
    module_name, function_name = _split_handler(args.handler)
    event = load_event(args.event, sys.stdin)
    variables = user_environment(args.env_file, args.env, args.log_format)
    name = function_name_for(module_name, args.function_name)
    if args.runtime == "ric":
        return _run_under_ric(f"{module_name}.{function_name}", event, args, name, variables)
    apply_environment(variables, name, args.memory_mb, f"{module_name}.{function_name}")
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        try:
            handler = import_handler(args.handler)
        except FunctionInitError as exc:
            print(json.dumps(exc.payload), file=out)
            return HANDLER_ERROR
        context = new_context(args.timeout_ms, args.memory_mb, name)
        timer = _arm_timeout(context, out)
        try:
            response = call_handler(handler, event, context)
        except (Exception, SystemExit) as exc:
            # sys.exit() ends Lambda's runtime process: the invocation fails with Runtime.ExitError.
            print(json.dumps(error_payload(exc, context.aws_request_id)), file=out)
            return HANDLER_ERROR
        finally:
            timer.cancel()
    try:
        text = json.dumps(response, default=_json_default)
    except (TypeError, ValueError, RecursionError) as exc:
        payload = {
            "errorMessage": f"Unable to marshal response: {exc}",
            "errorType": "Runtime.MarshalError",
            "requestId": context.aws_request_id,
            "stackTrace": [],
        }
        print(json.dumps(payload), file=out)
        return HANDLER_ERROR
    print(text, file=out)
    return 0


def _log_renderer(variables: dict[str, str]) -> Callable[[str], str]:
    """How the function's lines are shown: under the runtime client the function logs
    JSON, as on Lambda, so pretty lines are rendered here, in this command's process."""
    if not _wants_pretty(variables):
        return str
    from lambda_toolkit.logging._pretty import colour_for, render

    colour = colour_for(sys.stderr)
    return lambda line: render(line, colour)


def _module_exists(module_name: str, roots: list[str]) -> bool:
    """Whether ``module_name`` can be imported from ``roots``, without running any of it."""
    from importlib.machinery import PathFinder

    search: list[str] | None = roots
    parts = module_name.split(".")
    for depth in range(1, len(parts) + 1):
        if search is None:  # a module, not a package, cannot hold the next part
            return False
        spec = PathFinder.find_spec(".".join(parts[:depth]), search)
        if spec is None:
            return False
        search = list(spec.submodule_search_locations) if spec.submodule_search_locations is not None else None
    return True


def _run_under_ric(handler: str, event: Any, args: argparse.Namespace, name: str, variables: dict[str, str]) -> int:
    """Run the handler in a fresh process under awslambdaric and the local Runtime API."""
    import importlib.util

    from lambda_toolkit.testing.runtime_api import RuntimeEmulator

    if importlib.util.find_spec("awslambdaric") is None:
        raise _command_error(f"--runtime ric needs AWS's runtime interface client (awslambdaric): {_INSTALL_RIC}")
    module_name = handler.rpartition(".")[0]
    if not _module_exists(module_name, [os.getcwd(), *sys.path]):
        raise _command_error(f"cannot import module {module_name!r}: no such module")
    try:
        body = json.dumps(event).encode()
    except RecursionError:
        raise _command_error("the event is nested too deeply to send") from None
    passed = {k: v for k, v in os.environ.items() if k.startswith(PASSED_PREFIXES)}
    passed.update(variables)
    emulator = RuntimeEmulator(
        handler=handler,
        task_root=os.getcwd(),
        timeout_ms=args.timeout_ms,
        memory_mb=args.memory_mb,
        function_name=name,
        env=passed,
    )
    with emulator:
        result = emulator.invoke(body)
    render = _log_renderer(variables)
    for line in result.logs:
        print(render(line), file=sys.stderr)
    if result.error is not None:
        print(json.dumps(result.error))
        return HANDLER_ERROR
    print(json.dumps(result.response))
    return 0
