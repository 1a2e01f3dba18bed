"""Processors: callables that rename, add or drop a line's fields before it is written."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.logging import Logger
from tests.logging.conftest import Capture


def rename_message(line: dict[str, Any]) -> dict[str, Any]:
    line["msg"] = line.pop("message")
    return line


def add_team(line: dict[str, Any]) -> dict[str, Any]:
    line["team"] = "payments"
    return line


def drop_location(line: dict[str, Any]) -> dict[str, Any]:
    line.pop("location", None)
    return line


def test_processors_rename_add_and_drop_fields_in_order(out: Capture) -> None:
    log = Logger(service="orders", stream=out, processors=[rename_message, add_team, drop_location])
    log.info("paid", order_id="o-1")
    line = out.last()
    assert "message" not in line and line["msg"] == "paid"
    assert line["team"] == "payments"
    assert "location" not in line
    assert line["order_id"] == "o-1"
    assert line["service"] == "orders"


def test_a_processor_sees_the_standard_fields_and_the_keys(out: Capture) -> None:
    seen: list[dict[str, Any]] = []

    def keep(line: dict[str, Any]) -> dict[str, Any]:
        seen.append(dict(line))
        return line

    log = Logger(service="orders", stream=out, processors=[keep], region="eu")
    log.warning("x", n=1)
    assert {"timestamp", "level", "message", "service", "logger", "location", "region", "n"} <= set(seen[0])
    assert seen[0]["level"] == "WARNING"


def test_a_processor_that_raises_does_not_lose_the_line(out: Capture) -> None:
    def broken(line: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("secret-value")

    log = Logger(service="orders", stream=out, processors=[add_team, broken])
    log.info("paid", order_id="o-1")
    line = out.last()
    assert line["message"] == "paid"
    assert line["order_id"] == "o-1"
    assert "team" not in line  # written unprocessed
    assert line["processor_error"].endswith("broken: KeyError")
    assert "secret-value" not in out.getvalue()


def test_a_processor_that_returns_no_dict_does_not_lose_the_line(out: Capture) -> None:
    log = Logger(service="orders", stream=out, processors=[lambda line: None])  # type: ignore[list-item,return-value]
    log.info("paid")
    line = out.last()
    assert line["message"] == "paid"
    assert "<lambda>: returned NoneType" in line["processor_error"]


def test_processors_apply_to_exception_lines(out: Capture) -> None:
    log = Logger(service="orders", stream=out, processors=[add_team])
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    line = out.last()
    assert line["team"] == "payments"
    assert line["exception"]["type"] == "ValueError"


def test_children_use_the_parent_processors(out: Capture) -> None:
    Logger(service="orders-p", stream=out, processors=[add_team])
    Logger(service="orders-p", child=True).info("from child")
    assert out.last()["team"] == "payments"


def test_a_child_cannot_set_processors() -> None:
    with pytest.raises(ConfigurationError, match="child"):
        Logger(service="orders", child=True, processors=[add_team])


@pytest.mark.parametrize("bad", [["not callable"], add_team, "abc"])
def test_processors_must_be_a_list_of_callables(bad: Any) -> None:
    with pytest.raises(ConfigurationError, match="processors"):
        Logger(service="orders", processors=bad)


def test_no_processor_leaves_the_line_unchanged(out: Capture) -> None:
    Logger(service="orders", stream=out, processors=[]).info("paid", order_id="o-1")
    line = out.last()
    assert line["message"] == "paid" and "processor_error" not in line
