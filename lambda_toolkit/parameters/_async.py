"""The async twins of the lookups: ``aget_parameter``, ``aget_secret`` and the others.

Each takes the options of its sync twin and shares its cache. A fresh cached value is
answered on the event loop at once; a fetch runs on the package's I/O threads
(``core.threads.to_thread``: boto3 is synchronous), in a copy of the caller's context, so
the loop keeps serving other tasks meanwhile. Concurrent callers of one uncached key,
coroutines and threads together, share one fetch (``_flight.SingleFlight.arun``).

Nothing here imports asyncio or concurrent.futures until a coroutine runs: an async caller
has loaded them already.
"""

from __future__ import annotations

from lambda_toolkit.parameters import _api
from lambda_toolkit.parameters._cache import MISSING

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable
    from typing import Any

    from lambda_toolkit.parameters._protocols import (
        ConfigurationProvider,
        ParameterProvider,
        SecretProvider,
        Transform,
    )

__all__ = [
    "aget_app_config",
    "aget_parameter",
    "aget_parameters",
    "aget_parameters_by_name",
    "aget_secret",
    "aget_secrets",
    "aset_parameter",
    "aset_secret",
]


async def aget_parameter(
    name: str,
    *,
    decrypt: bool = True,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    provider: ParameterProvider | None = None,
) -> Any:
    """``get_parameter`` for async code: the same options and cache, the fetch off the event loop."""
    source = provider or _api._provider
    key = (source, "parameter", name, decrypt, transform)
    if not force_fetch:
        value = _api._cache.fresh(key, max_age)
        if value is not MISSING:
            return value
    fetch = _api._parameter_fetch(source, name, decrypt, transform)
    return await _api._alookup(key, name, fetch, transform, max_age, force_fetch)


async def aget_secret(
    name: str,
    *,
    version_id: str | None = None,
    version_stage: str | None = None,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    provider: SecretProvider | None = None,
) -> Any:
    """``get_secret`` for async code: the same options and cache, the fetch off the event loop."""
    source = provider or _api._provider
    key = (source, "secret", name, version_id, version_stage, transform)
    if not force_fetch:
        value = _api._cache.fresh(key, max_age)
        if value is not MISSING:
            return value
    fetch = _api._secret_fetch(source, name, version_id, version_stage, transform)
    return await _api._alookup(key, name, fetch, transform, max_age, force_fetch)


async def aget_app_config(
    application: str,
    environment: str,
    profile: str,
    *,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    provider: ConfigurationProvider | None = None,
) -> Any:
    """``get_app_config`` for async code: the same options and cache, the fetch off the event loop."""
    source = provider or _api._provider
    key = (source, "appconfig", application, environment, profile, transform)
    if not force_fetch:
        value = _api._cache.fresh(key, max_age)
        if value is not MISSING:
            return value
    name, fetch = _api._app_config_fetch(source, application, environment, profile, transform)
    return await _api._alookup(key, name, fetch, transform, max_age, force_fetch, what="AppConfig configuration")


async def aget_parameters(
    path: str,
    *,
    recursive: bool = True,
    decrypt: bool = True,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    provider: ParameterProvider | None = None,
) -> dict[str, Any]:
    """``get_parameters`` (a hierarchy) for async code: the same options and cache, the fetch
    off the event loop."""
    source = provider or _api._provider
    key = (source, "path", path, recursive, decrypt, transform)
    if not force_fetch:
        value = _api._cache.fresh(key, max_age)
        if value is not MISSING:
            return dict(value)
    fetch = _api._path_fetch(source, path, recursive, decrypt, transform)
    return dict(await _api._alookup(key, path, fetch, None, max_age, force_fetch))


async def aget_parameters_by_name(
    names: Iterable[str],
    *,
    decrypt: bool = True,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    raise_on_error: bool = True,
    provider: ParameterProvider | None = None,
) -> dict[str, Any]:
    """``get_parameters_by_name`` for async code: answered from the cache on the loop when every
    name is fresh there, else the whole lookup runs off the event loop."""
    source = provider or _api._provider
    wanted = _api._names(names)
    if not force_fetch:
        found = _all_fresh({name: (source, "parameter", name, decrypt, transform) for name in wanted}, max_age)
        if found is not None:
            return found
    from lambda_toolkit.core.threads import to_thread

    return await to_thread(
        _api.get_parameters_by_name,
        wanted,
        decrypt=decrypt,
        max_age=max_age,
        transform=transform,
        force_fetch=force_fetch,
        raise_on_error=raise_on_error,
        provider=source,
    )


async def aget_secrets(
    names: Iterable[str],
    *,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    raise_on_error: bool = True,
    provider: SecretProvider | None = None,
) -> dict[str, Any]:
    """``get_secrets`` for async code: answered from the cache on the loop when every name is
    fresh there, else the whole lookup runs off the event loop."""
    source = provider or _api._provider
    wanted = _api._names(names)
    if not force_fetch:
        found = _all_fresh({name: (source, "secret", name, None, None, transform) for name in wanted}, max_age)
        if found is not None:
            return found
    from lambda_toolkit.core.threads import to_thread

    return await to_thread(
        _api.get_secrets,
        wanted,
        max_age=max_age,
        transform=transform,
        force_fetch=force_fetch,
        raise_on_error=raise_on_error,
        provider=source,
    )


def _all_fresh(keys: dict[str, Hashable], max_age: float | None) -> dict[str, Any] | None:
    """Every name's fresh cached value, or None as soon as one is missing."""
    values = {}
    for name, key in keys.items():
        value = _api._cache.fresh(key, max_age)
        if value is MISSING:
            return None
        values[name] = value
    return values


async def aset_parameter(
    name: str,
    value: str,
    *,
    overwrite: bool = False,
    type: str = "String",
    kms_key_id: str | None = None,
    tier: str | None = None,
    provider: Any = None,
) -> int | None:
    """``set_parameter`` for async code: the write runs off the event loop."""
    from lambda_toolkit.core.threads import to_thread

    return await to_thread(
        _api.set_parameter,
        name,
        value,
        overwrite=overwrite,
        type=type,
        kms_key_id=kms_key_id,
        tier=tier,
        provider=provider,
    )


async def aset_secret(
    name: str,
    value: str | bytes | dict[str, Any] | list[Any],
    *,
    create: bool = True,
    client_request_token: str | None = None,
    provider: Any = None,
) -> str | None:
    """``set_secret`` for async code: the write runs off the event loop."""
    from lambda_toolkit.core.threads import to_thread

    return await to_thread(
        _api.set_secret, name, value, create=create, client_request_token=client_request_token, provider=provider
    )
