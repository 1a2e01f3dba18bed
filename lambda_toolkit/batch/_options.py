"""The options of the batch utility, defined once for ``batch``, ``process_batch`` and
``process_batch_async``: their names, defaults and checks are the parameters and the body
of ``make_plan``. The entry points pass the options on through core's
``call_with_options``, so a misspelt one is a ConfigurationError naming it and the
closest option, as for every decorator of the package (``BatchOptions``, the same names
for type checkers, is checked against this signature by mypy and by a test).
"""

from __future__ import annotations

from lambda_toolkit.batch._backoff import Backoff
from lambda_toolkit.batch._convert import model_converter
from lambda_toolkit.batch._processor import Plan
from lambda_toolkit.batch._records import record_converter
from lambda_toolkit.batch._sources import source_spec
from lambda_toolkit.core.correlation import DEFAULT_ATTRIBUTES, names_of
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.core.middleware import call_with_options
from lambda_toolkit.core.options import check_sync_callable

# typing costs milliseconds at cold start: type names are for type checkers only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any, Literal

    from lambda_toolkit.batch._outcome import BatchOutcome

__all__ = ["make_plan", "plan_for"]

_FIFO_STOPS = ("batch", "group")
_ALL_FAILED = ("raise", "report")


def make_plan(
    where: str,
    /,
    source: object = None,
    model: Any = None,
    *,
    concurrency: int = 1,
    stop_on_first_failure: bool = False,
    fifo_stop: Literal["batch", "group"] = "batch",
    all_failed: Literal["raise", "report"] = "raise",
    deadline_margin_ms: float = 1000,
    on_outcome: Callable[[BatchOutcome], object] | None = None,
    backoff: Backoff | None = None,
    processes: int | None = None,
    correlation_attributes: Iterable[str] = DEFAULT_ATTRIBUTES,
) -> Plan:
    """Check every option once, at set-up, and build the plan (``where`` names the entry
    point in the errors)."""
    if not isinstance(source, str):
        got = "nothing" if source is None else type(source).__name__
        raise ConfigurationError(
            f"{where}: source must be a trigger name such as 'sqs', got {got} (write @batch('sqs'), not @batch)"
        )
    spec = source_spec(source, where)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError(f"{where}: concurrency must be a positive integer")
    if not isinstance(stop_on_first_failure, bool):
        raise ConfigurationError(f"{where}: stop_on_first_failure must be True or False")
    if fifo_stop not in _FIFO_STOPS:
        raise ConfigurationError(f"{where}: fifo_stop must be 'batch' or 'group'")
    if all_failed not in _ALL_FAILED:
        raise ConfigurationError(f"{where}: all_failed must be 'raise' or 'report'")
    if (
        isinstance(deadline_margin_ms, bool)
        or not isinstance(deadline_margin_ms, (int, float))
        or not deadline_margin_ms >= 0
    ):
        raise ConfigurationError(f"{where}: deadline_margin_ms must be a number >= 0")
    if on_outcome is not None and not callable(on_outcome):
        raise ConfigurationError(f"{where}: on_outcome must be callable")
    check_sync_callable(f"{where}: on_outcome", on_outcome)
    if backoff is not None:
        if not isinstance(backoff, Backoff):
            raise ConfigurationError(f"{where}: backoff must be a Backoff(...) or None, got {type(backoff).__name__}")
        if spec.name != "sqs":
            raise ConfigurationError(f"{where}: backoff is for SQS (a stream retries by position, not per record)")
    if processes is not None:
        if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
            raise ConfigurationError(f"{where}: processes must be a positive integer or None")
        if concurrency != 1:
            raise ConfigurationError(f"{where}: processes and concurrency cannot be combined; choose one")
    names = _correlation_names(correlation_attributes, where)
    convert = record_converter(spec.name) if model is None else model_converter(spec, model, where)
    return Plan(
        where=where,
        spec=spec,
        convert=convert,
        concurrency=concurrency,
        stop_on_first_failure=stop_on_first_failure,
        fifo_stop=fifo_stop,
        all_failed=all_failed,
        deadline_margin_ms=float(deadline_margin_ms),
        on_outcome=on_outcome,
        backoff=backoff,
        processes=processes,
        correlation_names=names,
    )


def _correlation_names(attributes: object, where: str) -> frozenset[str]:
    """The record attribute (Kafka: header) names a record's correlation id is read from,
    as ``core.correlation`` compares them; one name may be given as a str."""
    if isinstance(attributes, str):
        attributes = (attributes,)
    names: tuple[object, ...] | None
    try:
        names = tuple(attributes)  # type: ignore[arg-type]  # a TypeError for a non-iterable
    except TypeError:
        names = None
    if not names or not all(isinstance(name, str) and names_of((name,)) != {""} for name in names):
        raise ConfigurationError(f"{where}: correlation_attributes must be one or more attribute names")
    return names_of(names)  # type: ignore[arg-type]  # every name is a str (checked above)


def plan_for(where: str, source: object, model: Any, options: Mapping[str, Any]) -> Plan:
    """The plan of one entry point, its options checked by ``make_plan``."""
    return call_with_options(where, make_plan, where, source, model, **options)
