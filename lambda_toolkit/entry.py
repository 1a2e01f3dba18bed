"""An entry point that reports init failures as one JSON line.

Set the function's Handler to ``lambda_toolkit.entry.handler`` and name the real handler in
the ``LAMBDA_TOOLKIT_HANDLER`` environment variable (``orders.app.handler``). The runtime
imports this module during Lambda's init phase; it imports your module then, and when that
import raises (a syntax error, a missing environment variable, a toolkit ConfigurationError, a
missing dependency) it writes one JSON line (the error type, your module, the file and line
of the failure, the cold-start fields) to stdout and re-raises the exception unchanged, so
Lambda still reports ``Runtime.ImportModuleError`` or ``Runtime.UserCodeSyntaxError``.

On success the module's ``handler`` attribute is replaced by your function, which the
runtime looks up after the import: invocations call your function directly, with no extra
frame and no per-call lookup. Outside Lambda (the variable unset at import), ``handler``
resolves the variable on its first call instead.

The line never carries the exception's message (it can hold a payload or a secret), except
for the toolkit's own errors, whose messages never do.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time

# Not `from typing import TYPE_CHECKING`: importing typing costs milliseconds at cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

__all__ = ["HANDLER_ENV", "handler", "load"]

HANDLER_ENV = "LAMBDA_TOOLKIT_HANDLER"

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_target: Callable[..., object] | None = None
_now = time.time  # replaced by tests for an exact timestamp


def handler(event: object, context: object) -> object:
    """The Lambda handler to configure: calls the function ``LAMBDA_TOOLKIT_HANDLER`` names.

    The function is resolved once (at import on Lambda, else on this first call); an
    import failure is reported as one JSON line on stdout and re-raised.
    """
    target = _target
    if target is None:
        target = load()
    return target(event, context)


def load(spec: str | None = None) -> Callable[..., object]:
    """Import the handler ``spec`` names (default: ``LAMBDA_TOOLKIT_HANDLER``) and return it.

    ``spec`` is ``module.function`` (``package.module.function``; ``dir/module.function``
    as the runtime accepts it too). A missing or malformed spec, or a module without that
    callable, is a ConfigurationError; any exception the import raises is reported as one
    JSON line on stdout and re-raised unchanged. The result is cached for ``handler``.
    """
    global _target
    module_name: str | None = None
    try:
        module_name, function_name = _parse(os.environ.get(HANDLER_ENV) if spec is None else spec)
        module = importlib.import_module(module_name)
        target: Callable[..., object] | None = getattr(module, function_name, None)
        if not callable(target):
            raise _configuration_error(
                f"{HANDLER_ENV}: module {module_name!r} has no callable {function_name!r}"
            ) from None
    except Exception as error:
        _report(error, module_name)
        raise
    _target = target
    return target


def _parse(spec: str | None) -> tuple[str, str]:
    if spec is None or not spec.strip():
        raise _configuration_error(
            f"{HANDLER_ENV} is not set: set it to your handler as module.function (e.g. app.handler)"
        )
    module_name, dot, function_name = spec.strip().replace("/", ".").rpartition(".")
    parts = module_name.split(".") if dot else []
    if not parts or not all(part.isidentifier() for part in parts) or not function_name.isidentifier():
        raise _configuration_error(f"{HANDLER_ENV} must be module.function (e.g. app.handler), got {spec!r}")
    if module_name == __name__:
        raise _configuration_error(
            f"{HANDLER_ENV} names {__name__} itself: set it to your own handler, not the entry point"
        )
    return module_name, function_name


def _configuration_error(message: str) -> Exception:
    # Imported here: the error path pays for the toolkit's core package, not every import.
    from lambda_toolkit.core.errors import ConfigurationError

    return ConfigurationError(message)


def _report(error: Exception, module_name: str | None) -> None:
    error_type = type(error).__name__
    where = f"importing {module_name}" if module_name else "reading " + HANDLER_ENV
    fields: dict[str, object] = {
        "timestamp": _timestamp(),
        "level": "ERROR",
        "message": f"init failed: {where} raised {error_type}",
        "error_type": error_type,
        "module": module_name,
        "location": _location(error),
    }
    from lambda_toolkit.core.errors import LambdaToolkitError

    if isinstance(error, LambdaToolkitError):
        fields["error_message"] = str(error)  # the toolkit's messages hold no secret or payload
    environ = os.environ
    memory = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    fields.update(
        cold_start=True,
        function_name=environ.get("AWS_LAMBDA_FUNCTION_NAME"),
        function_version=environ.get("AWS_LAMBDA_FUNCTION_VERSION"),
        function_memory_size=int(memory) if memory and memory.isdigit() else memory,
    )
    try:
        sys.stdout.write(json.dumps(fields, separators=(",", ":"), default=str) + "\n")
        sys.stdout.flush()
    except Exception:  # a broken stdout must not hide the original error
        pass


def _location(error: BaseException) -> str | None:
    """``file:line`` of the failure: where a syntax error is, else the innermost frame that
    is neither the standard library's nor the toolkit's (a bad ``LOG_LEVEL`` points at the
    user's ``Logger(...)`` line, a missing variable at the user's ``os.environ[...]``)."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{error.filename}:{error.lineno}"
    stdlib = os.path.dirname(os.path.abspath(os.__file__)) + os.sep
    found: str | None = None
    tb: TracebackType | None = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not (
            filename.startswith(("<", _PACKAGE_DIR + os.sep))
            or (filename.startswith(stdlib) and "-packages" + os.sep not in filename)
        ):
            found = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def _timestamp() -> str:
    now = _now()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


# On Lambda the variable is set: import the user's module now, during the init phase, so a
# failure is an init error, and put the user's function in `handler`'s place (the runtime
# reads the attribute after this import, so it calls that function directly).
if os.environ.get(HANDLER_ENV):
    globals()["handler"] = load()
