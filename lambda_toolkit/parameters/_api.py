"""The lookup functions: cached reads of parameters and secrets.

Each function builds a cache key from everything that changes the value (the provider,
the kind of lookup, the name, decryption or version, the transform), answers from the
cache while the entry is fresh, and otherwise fetches, transforms and caches. A fetch or
transform that fails is never cached: the previous good value stays, and is served in
place of the error for ``stale_on_error`` seconds past its freshness if that is enabled.
Values are made read-only before they are cached (``_readonly``): every caller shares them.
"""

from __future__ import annotations

from lambda_toolkit.core.env import env_float, env_int
from lambda_toolkit.core.errors import ConfigurationError, InvocationTimeout
from lambda_toolkit.core.options import check_count, check_fraction, check_seconds
from lambda_toolkit.core.state import on_restore
from lambda_toolkit.parameters._auto import AutoProvider
from lambda_toolkit.parameters._cache import MISSING, ParameterCache
from lambda_toolkit.parameters._errors import (
    InvalidParameterNameError,
    InvalidParameterValueError,
    ParameterBatchError,
    ParameterError,
    ParameterFetchError,
    ParameterNotFoundError,
    ParameterWriteError,
)
from lambda_toolkit.parameters._flight import SingleFlight
from lambda_toolkit.parameters._masked import MaskedBytes, MaskedStr
from lambda_toolkit.parameters._provider import check_parameter_name, check_path, check_profile, check_secret_name
from lambda_toolkit.parameters._readonly import readonly
from lambda_toolkit.parameters._transforms import apply_transform, check_transform

# typing, collections.abc and friends cost milliseconds at cold start: type checkers see
# the real names, the run time never imports them (as in lambda_toolkit.core).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterable, Sequence
    from typing import Any

    from lambda_toolkit.parameters._cache import Entry
    from lambda_toolkit.parameters._protocols import (
        ConfigurationProvider,
        ParameterProvider,
        SecretProvider,
        Transform,
    )

__all__ = [
    "DEFAULT_MAX_AGE",
    "PARAMETER_TYPES",
    "AppConfigStore",
    "get_app_config",
    "MAX_AGE_VARIABLE",
    "clear_cache",
    "configure_cache",
    "get_default_provider",
    "get_parameter",
    "get_parameters",
    "get_parameters_by_name",
    "get_secret",
    "get_secrets",
    "set_default_provider",
    "set_parameter",
    "set_secret",
]

MAX_AGE_VARIABLE = "LAMBDA_TOOLKIT_PARAMETERS_MAX_AGE"
JITTER_VARIABLE = "LAMBDA_TOOLKIT_PARAMETERS_JITTER"
STALE_VARIABLE = "LAMBDA_TOOLKIT_PARAMETERS_STALE_ON_ERROR"
SIZE_VARIABLE = "LAMBDA_TOOLKIT_PARAMETERS_CACHE_SIZE"
RESTORE_MAX_AGE_VARIABLE = "LAMBDA_TOOLKIT_PARAMETERS_RESTORE_MAX_AGE"
DEFAULT_MAX_AGE = 300.0
PARAMETER_TYPES = frozenset({"String", "StringList", "SecureString"})

# Errors for which serving an older value would be wrong rather than resilient.
_NO_FALLBACK = (ParameterNotFoundError, InvalidParameterNameError)


def _cache_from_environment() -> ParameterCache:
    return ParameterCache(
        max_entries=check_count(f"environment variable {SIZE_VARIABLE}", env_int(SIZE_VARIABLE, 1024)),
        jitter=check_fraction(f"environment variable {JITTER_VARIABLE}", env_float(JITTER_VARIABLE, 0.1)),
        stale_on_error=check_seconds(f"environment variable {STALE_VARIABLE}", env_float(STALE_VARIABLE, 0.0)),
        restore_max_age=check_seconds(
            f"environment variable {RESTORE_MAX_AGE_VARIABLE}", env_float(RESTORE_MAX_AGE_VARIABLE, 0.0)
        ),
    )


