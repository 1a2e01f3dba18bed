"""``with_parameters``: fetch named parameters and secrets before the handler runs.

Built on the core middleware engine. Each lookup goes through the shared cache, so a warm
sandbox makes no request; the values are passed to the handler as keyword arguments and
kept on the invocation state (``injected_parameters()``) for code deeper in the call.
"""

from __future__ import annotations

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.middleware import Call, Middleware, MiddlewareDecorator
from lambda_toolkit.core.options import check_seconds
from lambda_toolkit.core.state import current_invocation
from lambda_toolkit.parameters._api import get_parameter, get_secret
from lambda_toolkit.parameters._provider import check_parameter_name, check_secret_name
from lambda_toolkit.parameters._transforms import check_transform

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, Literal, Protocol, TypeVar, overload

    from lambda_toolkit.parameters._protocols import Lookup, ParameterProvider, SecretProvider, Transform

    F = TypeVar("F", bound=Callable[..., Any])
    R = TypeVar("R")

    class _WithParameters(Protocol):
        """The type of ``with_parameters``: the values go to the handler as keyword
        arguments its callers do not pass, which a signature cannot express, so the
        decorated function keeps only its result type; with ``as_kwargs=False`` the
        handler is called as it was declared."""

        @overload
        def __call__(
            self, lookups: Mapping[str, Lookup] | None = None, /, *, as_kwargs: Literal[False], **named: Lookup
        ) -> Callable[[F], F]: ...

        @overload
        def __call__(
            self, lookups: Mapping[str, Lookup] | None = None, /, *, as_kwargs: bool = True, **named: Lookup
        ) -> Callable[[Callable[..., R]], Callable[..., R]]: ...


__all__ = ["Parameter", "Secret", "injected_parameters", "with_parameters"]

STATE_KEY = "parameters.values"


class Parameter:
    """A Parameter Store lookup for ``with_parameters`` (options as in ``get_parameter``)."""

    __slots__ = ("decrypt", "max_age", "name", "provider", "transform")

    def __init__(
        self,
        name: str,
        *,
        decrypt: bool = True,
        transform: Transform = None,
        max_age: float | None = None,
        provider: ParameterProvider | None = None,
    ) -> None:
        self.name = name
        self.decrypt = decrypt
        self.transform = transform
        self.max_age = max_age
        self.provider = provider

    def fetch(self) -> Any:
        """The (cached) value."""
        return get_parameter(
            self.name, decrypt=self.decrypt, transform=self.transform, max_age=self.max_age, provider=self.provider
        )

    async def afetch(self) -> Any:
        """The (cached) value, fetched off the event loop."""
        from lambda_toolkit.parameters._async import aget_parameter  # for async handlers only

        return await aget_parameter(
            self.name, decrypt=self.decrypt, transform=self.transform, max_age=self.max_age, provider=self.provider
        )

    def __repr__(self) -> str:
        return f"Parameter({self.name!r})"


class Secret:
    """A Secrets Manager lookup for ``with_parameters`` (options as in ``get_secret``)."""

    __slots__ = ("max_age", "name", "provider", "transform", "version_id", "version_stage")

    def __init__(
        self,
        name: str,
        *,
        version_id: str | None = None,
        version_stage: str | None = None,
        transform: Transform = None,
        max_age: float | None = None,
        provider: SecretProvider | None = None,
    ) -> None:
        self.name = name
        self.version_id = version_id
        self.version_stage = version_stage
        self.transform = transform
        self.max_age = max_age
        self.provider = provider

    def fetch(self) -> Any:
        """The (cached) value."""
        return get_secret(
            self.name,
            version_id=self.version_id,
            version_stage=self.version_stage,
            transform=self.transform,
            max_age=self.max_age,
            provider=self.provider,
        )

    async def afetch(self) -> Any:
        """The (cached) value, fetched off the event loop."""
        from lambda_toolkit.parameters._async import aget_secret  # for async handlers only

        return await aget_secret(
            self.name,
            version_id=self.version_id,
            version_stage=self.version_stage,
            transform=self.transform,
            max_age=self.max_age,
            provider=self.provider,
        )

    def __repr__(self) -> str:
        return f"Secret({self.name!r})"


def _resolve(argument: str, lookup: object) -> Parameter | Secret:
    if not argument.isidentifier():
        raise ConfigurationError(f"with_parameters: {argument!r} is not a valid keyword argument name")
    if isinstance(lookup, str):
        lookup = Parameter(lookup)
    if isinstance(lookup, Parameter):
        getattr(lookup.provider, "check_parameter_name", check_parameter_name)(lookup.name)
    elif isinstance(lookup, Secret):
        check_secret_name(lookup.name)
    else:
        raise ConfigurationError(
            f"with_parameters: {argument}= must be a parameter name, Parameter(...) or Secret(...), "
            f"got {type(lookup).__name__}"
        )
    check_transform(lookup.transform)
    if lookup.max_age is not None:
        check_seconds(f"with_parameters: {argument}= max_age", lookup.max_age)
    return lookup


def _with_parameters_layer(
    lookups: Mapping[str, Lookup] | None = None, /, *, as_kwargs: bool = True, **named: Lookup
) -> Middleware:
    """Fetch parameters and secrets (cached) before each call and hand them to the handler.

    ::

        @with_parameters(db=Secret("prod/db", transform="json"), table="/app/prod/table")
        def handler(event, context, *, db, table): ...

    A plain string is a Parameter Store name. Values go to the handler as keyword arguments
    (unless ``as_kwargs=False``) and onto the invocation state, read back with
    ``injected_parameters()``. A lookup that fails raises before the handler runs. Names and
    options are checked when the decorator is applied. On an ``async def`` handler the
    lookups run as ``aget_parameter``/``aget_secret``: together, and off the event loop.
    """
    resolved = {argument: _resolve(argument, lookup) for argument, lookup in {**(lookups or {}), **named}.items()}
    if not resolved:
        raise ConfigurationError(
            "with_parameters needs at least one lookup, e.g. with_parameters(db=Secret('prod/db'))"
        )
    items = tuple(resolved.items())

    def hand_over(call: Call, values: dict[str, Any]) -> None:
        invocation = call.invocation
        if invocation is not None:
            invocation.data[STATE_KEY] = {**invocation.data.get(STATE_KEY, {}), **values}
        if as_kwargs:
            call.kwargs.update(values)

    def before(call: Call) -> None:
        hand_over(call, {argument: lookup.fetch() for argument, lookup in items})

    async def async_before(call: Call) -> None:
        # For an async handler: the lookups that miss the cache are fetched together, off the loop.
        import asyncio

        fetched = await asyncio.gather(*(lookup.afetch() for _, lookup in items))
        hand_over(call, {argument: value for (argument, _), value in zip(items, fetched, strict=True)})

    return Middleware("with_parameters", before=before, async_before=async_before)


# The core types a decorator as keeping the signature it wraps; with_parameters adds
# keyword arguments, so it is typed by _WithParameters instead.
_decorator = MiddlewareDecorator(_with_parameters_layer, "with_parameters")
with_parameters: _WithParameters = _decorator


def injected_parameters() -> dict[str, Any]:
    """The values ``with_parameters`` fetched for the current invocation ({} outside one)."""
    invocation = current_invocation()
    if invocation is None:
        return {}
    return dict(invocation.data.get(STATE_KEY, {}))
