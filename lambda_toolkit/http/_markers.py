"""Markers that say where a route parameter comes from: ``Annotated[int, Query(alias="page-size")]``."""

from __future__ import annotations

__all__ = ["Body", "Header", "Path", "Query", "Source"]


class Source:
    """Base of the markers; ``alias`` is the name on the wire when it differs from the parameter's."""

    __slots__ = ("alias", "description")
    kind = ""

    def __init__(self, alias: str | None = None, *, description: str | None = None) -> None:
        self.alias = alias
        self.description = description

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alias={self.alias!r})"


class Query(Source):
    """A query-string parameter (a ``list[...]`` type collects every repeated value)."""

    __slots__ = ()
    kind = "query"


class Header(Source):
    """A request header, matched case-insensitively; by default the parameter name with
    ``_`` turned into ``-`` (``x_api_key`` reads ``X-Api-Key``)."""

    __slots__ = ()
    kind = "header"


class Path(Source):
    """A path parameter of the route template (the default for names the template has)."""

    __slots__ = ()
    kind = "path"


class Body(Source):
    """The request body: parsed JSON validated into the type, or the raw body for ``bytes``
    (and the text for ``str``)."""

    __slots__ = ()
    kind = "body"