_cache = _cache_from_environment()


@on_restore
def _after_restore() -> None:
    # A restored SnapStart sandbox shares the snapshot's cache with every other copy, and
    # the values may have been rotated since it was taken (see ParameterCache.after_restore).
    _cache.after_restore()


_provider: Any = AutoProvider()  # a ParameterProvider and a SecretProvider
_flights = SingleFlight()


def configure_cache(
    *,
    max_entries: int | None = None,
    jitter: float | None = None,
    stale_on_error: float | None = None,
    clock: Callable[[], float] | None = None,
    restore_max_age: float | None = None,
) -> None:
    """Replace the shared cache (emptied) with new settings; unset ones keep their value.

    ``max_entries`` bounds the cache, ``jitter`` (a fraction in [0, 1)) shortens each
    entry's freshness by up to that share at random, ``stale_on_error`` (seconds) keeps an
    expired value that long to serve if its refresh fails, ``clock`` is a monotonic clock,
    ``restore_max_age`` (seconds, default 0) is the age past which a value cached before a
    SnapStart snapshot is dropped after a restore (0: every value is fetched anew).
    Environment: ``LAMBDA_TOOLKIT_PARAMETERS_CACHE_SIZE``, ``..._JITTER``, ``..._STALE_ON_ERROR``,
    ``..._RESTORE_MAX_AGE``.
    """
    global _cache
    current = _cache
    _cache = ParameterCache(
        max_entries=current.max_entries if max_entries is None else max_entries,
        jitter=current.jitter if jitter is None else jitter,
        stale_on_error=current.stale_on_error if stale_on_error is None else stale_on_error,
        clock=current.clock if clock is None else clock,
        restore_max_age=current.restore_max_age if restore_max_age is None else restore_max_age,
    )


def clear_cache() -> None:
    """Forget every cached value: the next lookups fetch."""
    _cache.clear()


def set_default_provider(provider: Any = None) -> None:
    """Use ``provider`` (a ``ParameterProvider`` and/or ``SecretProvider``) when a lookup names
    none; ``None`` restores a new ``AutoProvider``. The cache is kept: keys include the provider."""
    global _provider
    _provider = AutoProvider() if provider is None else provider


def get_default_provider() -> Any:
    """The provider lookups use when they name none."""
    return _provider


def _max_age(max_age: float | None) -> float:
    if max_age is None:
        return check_seconds(f"environment variable {MAX_AGE_VARIABLE}", env_float(MAX_AGE_VARIABLE, DEFAULT_MAX_AGE))
    return check_seconds("max_age", max_age)


def _fallback(key: Hashable, name: str, error: ParameterError, force_fetch: bool) -> Entry | None:
    """The kept entry to serve in place of ``error``, or None."""
    if force_fetch or isinstance(error, _NO_FALLBACK):
        return None
    entry = _cache.kept(key)
    if entry is not None:
        import logging  # only when there is something to say

        logging.getLogger("lambda_toolkit.parameters").warning(
            "parameters: %r could not be refreshed (%s), serving the cached value", name, type(error).__name__
        )
    return entry


def _guarded(fetch: Callable[[], Any], name: str, failed: type[ParameterError] = ParameterFetchError) -> Any:
    """Run a provider's fetch (or write); an exception that is not a ParameterError (a provider
    of the user's, a bug) becomes a ParameterFetchError (``failed``) naming the parameter, not
    chained (its text may hold a value). A timeout guard's InvocationTimeout and a
    ConfigurationError (an option the provider refuses) pass through as themselves."""
    try:
        return fetch()
    except (ParameterError, InvocationTimeout, ConfigurationError):
        raise
    except Exception as exc:
        error = failed(f"{name!r}: the provider failed ({type(exc).__name__})", name=name)
    raise error


