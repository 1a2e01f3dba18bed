"""``FeatureFlags``: evaluates the flags of a document a store hands in.

The store is whatever the user gives: a zero-argument callable returning the document
(``AppConfigStore(...)`` or ``lambda: get_app_config(...)`` from the parameters utility,
which cache it), or the document itself. This module never caches the document: the
store does. It caches the compiled document instead, keyed by the object the store
returned (and, when a store returns a new but equal object, by its content), so a
document is checked and compiled once, not at every evaluation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from lambda_toolkit.core.errors import InvocationTimeout, LambdaToolkitError
from lambda_toolkit.core.options import check_sync_callable
from lambda_toolkit.feature_flags._document import compile_document
from lambda_toolkit.feature_flags._errors import FeatureFlagsConfigurationError, FlagDocumentError, FlagStoreError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from typing import Any

    from lambda_toolkit.feature_flags._document import Flag
    from lambda_toolkit.feature_flags._types import FlagStore

__all__ = ["FeatureFlags"]

logger = logging.getLogger("lambda_toolkit.feature_flags")

_EMPTY: Mapping[str, Any] = {}
_NOTHING = object()  # what no store returns: the compiled cache starts empty


class FeatureFlags:
    """Feature flags evaluated from a document in the Powertools feature flags schema.

    Args:
        store: a zero-argument callable returning the flag document (a mapping, or JSON
            text as ``str``/``bytes``), called at each evaluation (the store caches), or
            the document itself.
        clock: what the schedule conditions read as "now": a callable returning an aware
            ``datetime`` (a naive one is taken as UTC). Defaults to the system clock in UTC;
            tests pass a fixed one.

    Raises:
        FeatureFlagsConfigurationError: ``store`` or ``clock`` is neither a callable nor a document.
    """

    __slots__ = ("_clock", "_compiled", "_load", "_reported")

    def __init__(self, store: FlagStore, *, clock: Callable[[], datetime] | None = None) -> None:
        if isinstance(store, (Mapping, str, bytes, bytearray)):
            document = store
            self._load: Callable[[], object] = lambda: document
        elif callable(store):
            check_sync_callable("FeatureFlags store", store, error=FeatureFlagsConfigurationError)
            self._load = store
        else:
            raise FeatureFlagsConfigurationError(
                "store must be a zero-argument callable returning the flag document, or the document "
                f"itself (a mapping or JSON text), not {type(store).__name__}"
            )
        if clock is not None and not callable(clock):
            raise FeatureFlagsConfigurationError(
                f"clock must be a callable returning a datetime, not {type(clock).__name__}"
            )
        self._clock = clock
        # (what the store returned, its compiled flags or None when it is invalid)
        self._compiled: tuple[object, dict[str, Flag] | None] = (_NOTHING, None)
        self._reported: object = None  # the problem already logged, until the flags work again

    def evaluate(self, name: str, *, context: Mapping[str, Any] | None = None, default: Any) -> Any:
        """The value of flag ``name`` for ``context``.

        Rules are tried in document order; the first one whose conditions all match gives
        its ``when_match``, else the flag's ``default`` applies. ``default`` (this call's) is
        returned when the flag is not in the document, and when the document cannot be
        loaded or is invalid (one warning is logged, on ``lambda_toolkit.feature_flags``):
        this never raises for a bad document, a failing store or an odd context.

        The value returned is the document's own object: do not modify it.
        """
        flags = self._flags()
        if flags is None:
            return default
        flag = flags.get(name)
        if flag is None:
            return default
        return flag.value_for(_EMPTY if context is None else context)

    def enabled_features(self, context: Mapping[str, Any] | None = None) -> list[str]:
        """The names of the boolean flags that are true for ``context``, in document order.

        JSON value flags are never listed. Empty when the document cannot be loaded or is
        invalid (with the same single warning as ``evaluate``).
        """
        flags = self._flags()
        if flags is None:
            return []
        context = _EMPTY if context is None else context
        return [name for name, flag in flags.items() if flag.boolean and flag.value_for(context) is True]

    def check(self) -> list[str]:
        """Load and check the document now, raising what ``evaluate`` turns into defaults.

        For tests and CI (``FeatureFlags(store=Path("flags.json").read_text()).check()``).

        Returns:
            The names of the document's flags.

        Raises:
            FlagStoreError: the store raised (its error is the cause).
            FlagDocumentError: the document is not JSON or breaks the schema; the message
                names the flag, the rule and the condition.
        """
        try:
            source = self._load()
        except InvocationTimeout:
            raise
        except Exception as error:
            raise FlagStoreError(f"the flag store raised {_describe(error)}") from error
        flags = compile_document(source, self._clock)
        self._compiled = (source, flags)
        return list(flags)

    def _flags(self) -> dict[str, Flag] | None:
        """The compiled flags of the store's current document, None (logged once) when unusable."""
        try:
            source = self._load()
        except InvocationTimeout:  # the timeout guard's interruption is not a store failure
            raise
        except Exception as error:
            self._report(("store", type(error)), f"the flag store raised {_describe(error)}")
            return None
        known, flags = self._compiled
        if source is not known:
            # A store that hands a new object each time (a copy, fresh JSON text) with the
            # same content must not cost a compilation per evaluation: compare first.
            try:
                same = type(source) is type(known) and bool(source == known)
            except Exception:  # a mapping whose comparison fails: take it as new
                same = False
            if not same:
                flags = self._compile(source)
            self._compiled = (source, flags)
        if flags is not None and self._reported is not None:
            self._reported = None
        return flags

    def _compile(self, source: object) -> dict[str, Flag] | None:
        try:
            return compile_document(source, self._clock)
        except FlagDocumentError as error:
            self._report(("document", str(error)), f"the flag document is invalid: {error}")
            return None
        except InvocationTimeout:
            raise
        except Exception as error:  # a mapping that fails when read: never the function's crash
            name = type(error).__name__
            self._report(("document", name), f"the flag document could not be read ({name})")
            return None

    def _report(self, problem: object, message: str) -> None:
        if problem == self._reported:
            return
        self._reported = problem
        logger.warning("feature flags: %s; every flag evaluates to the default given in the call", message)


def _describe(error: Exception) -> str:
    # The toolkit's own errors never hold a value; another store's message might quote one.
    if isinstance(error, LambdaToolkitError):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__
