"""Whether to trace this call, and with which backend: settings, environment, cached state.

The decision is made on every call, because ``_X_AMZN_TRACE_ID`` changes with every
invocation, and it must cost next to nothing when tracing is off: a few environment
look-ups, string comparisons against the previous call's values, and no import of a
tracing SDK. Backends are created (and their SDK imported) the first time a call is
actually traced; library patching asked for before that waits for that moment.
"""

from __future__ import annotations

import os

from lambda_toolkit.core.env import SERVICE_ENV
from lambda_toolkit.core.env import service_name as resolve_service
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.options import check_count
from lambda_toolkit.core.state import current_invocation
from lambda_toolkit.tracing._warn import warn_once

TYPE_CHECKING = False  # typing costs milliseconds at cold start: type checkers only
if TYPE_CHECKING:
    from lambda_toolkit.tracing._backend import Backend
    from lambda_toolkit.tracing._sanitize import MetadataBudget

__all__ = [
    "BACKEND_ENV",
    "DISABLED_ENV",
    "METADATA_MAX_ENV",
    "SERVICE_ENV",
    "active_backend",
    "configure",
    "metadata_budget",
    "request_patch",
    "reset_for_tests",
    "service_name",
]

DISABLED_ENV = "LAMBDA_TOOLKIT_TRACE_DISABLED"
BACKEND_ENV = "LAMBDA_TOOLKIT_TRACE_BACKEND"
METADATA_MAX_ENV = "LAMBDA_TOOLKIT_TRACE_METADATA_MAX_BYTES"

_BACKEND_NAMES = {"xray": "xray", "x-ray": "xray", "aws-xray": "xray", "otel": "otel", "opentelemetry": "otel"}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class _Settings:
    """What ``configure()`` set; None means: read the environment."""

    __slots__ = ("backend", "disabled", "metadata_max_bytes", "service")

    def __init__(self) -> None:
        self.backend: str | None = None
        self.disabled: bool | None = None
        self.service: str | None = None
        self.metadata_max_bytes: int | None = None


_settings = _Settings()
_backends: dict[str, Backend | None] = {}  # None: creating it failed, do not retry
_pending_patches: list[tuple[str, ...] | None] = []
_disabled_values: dict[str, bool] = {}
_backend_values: dict[str, str | None] = {}
# (the last trace header seen, whether it is sampled), one tuple so threads never see half
# of an update; "" never equals a header, so the first call parses.
_header_cache: tuple[str, bool] = ("", False)
_budget: MetadataBudget | None = None


def configure(
    *,
    backend: str | None = None,
    disabled: bool | None = None,
    service: str | None = None,
    metadata_max_bytes: int | None = None,
) -> None:
    """Set process-wide tracing options; each one left as None keeps its current value.

    ``backend``: ``"xray"`` (default) or ``"otel"``; overrides LAMBDA_TOOLKIT_TRACE_BACKEND.
    ``disabled``: overrides LAMBDA_TOOLKIT_TRACE_DISABLED. ``service``: the ``Service``
    annotation and the metadata namespace; overrides LAMBDA_TOOLKIT_SERVICE and the
    function name. ``metadata_max_bytes``: the metadata budget of one span.
    """
    global _budget
    if backend is not None:
        normalized = _BACKEND_NAMES.get(backend.strip().lower()) if isinstance(backend, str) else None
        if normalized is None:
            raise ConfigurationError(f"tracing.configure: backend must be 'xray' or 'otel', got {backend!r}")
        _settings.backend = normalized
    if disabled is not None:
        if not isinstance(disabled, bool):
            raise ConfigurationError("tracing.configure: disabled must be a bool")
        _settings.disabled = disabled
    if service is not None:
        if not isinstance(service, str) or not service:
            raise ConfigurationError("tracing.configure: service must be a non-empty str")
        _settings.service = service
    if metadata_max_bytes is not None:
        _settings.metadata_max_bytes = check_count(
            "tracing.configure: metadata_max_bytes", metadata_max_bytes, minimum=256
        )
        _budget = None


def _disabled(raw: str) -> bool:
    known = _disabled_values.get(raw)
    if known is not None:
        return known
    value = raw.strip().lower()
    if value in _TRUE:
        result = True
    elif value in _FALSE:
        result = False
    else:
        # Misconfigured: stay on the safe side, where tracing costs and risks nothing.
        warn_once("env", DISABLED_ENV, f"{DISABLED_ENV} must be true or false; tracing is off")
        result = True
    _disabled_values[raw] = result
    return result


def _backend_name(raw: str) -> str | None:
    if raw in _backend_values:
        return _backend_values[raw]
    name = _BACKEND_NAMES.get(raw.strip().lower())
    if name is None:
        warn_once("env", BACKEND_ENV, f"{BACKEND_ENV} must be 'xray' or 'otel'; tracing is off")
    _backend_values[raw] = name
    return name


def _is_off() -> bool:
    disabled = _settings.disabled
    if disabled is None:
        raw = os.environ.get(DISABLED_ENV)
        return raw is not None and _disabled(raw)
    return disabled