def _lookup(
    key: Hashable,
    name: str,
    fetch: Callable[[], Any],
    transform: Transform,
    max_age: float | None,
    force_fetch: bool,
    *,
    what: str = "parameter",
) -> Any:
    """Fetch, transform and cache the value of ``key``: once for every thread that misses it
    at the same time (single flight); each caller gets its own copy where values are copied."""
    refresh = _refresher(key, name, fetch, transform, _max_age(max_age), force_fetch, what)
    shared, copy = _flights.run(key, refresh)
    return shared if copy is None else copy(shared)


async def _alookup(
    key: Hashable,
    name: str,
    fetch: Callable[[], Any],
    transform: Transform,
    max_age: float | None,
    force_fetch: bool,
    *,
    what: str = "parameter",
) -> Any:
    """``_lookup`` for a coroutine: the fetch runs on the I/O threads, and the callers of one
    key (coroutines and threads alike) share it without blocking the event loop."""
    refresh = _refresher(key, name, fetch, transform, _max_age(max_age), force_fetch, what)
    shared, copy = await _flights.arun(key, refresh)
    return shared if copy is None else copy(shared)


def _refresher(
    key: Hashable,
    name: str,
    fetch: Callable[[], Any],
    transform: Transform,
    ttl: float,
    force_fetch: bool,
    what: str,
) -> Callable[[], tuple[Any, Callable[[Any], Any] | None]]:
    """The one fetch of ``key``: fetch, transform and cache, or fall back to a kept value."""
    cache = _cache

    def refresh() -> tuple[Any, Callable[[Any], Any] | None]:
        if not force_fetch:
            # A flight of this key may have ended between the caller's cache miss and this
            # one starting (or the flight this caller waited for was interrupted and another
            # caller's retry got there first): its value is fresh, fetching again is waste.
            entry = cache.fresh_entry(key, ttl)
            if entry is not None:
                return entry.value, entry.copy
        try:
            value = apply_transform(_guarded(fetch, name), transform, name=name, what=what)
        except ParameterError as exc:
            entry = _fallback(key, name, exc, force_fetch)
            if entry is None:
                raise
            return entry.value, entry.copy
        return _keep(cache, key, value, ttl)

    return refresh


def _keep(cache: ParameterCache, key: Hashable, value: Any, ttl: float) -> tuple[Any, Callable[[Any], Any] | None]:
    """Cache ``value`` made read-only; the shared value, and the copy each caller takes of it (or None)."""
    shared, copy = readonly(value)
    cache.put(key, shared, ttl, copy)
    return shared, copy


def get_parameter(
    name: str,
    *,
    decrypt: bool = True,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    provider: ParameterProvider | None = None,
) -> Any:
    """The value of the Parameter Store parameter ``name``, cached for ``max_age`` seconds.

    ``name`` may end in a ``:version`` or ``:label`` selector. ``decrypt`` decrypts a
    SecureString (returned as a ``MaskedStr``). ``transform``: ``"json"``, ``"binary"``, a
    pydantic model or ``TypeAdapter``, or a callable. ``max_age`` defaults to
    ``LAMBDA_TOOLKIT_PARAMETERS_MAX_AGE`` (300 s); ``0`` always fetches. ``force_fetch``
    skips the cache. IAM: ``ssm:GetParameter`` (and ``kms:Decrypt`` for a SecureString
    under a customer managed key).
    """
    source = provider or _provider
    key = (source, "parameter", name, decrypt, transform)
    if not force_fetch:
        value = _cache.fresh(key, max_age)
        if value is not MISSING:
            return value
    return _lookup(key, name, _parameter_fetch(source, name, decrypt, transform), transform, max_age, force_fetch)


# The arguments of a lookup that missed the cache, checked, and its fetch: one of each for
# the sync functions and their async twins (``_async``). A cached answer never pays the checks.


def _parameter_fetch(source: ParameterProvider, name: str, decrypt: bool, transform: Transform) -> Callable[[], Any]:
    _name_rule(source)(name)
    check_transform(transform)
    return lambda: source.get_parameter(name, decrypt=decrypt)


