"""The exception hierarchy: every error the package raises derives from LambdaToolkitError.

Messages name what was wrong and where (a field path, a parameter name, a key hash),
never a secret or a payload value.

The whole map (a class appears under its first toolkit base; its other bases follow in
parentheses; ``tests/test_errors.py`` checks this drawing against the code)::

    LambdaToolkitError
    ├── ConfigurationError (ValueError)                  a bad option, raised at setup
    ├── InvalidContextError (TypeError)                  the context is not a Lambda context
    ├── InvalidEventError (TypeError)                    the event is not a mapping
    ├── InvocationTimeout                                the timeout guard's interruption
    ├── ExpressionError (ValueError)                     core.expressions
    ├── EventsError                                      events
    │   ├── EventValidationError (ValueError)
    │   └── UnknownEventError (ValueError)
    ├── BatchError                                       batch
    │   ├── BatchSourceError (ValueError)
    │   │   └── MissingItemIdError
    │   ├── RecordValidationError (ValueError)
    │   ├── BatchProcessingError
    │   ├── DeadlineMarginError (ConfigurationError)
    │   └── WorkerProcessError                           a record a worker process could not run
    ├── MetricsError (ValueError)                        metrics
    │   ├── MetricsConfigurationError (ConfigurationError)
    │   └── MetricValidationError                        a call broke a rule: .metric, .rule
    │       ├── DimensionLimitError
    │       ├── DuplicateDimensionSetError
    │       └── MetricTimestampError
    ├── ParameterError                                   parameters
    │   ├── ParameterNotFoundError (LookupError)
    │   ├── ParameterAccessDeniedError (PermissionError)
    │   ├── ParameterThrottledError
    │   ├── ParameterFetchError
    │   │   └── ExtensionUnavailableError
    │   ├── ParameterWriteError
    │   │   └── ParameterExistsError
    │   ├── InvalidParameterNameError (ValueError)
    │   ├── InvalidParameterValueError (ValueError)
    │   ├── TransformError (ValueError)
    │   └── ParameterBatchError
    ├── IdempotencyError                                 idempotency
    │   ├── IdempotencyConfigurationError (ConfigurationError)
    │   ├── IdempotencyInProgressError
    │   ├── IdempotencyPayloadMismatchError
    │   ├── IdempotencyKeyError
    │   ├── IdempotencySerializationError
    │   └── IdempotencyStoreError
    ├── HTTPError                                        http
    │   └── RequestValidationError
    ├── ValidationError (ValueError)                     validation
    │   └── SchemaError (ConfigurationError)
    ├── FeatureFlagsError                                feature_flags
    │   ├── FeatureFlagsConfigurationError (ConfigurationError)
    │   ├── FlagStoreError
    │   └── FlagDocumentError (ValueError)
    ├── CommandError                                     cli
    ├── FunctionInitError                                cli.invoke: the function's module failed at init
    └── RuntimeEmulatorError                             testing.runtime_api

The rules behind it:

- One root per utility that raises errors of its own (``except IdempotencyError``
  catches everything idempotency raises at run time). Logging, tracing and timeout raise
  only the core's errors, so they have no root.
- A bad option found at setup is always a ``ConfigurationError``: the core's, or a
  utility's subclass of it that also derives from the utility's root.
- The standard library base a class had stays as a second base where it says what
  happened (``ValueError``, ``TypeError``, ``LookupError``, ``PermissionError``), so
  ``except ValueError`` written against the standard library keeps working.
- Names end in ``Error``, with one deliberate exception: ``InvocationTimeout`` is an
  interruption, like ``KeyboardInterrupt``, rather than a fault of the code it stops.
- Private exceptions used for control flow inside a utility derive from its root too, so
  one that ever escaped would still be caught as the utility's error.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "InvalidContextError",
    "InvalidEventError",
    "InvocationTimeout",
    "LambdaToolkitError",
]


class LambdaToolkitError(Exception):
    """Root of every exception raised by lambda_toolkit."""


class ConfigurationError(LambdaToolkitError, ValueError):
    """A decorator or utility was set up with invalid options (raised at setup time)."""


class InvalidContextError(LambdaToolkitError, TypeError):
    """A handler was called with a context that is not a Lambda context."""


class InvalidEventError(LambdaToolkitError, TypeError):
    """A handler was called with an event of the wrong type (for example not a mapping)."""


class InvocationTimeout(LambdaToolkitError):  # noqa: N818 (public name fixed by the design)
    """The invocation is about to reach its deadline and was interrupted.

    The one toolkit exception whose name does not end in ``Error``: like
    ``KeyboardInterrupt``, it names an interruption, not a fault of the interrupted code.

    It lives in the core so that every utility can recognise it (release a lock, flush a
    buffer, mark a trace) without importing the timeout utility.
    """

    def __init__(
        self, message: str = "invocation interrupted before its deadline", *, remaining_ms: float | None = None
    ) -> None:
        super().__init__(message)
        self.remaining_ms = remaining_ms
