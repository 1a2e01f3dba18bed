"""Property: for random route tables and paths, the trie picks what a plain matcher picks.

The reference matcher scans every route: a template matches when its static segments equal
the path's, each ``{p}`` takes one segment and a trailing ``{p+}`` one or more; among the
matches for the method, the best is the one whose segment kinds (static < parameter <
greedy) are smallest from left to right.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_toolkit.core import ConfigurationError
from lambda_toolkit.http import App, Response
from lambda_toolkit.testing.events import api_gateway_http_event
from tests.http._helpers import call, header

STATIC_WORDS = ("a", "b", "c")
PATH_WORDS = ("a", "b", "c", "d")

segment = st.sampled_from([*STATIC_WORDS, "{p}"])
template = st.tuples(st.lists(segment, max_size=4), st.booleans()).map(
    lambda parts: [*parts[0], "{g+}"] if parts[1] else parts[0]
)
route_table = st.lists(st.tuples(template, st.sampled_from(["GET", "POST"])), max_size=12)
request_path = st.lists(st.sampled_from(PATH_WORDS), max_size=5)


def kinds(parts: list[str]) -> tuple[int, ...]:
    return tuple(2 if p.endswith("+}") else 1 if p.startswith("{") else 0 for p in parts)


def reference_matches(parts: list[str], path: list[str]) -> bool:
    if parts and parts[-1].endswith("+}"):
        head = parts[:-1]
        return len(path) > len(head) and reference_matches(head, path[: len(head)])
    return len(parts) == len(path) and all(p.startswith("{") or p == s for p, s in zip(parts, path, strict=True))


def numbered(parts: list[str]) -> str:
    # parameter names must be unique within a template
    named = [f"{{p{i}}}" if p == "{p}" else p for i, p in enumerate(parts)]
    return "/" + "/".join(named)


@settings(max_examples=300, deadline=None)
@given(route_table, request_path, st.sampled_from(["GET", "POST"]))
def test_trie_agrees_with_the_reference_matcher(
    table: list[tuple[list[str], str]], path: list[str], method: str
) -> None:
    app = App()
    registered: list[tuple[list[str], str, int]] = []
    for index, (parts, route_method) in enumerate(table):

        def answer(_index: int = index, **_: Any) -> Response:
            return Response(str(_index))

        try:
            app.route(numbered(parts), [route_method])(answer)
        except ConfigurationError:
            # the same method and shape is taken: the reference must agree it is a duplicate
            assert any(
                kinds(p) == kinds(parts)
                and [x for x in p if not x.startswith("{")] == [x for x in parts if not x.startswith("{")]
                and m == route_method
                and [i for i, x in enumerate(p) if x.startswith("{")]
                == [i for i, x in enumerate(parts) if x.startswith("{")]
                for p, m, _ in registered
            )
            continue
        registered.append((parts, route_method, index))

    result = call(app, api_gateway_http_event(method, "/" + "/".join(path)))

    candidates = [(kinds(p), i) for p, m, i in registered if m == method and reference_matches(p, path)]
    if candidates:
        expected = min(candidates)[1]
        assert result["statusCode"] == 200
        assert result["body"] == str(expected)
        return
    other = sorted({m for p, m, _ in registered if reference_matches(p, path)})
    if other:
        assert result["statusCode"] == 405
        assert header(result, "allow") == ", ".join(sorted({*other, *(["HEAD"] if "GET" in other else [])}))
    else:
        assert result["statusCode"] == 404