def _secret_fetch(
    source: SecretProvider, name: str, version_id: str | None, version_stage: str | None, transform: Transform
) -> Callable[[], Any]:
    check_secret_name(name)
    check_transform(transform)
    return lambda: source.get_secret(name, version_id=version_id, version_stage=version_stage)


def _app_config_fetch(
    source: ConfigurationProvider, application: str, environment: str, profile: str, transform: Transform
) -> tuple[str, Callable[[], Any]]:
    """The profile's name (``application/environment/profile``) and its fetch."""
    name = check_profile(application, environment, profile)
    check_transform(transform)
    read = getattr(source, "get_configuration", None)
    if read is None:
        raise ConfigurationError(
            f"AppConfig configuration {name!r}: the provider {type(source).__name__} cannot read AppConfig "
            "(it has no get_configuration): pass provider=AutoProvider() or an AppConfigProvider"
        )
    return name, lambda: read(application, environment, profile)


def _path_fetch(
    source: ParameterProvider, path: str, recursive: bool, decrypt: bool, transform: Transform
) -> Callable[[], dict[str, Any]]:
    getattr(source, "check_parameter_path", check_path)(path)
    check_transform(transform)
    prefix = path.rstrip("/") + "/"

    def fetch() -> dict[str, Any]:
        found = source.get_parameters_by_path(path, decrypt=decrypt, recursive=recursive)
        return {_relative(full, prefix): apply_transform(raw, transform, name=full) for full, raw in found.items()}

    return fetch


def get_secret(
    name: str,
    *,
    version_id: str | None = None,
    version_stage: str | None = None,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    provider: SecretProvider | None = None,
) -> Any:
    """The value of the Secrets Manager secret ``name`` (a name or an ARN), cached.

    A string secret comes back as a ``MaskedStr``, a binary one as ``MaskedBytes``: usable
    as ``str``/``bytes``, masked in ``repr``. ``version_id`` or ``version_stage``
    (``AWSCURRENT`` by default, ``AWSPREVIOUS``, ``AWSPENDING``...) pick a version. The other
    options are those of ``get_parameter``. IAM: ``secretsmanager:GetSecretValue`` (and
    ``kms:Decrypt`` under a customer managed key).
    """
    source = provider or _provider
    key = (source, "secret", name, version_id, version_stage, transform)
    if not force_fetch:
        value = _cache.fresh(key, max_age)
        if value is not MISSING:
            return value
    fetch = _secret_fetch(source, name, version_id, version_stage, transform)
    return _lookup(key, name, fetch, transform, max_age, force_fetch)


def get_app_config(
    application: str,
    environment: str,
    profile: str,
    *,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    provider: ConfigurationProvider | None = None,
) -> Any:
    """The content of the AWS AppConfig configuration profile ``profile`` deployed to
    ``environment`` of ``application`` (names or ids), cached for ``max_age`` seconds.

    Read through the AppConfig Lambda extension when it answers, else AppConfig Data (one
    configuration session per profile; an unchanged configuration costs no transfer and
    AppConfig's poll interval is respected). The content is ``MaskedBytes``;
    ``transform="json"`` parses it (a profile that is not JSON is a ``TransformError``
    naming the profile). The other options are those of ``get_parameter``. IAM:
    ``appconfig:StartConfigurationSession`` and ``appconfig:GetLatestConfiguration``.
    """
    source = provider or _provider
    key = (source, "appconfig", application, environment, profile, transform)
    if not force_fetch:
        value = _cache.fresh(key, max_age)
        if value is not MISSING:
            return value
    name, fetch = _app_config_fetch(source, application, environment, profile, transform)
    return _lookup(key, name, fetch, transform, max_age, force_fetch, what="AppConfig configuration")


