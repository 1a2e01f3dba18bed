"""What ``repr()`` and ``str()`` of an event model show: credentials masked, by name.

One rule for every model and every depth: a value whose name (a field's name or AWS alias,
an unknown field's key, a key inside a dict or list such as a header name) looks like a
credential is shown as ``SECRET_MASK``. Names are compared case-insensitively and without
``-``/``_``, so ``Authorization``, ``proxy-authorization``, ``X-Amz-Security-Token``,
``authorizationToken`` and ``identity_source`` all match. ``rawQueryString`` is shown with
the values of its credential-named parameters masked. Only the representation changes: the
attributes keep the real values (an authorizer needs its token).

Whole payloads (bodies, record data, images) stay out of ``repr`` with ``Field(repr=False)``
on their models; this module is about the secrets inside the parts that are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from lambda_toolkit.core.secrets import SECRET_MASK

__all__ = ["SENSITIVE_NAME_PARTS", "is_sensitive_name", "masked", "masked_repr_args"]

#: A name containing one of these (lower-cased, without ``-``, ``_``, spaces and dots) is a credential.
SENSITIVE_NAME_PARTS: tuple[str, ...] = (
    "authorization",  # Authorization, Proxy-Authorization, authorizationToken
    "cookie",  # Cookie, Set-Cookie, the cookies list of payload 2.0
    "apikey",  # X-Api-Key, apiKey
    "securitytoken",  # X-Amz-Security-Token
    "sessiontoken",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "authtoken",
    "csrftoken",
    "xsrftoken",
    "identitysource",  # the values of the identity sources an authorizer was given
    "password",
    "passwd",
    "passphrase",
    "credential",
    "privatekey",
    "secretkey",
    "secretaccesskey",
    "clientsecret",
    "challengeanswer",
)
_EXACT = frozenset({"token", "secret", "bearer"})
_NOT_SECRET = frozenset({"apikeyid"})  # names that match a part but only identify a credential
_DROP = str.maketrans("", "", "-_ .")
_RAW_QUERY = frozenset({"raw_query_string", "rawQueryString"})
_MAX_DEPTH = 32


class _Elided:
    """What stands for containers nested deeper than ``repr`` walks."""

    def __repr__(self) -> str:
        return "..."


_ELIDED = _Elided()


def is_sensitive_name(name: object) -> bool:
    """True when ``name`` (a field, header, parameter or key name) names a credential."""
    if not isinstance(name, str):
        return False
    key = name.lower().translate(_DROP)
    if key in _EXACT:
        return True
    return key not in _NOT_SECRET and any(part in key for part in SENSITIVE_NAME_PARTS)


def masked(value: Any, _depth: int = 0) -> Any:
    """A copy of ``value`` for display: in dicts and lists (at any depth), every item under a
    credential name is ``SECRET_MASK``. Models inside are left alone (their repr masks)."""
    if isinstance(value, dict):
        if _depth >= _MAX_DEPTH:
            return _ELIDED
        return {
            key: SECRET_MASK if item is not None and is_sensitive_name(key) else masked(item, _depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        if _depth >= _MAX_DEPTH:
            return _ELIDED
        items = [masked(item, _depth + 1) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def _masked_query(query: str) -> str:
    """``a=1&access_token=x`` -> ``a=1&access_token=**********`` (the names are kept)."""
    from urllib.parse import unquote_plus

    parts = []
    for part in query.split("&"):
        name, equals, _ = part.partition("=")
        parts.append(f"{name}{equals}{SECRET_MASK}" if equals and is_sensitive_name(unquote_plus(name)) else part)
    return "&".join(parts)


def masked_repr_args(model: Any, args: Iterable[tuple[str | None, Any]]) -> Iterator[tuple[str | None, Any]]:
    """pydantic's ``__repr_args__`` of ``model`` with credentials masked (see the module docstring)."""
    fields = type(model).model_fields
    for name, value in args:
        field = fields.get(name) if name is not None else None
        alias = field.alias if field is not None else None
        if value is not None and (is_sensitive_name(name) or is_sensitive_name(alias)):
            yield name, SECRET_MASK
        elif name in _RAW_QUERY and isinstance(value, str):
            yield name, _masked_query(value)
        else:
            yield name, masked(value)