def _chosen_backend() -> str | None:
    if _settings.backend is not None:
        return _settings.backend
    raw = os.environ.get(BACKEND_ENV)
    return "xray" if raw is None else _backend_name(raw)


def _sampled(raw: str | None) -> bool:
    """Whether the invocation's trace header asks for this invocation to be recorded."""
    global _header_cache
    cached_raw, cached_sampled = _header_cache
    if raw == cached_raw:
        return cached_sampled
    if raw is None:
        if current_invocation() is not None:  # during init there is never a header: no warning then
            warn_once(
                "trace-header",
                "missing",
                "no X-Ray trace header (_X_AMZN_TRACE_ID) in this Lambda invocation; nothing is traced "
                "(is active tracing turned on for the function?)",
            )
        return False  # not cached: the init phase and the invocations both see None
    sampled = False
    from lambda_toolkit.tracing._header import parse_trace_header

    parsed = parse_trace_header(raw)
    if isinstance(parsed, str):
        warn_once("trace-header", parsed, f"malformed X-Ray trace header in _X_AMZN_TRACE_ID ({parsed}); not traced")
    else:
        sampled = parsed.sampled
    _header_cache = (raw, sampled)
    return sampled


def active_backend() -> Backend | None:
    """The backend that records the current call, or None when there is nothing to trace."""
    if _is_off():
        return None
    name = _chosen_backend()
    if name == "xray":
        environ = os.environ
        if "LAMBDA_TASK_ROOT" not in environ or environ.get("AWS_SAM_LOCAL"):
            return None  # outside Lambda (or in SAM's local emulator): no daemon to send to
        if not _sampled(environ.get("_X_AMZN_TRACE_ID")):
            return None
    elif name is None:
        return None
    if name in _backends:
        return _backends[name]
    return _create(name)


def _create(name: str) -> Backend | None:
    backend: Backend | None
    try:
        if name == "xray":
            from lambda_toolkit.tracing._xray import XRayBackend

            backend = XRayBackend()
        else:
            from lambda_toolkit.tracing._otel import OTelBackend

            backend = OTelBackend()
    except Exception as exc:  # SDK not installed, bad daemon address...
        extra = "tracing" if name == "xray" else "otel"
        warn_once(
            "backend",
            name,
            f"the {name} tracing backend cannot start ({type(exc).__name__}); tracing is off "
            f"(is the '{extra}' extra installed?)",
        )
        backend = None
    _backends[name] = backend
    if backend is not None and name == "xray":
        while _pending_patches:
            _apply_patch(backend, _pending_patches.pop(0))
    return backend


def _apply_patch(backend: Backend, modules: tuple[str, ...] | None) -> None:
    try:
        backend.patch(modules)
    except Exception as exc:
        subject = "all" if modules is None else ",".join(modules)
        warn_once("patch", subject, f"patching {subject} for X-Ray failed ({type(exc).__name__}: {exc})")


def request_patch(modules: tuple[str, ...] | None, *, eager: bool) -> bool:
    """Patch now if X-Ray tracing is running (or ``eager``), else when it first runs.

    Returns True when the patching was applied now.
    """
    if _is_off():
        return False
    name = _chosen_backend()
    if name == "otel":
        warn_once(
            "patch",
            "otel",
            "patch() instruments libraries for X-Ray; with the OpenTelemetry backend use the "
            "opentelemetry-instrumentation packages (botocore, requests, httpx)",
        )
        return False
    if name is None or "LAMBDA_TASK_ROOT" not in os.environ:
        return False
    backend = _backends.get("xray")
    if backend is None and eager and "xray" not in _backends:
        backend = _create("xray")
    if backend is not None:
        _apply_patch(backend, modules)
        return True
    if "xray" not in _backends:  # not failed, just not started yet
        _pending_patches.append(modules)
    return False


def service_name(explicit: str | None = None) -> str:
    """The service: explicit, ``configure(service=...)``, then the package-wide resolution
    (``lambda_toolkit.core.env.service_name``)."""
    return resolve_service(explicit if explicit is not None else _settings.service)


def metadata_budget() -> MetadataBudget:
    """The shared per-span metadata budget."""
    global _budget
    if _budget is None:
        from lambda_toolkit.tracing._sanitize import DEFAULT_METADATA_MAX_BYTES, MetadataBudget

        limit = _settings.metadata_max_bytes
        if limit is None:
            raw = os.environ.get(METADATA_MAX_ENV, "").strip()
            limit = DEFAULT_METADATA_MAX_BYTES
            if raw:
                if raw.isdigit() and int(raw) >= 256:
                    limit = int(raw)
                else:
                    warn_once("env", METADATA_MAX_ENV, f"{METADATA_MAX_ENV} must be an integer of at least 256")
        _budget = MetadataBudget(limit)
    return _budget


def reset_for_tests() -> None:
    """Forget settings, backends, pending patches and caches (the SDKs' own state stays)."""
    global _settings, _header_cache, _budget
    _settings = _Settings()
    _backends.clear()
    _pending_patches.clear()
    _disabled_values.clear()
    _backend_values.clear()
    _header_cache = ("", False)
    _budget = None
    from lambda_toolkit.tracing._warn import reset_warnings

    reset_warnings()