class AppConfigStore:
    """An AppConfig profile as a zero-argument callable: ``store()`` is its current JSON
    document (a read-only dict), through ``get_app_config`` and its cache.

    For whatever takes a document source, such as ``FeatureFlags(store=AppConfigStore(...))``.
    ``max_age`` and ``provider`` are those of ``get_app_config``.
    """

    __slots__ = ("application", "environment", "max_age", "profile", "provider")

    def __init__(
        self,
        application: str,
        environment: str,
        profile: str,
        *,
        max_age: float | None = None,
        provider: ConfigurationProvider | None = None,
    ) -> None:
        check_profile(application, environment, profile)
        self.application = application
        self.environment = environment
        self.profile = profile
        self.max_age = None if max_age is None else check_seconds("AppConfigStore max_age", max_age)
        self.provider = provider

    def __call__(self) -> Any:
        """The profile's document, parsed from JSON."""
        return get_app_config(
            self.application,
            self.environment,
            self.profile,
            max_age=self.max_age,
            transform="json",
            provider=self.provider,
        )

    def __repr__(self) -> str:
        return f"AppConfigStore({self.application!r}, {self.environment!r}, {self.profile!r})"


def get_parameters(
    path: str,
    *,
    recursive: bool = True,
    decrypt: bool = True,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    provider: ParameterProvider | None = None,
) -> dict[str, Any]:
    """Every parameter under the hierarchy ``path``, keyed by name relative to it, cached.

    ``get_parameters("/app/prod")`` gives ``{"db/host": ..., "db/port": ...}`` for
    ``/app/prod/db/host`` and ``/app/prod/db/port``; ``recursive=False`` stops at one level.
    ``transform`` applies to every value. IAM: ``ssm:GetParametersByPath``.
    """
    source = provider or _provider
    key = (source, "path", path, recursive, decrypt, transform)
    if not force_fetch:
        value = _cache.fresh(key, max_age)
        if value is not MISSING:
            return dict(value)
    fetch = _path_fetch(source, path, recursive, decrypt, transform)
    return dict(_lookup(key, path, fetch, None, max_age, force_fetch))


def _name_rule(source: object) -> Callable[[object], str]:
    """How ``source`` checks a parameter name: its own rule (a DynamoDB key is not a Parameter
    Store name) or Parameter Store's."""
    rule: Callable[[object], str] = getattr(source, "check_parameter_name", check_parameter_name)
    return rule


