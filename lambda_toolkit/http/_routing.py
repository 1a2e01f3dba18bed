"""Route templates and the segment trie that matches request paths against them.

A template is split into segments once, at decoration time: a static segment, a
``{name}`` parameter (one whole segment) or a trailing ``{name+}`` greedy parameter (one
or more segments). Matching walks the trie segment by segment, trying the static child
first, then the parameter child, then a greedy parameter: so static segments win over
parameters, and the cost depends on the path's length, not on how many routes exist.
"""

from __future__ import annotations

from lambda_toolkit.core.errors import ConfigurationError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

__all__ = ["MAX_PATH_LENGTH", "Match", "RouteTrie", "Template", "split_path"]

#: Longest request path routed (characters); longer ones answer 414.
MAX_PATH_LENGTH = 8192

STATIC, PARAM, GREEDY = 0, 1, 2


def split_path(path: str) -> list[str]:
    """The non-empty segments of ``path`` (``"/a//b/"`` -> ``["a", "b"]``), still encoded."""
    return [segment for segment in path.split("/") if segment]


class Template:
    """A parsed route template such as ``/orders/{order_id}/files/{key+}``."""

    __slots__ = ("kinds", "names", "segments", "text")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text.startswith("/"):
            raise ConfigurationError(f"route path must be a string starting with '/', got {text!r}")
        self.text = text
        self.segments: list[str] = []
        self.kinds: list[int] = []
        self.names: list[str | None] = []
        parts = split_path(text)
        for index, part in enumerate(parts):
            kind, name = _parse_segment(part, text)
            if kind == GREEDY and index != len(parts) - 1:
                raise ConfigurationError(f"route {text!r}: the greedy parameter {{{name}+}} must be the last segment")
            if name is not None and name in self.names:
                raise ConfigurationError(f"route {text!r}: parameter {name!r} appears twice")
            self.segments.append(part)
            self.kinds.append(kind)
            self.names.append(name)

    @property
    def parameters(self) -> list[str]:
        """Names of the path parameters, in order."""
        return [name for name in self.names if name is not None]

    def with_prefix(self, prefix: str) -> Template:
        """This template under ``prefix`` (``"/v1"`` + ``"/orders"`` -> ``"/v1/orders"``)."""
        if not prefix:
            return self
        return Template("/" + "/".join([*split_path(prefix), *self.segments]))

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


def _parse_segment(part: str, text: str) -> tuple[int, str | None]:
    if "{" not in part and "}" not in part:
        return STATIC, None
    if not (part.startswith("{") and part.endswith("}")) or part.count("{") != 1 or part.count("}") != 1:
        raise ConfigurationError(
            f"route {text!r}: segment {part!r} must be either static text or a whole {{name}} parameter"
        )
    name = part[1:-1]
    kind = PARAM
    if name.endswith("+"):
        kind, name = GREEDY, name[:-1]
    if not name.isidentifier():
        raise ConfigurationError(f"route {text!r}: parameter name {name!r} is not a Python identifier")
    return kind, name


class _Node:
    __slots__ = ("greedy", "param", "routes", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.param: _Node | None = None
        # method -> route, for the routes ending at this node / with a greedy parameter here
        self.routes: dict[str, Any] = {}
        self.greedy: dict[str, Any] = {}


class Match:
    """A path matched to the routes of one template: method -> route, and the raw values
    of the path parameters in order (a greedy parameter's value keeps its slashes)."""

    __slots__ = ("routes", "values")

    def __init__(self, routes: dict[str, Any], values: list[str]) -> None:
        self.routes = routes
        self.values = values


class RouteTrie:
    """Routes by path template and method; ``matches(segments)`` in priority order."""

    __slots__ = ("_root",)

    def __init__(self) -> None:
        self._root = _Node()

    def add(self, template: Template, methods: tuple[str, ...], route: Any) -> None:
        """Register ``route`` for ``methods`` at ``template``; a taken slot is a ConfigurationError."""
        node = self._root
        table: dict[str, Any] | None = None
        for kind, segment in zip(template.kinds, template.segments, strict=True):
            if kind == STATIC:
                node = node.static.setdefault(segment, _Node())
            elif kind == PARAM:
                if node.param is None:
                    node.param = _Node()
                node = node.param
            else:
                table = node.greedy
        if table is None:
            table = node.routes
        for method in methods:
            if method in table:
                raise ConfigurationError(
                    f"route {method} {template.text} conflicts with {method} {table[method].template.text}"
                )
        for method in methods:
            table[method] = route

    def matches(self, segments: list[str]) -> Iterator[Match]:
        """Every template matching ``segments``, best first (static, then parameter, then greedy)."""
        return self._walk(self._root, segments, 0, [])

    def _walk(self, node: _Node, segments: list[str], index: int, values: list[str]) -> Iterator[Match]:
        if index == len(segments):
            if node.routes:
                yield Match(node.routes, values)
            return
        segment = segments[index]
        child = node.static.get(segment)
        if child is not None:
            yield from self._walk(child, segments, index + 1, values)
        if node.param is not None:
            yield from self._walk(node.param, segments, index + 1, [*values, segment])
        if node.greedy:
            yield Match(node.greedy, [*values, "/".join(segments[index:])])