def _relative(name: str, prefix: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name


def get_parameters_by_name(
    names: Iterable[str],
    *,
    decrypt: bool = True,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    raise_on_error: bool = True,
    provider: ParameterProvider | None = None,
) -> dict[str, Any]:
    """The values of the parameters ``names``, by name, in ``ssm:GetParameters`` calls of at most 10.

    Names cached and fresh are not fetched again; each name shares its cache entry with
    ``get_parameter``. When some names fail (missing, denied, transform), a
    ``ParameterBatchError`` lists each with its reason and carries the values read; with
    ``raise_on_error=False`` the failed names are left out of the result instead.
    IAM: ``ssm:GetParameters`` (and ``kms:Decrypt`` for SecureStrings).
    """
    source = provider or _provider
    check_name = _name_rule(source)
    wanted = [check_name(name) for name in _names(names)]
    check_transform(transform)
    return _batch(
        "parameters",
        wanted,
        key_of=lambda name: (source, "parameter", name, decrypt, transform),
        fetch=lambda pending: source.get_parameters(pending, decrypt=decrypt),
        transform=transform,
        max_age=max_age,
        force_fetch=force_fetch,
        raise_on_error=raise_on_error,
    )


def get_secrets(
    names: Iterable[str],
    *,
    max_age: float | None = None,
    transform: Transform = None,
    force_fetch: bool = False,
    raise_on_error: bool = True,
    provider: SecretProvider | None = None,
) -> dict[str, Any]:
    """The current values of the secrets ``names``, by name, through ``BatchGetSecretValue``.

    Cached like ``get_secret`` (the same entries); failures are reported as in
    ``get_parameters_by_name``. IAM: ``secretsmanager:BatchGetSecretValue`` and
    ``secretsmanager:GetSecretValue`` on each secret.
    """
    source = provider or _provider
    wanted = [check_secret_name(name) for name in _names(names)]
    check_transform(transform)
    return _batch(
        "secrets",
        wanted,
        key_of=lambda name: (source, "secret", name, None, None, transform),
        fetch=source.get_secrets,
        transform=transform,
        max_age=max_age,
        force_fetch=force_fetch,
        raise_on_error=raise_on_error,
    )


def _names(names: Iterable[str]) -> list[str]:
    if isinstance(names, (str, bytes)):
        raise InvalidParameterNameError("names must be a list of names, not a single string")
    return list(dict.fromkeys(names))


def _batch(
    what: str,
    names: list[str],
    *,
    key_of: Callable[[str], Hashable],
    fetch: Callable[[Sequence[str]], tuple[dict[str, Any], dict[str, ParameterError]]],
    transform: Transform,
    max_age: float | None,
    force_fetch: bool,
    raise_on_error: bool,
) -> dict[str, Any]:
    ttl = _max_age(max_age)
    cache = _cache
    values: dict[str, Any] = {}
    pending: list[str] = []
    for name in names:
        value = MISSING if force_fetch else cache.fresh(key_of(name), max_age)
        if value is MISSING:
            pending.append(name)
        else:
            values[name] = value
    failures: dict[str, ParameterError] = {}
    if pending:
        fetched, failed = _guarded(lambda: fetch(pending), ", ".join(pending))
        for name in pending:
            key = key_of(name)
            try:
                if name not in fetched:
                    raise failed.get(name) or ParameterNotFoundError(f"{what[:-1]} {name!r} not found", name=name)
                value = apply_transform(fetched[name], transform, name=name)
            except ParameterError as exc:
                entry = _fallback(key, name, exc, force_fetch)
                if entry is None:
                    failures[name] = exc
                else:
                    values[name] = entry.read()
                continue
            shared, copy = _keep(cache, key, value, ttl)
            values[name] = shared if copy is None else copy(shared)
    ordered = {name: values[name] for name in names if name in values}
    if failures and raise_on_error:
        raise ParameterBatchError(what, failures, ordered)
    return ordered


# -- writes ------------------------------------------------------------------------------


def set_parameter(
    name: str,
    value: str,
    *,
    overwrite: bool = False,
    type: str = "String",
    kms_key_id: str | None = None,
    tier: str | None = None,
    provider: Any = None,
) -> int | None:
    """Write the parameter ``name`` and refresh the cache with it; its new version (or None).

    ``type``: ``"String"``, ``"StringList"`` (comma-separated text) or ``"SecureString"``
    (encrypted with ``kms_key_id``, by default the account's ``aws/ssm`` key). Without
    ``overwrite`` an existing parameter is a ``ParameterExistsError``. ``tier``:
    ``"Standard"``, ``"Advanced"`` or ``"Intelligent-Tiering"``. After the write, every cached
    reading of ``name`` (and of the paths above it) is forgotten, in every provider, and the
    new value is cached for the provider that wrote it. IAM: ``ssm:PutParameter`` (and
    ``kms:Encrypt`` for a SecureString under a customer managed key).
    """
    source = provider or _provider
    _name_rule(source)(name)
    if not isinstance(value, str):
        raise InvalidParameterValueError(
            f"parameter {name!r}: the value must be a string, got {builtins_type(value).__name__}", name=name
        )
    if type not in PARAMETER_TYPES:
        raise ConfigurationError(f"set_parameter type must be one of {', '.join(sorted(PARAMETER_TYPES))}")
    write = getattr(source, "put_parameter", None)
    if write is None:
        raise ConfigurationError(
            f"parameter {name!r}: the provider {builtins_type(source).__name__} cannot write (it has no put_parameter)"
        )
    version = _guarded(
        lambda: write(name, value, overwrite=overwrite, type=type, kms_key_id=kms_key_id, tier=tier),
        name,
        ParameterWriteError,
    )
    _cache.discard_where(lambda key: _reads_parameter(key, name))
    stored = MaskedStr(value) if type == "SecureString" else value
    ttl = _max_age(None)
    _cache.put((source, "parameter", name, True, None), stored, ttl)
    if type != "SecureString":  # read without decryption a SecureString is its ciphertext
        _cache.put((source, "parameter", name, False, None), stored, ttl)
    return version  # type: ignore[no-any-return]


def set_secret(
    name: str,
    value: str | bytes | dict[str, Any] | list[Any],
    *,
    create: bool = True,
    client_request_token: str | None = None,
    provider: Any = None,
) -> str | None:
    """Store ``value`` as the current version of the secret ``name`` and refresh the cache with
    it; the new version's id (or None).

    A ``str`` is stored as ``SecretString``, ``bytes`` as ``SecretBinary``, a dict or list as
    its JSON text. A secret that does not exist is created (``create=False``: a
    ``ParameterNotFoundError`` instead). ``client_request_token`` makes a retried write
    idempotent. Cached readings of ``name`` are forgotten, in every provider, and the new
    value is cached as ``get_secret(name)`` reads it. IAM: ``secretsmanager:PutSecretValue``
    (``secretsmanager:CreateSecret`` to create; ``kms:GenerateDataKey`` and ``kms:Decrypt``
    under a customer managed key).
    """
    source = provider or _provider
    check_secret_name(name)
    content = _secret_content(name, value)
    write = getattr(source, "put_secret", None)
    if write is None:
        raise ConfigurationError(
            f"secret {name!r}: the provider {builtins_type(source).__name__} cannot write (it has no put_secret)"
        )
    version = _guarded(
        lambda: write(name, content, create=create, client_request_token=client_request_token),
        name,
        ParameterWriteError,
    )
    _cache.discard_where(lambda key: _reads_secret(key, name))
    stored = MaskedStr(content) if isinstance(content, str) else MaskedBytes(content)
    _cache.put((source, "secret", name, None, None, None), stored, _max_age(None))
    return version  # type: ignore[no-any-return]


builtins_type = type  # set_parameter's option shadows the builtin inside it


def _secret_content(name: str, value: object) -> str | bytes:
    """What Secrets Manager stores for ``value``: the text, the bytes, or the JSON of a dict or list."""
    content: str | bytes | None = None
    if isinstance(value, (str, bytes)):
        content = value
    elif isinstance(value, bytearray):
        content = bytes(value)
    elif isinstance(value, (dict, list)):
        import json

        try:
            content = json.dumps(value, separators=(",", ":"))
        except (TypeError, ValueError):
            raise InvalidParameterValueError(
                f"secret {name!r}: the value is a {builtins_type(value).__name__} that is not JSON-serialisable",
                name=name,
            ) from None
    if content is None:
        raise InvalidParameterValueError(
            f"secret {name!r}: the value must be str, bytes, a dict or a list, got {builtins_type(value).__name__}",
            name=name,
        )
    if not content:
        raise InvalidParameterValueError(f"secret {name!r}: the value must not be empty", name=name)
    return content


def _reads_parameter(key: Hashable, name: str) -> bool:
    """Whether the cache key is a reading of the parameter ``name``: itself, or a path above it."""
    if not isinstance(key, tuple) or len(key) < 3:
        return False
    kind, target = key[1], key[2]
    if kind == "parameter":
        return bool(target == name)
    if kind == "path" and isinstance(target, str):
        return name.startswith(target.rstrip("/") + "/") or name == target
    return False


def _reads_secret(key: Hashable, name: str) -> bool:
    return isinstance(key, tuple) and len(key) >= 3 and key[1] == "secret" and key[2] == name
