"""Making values safe to write: masking secrets, capping sizes, and JSON fallbacks.

One walk over a value does all three, so a nested structure is visited once:

- a key whose name contains one of the secret names (compared without case, ``-`` or
  ``_``: ``X-Api-Key`` and ``db_password`` match ``api_key`` and ``password``), or
  that a configured path reaches, has its value replaced by ``[REDACTED]``;
- a string longer than the per-field cap is cut and marked ``...[truncated N chars]``;
- anything JSON cannot hold becomes something it can (datetimes in ISO 8601, sets as
  lists, NaN as a string, models through ``model_dump``, the rest through ``str``);
- a secret value (``get_secret``'s ``MaskedStr``/``MaskedBytes``, or any type registered
  with ``lambda_toolkit.core.secrets``) is ``[REDACTED]`` wherever it appears, key
  name or not. Such values are never exactly ``str``, so the check costs nothing on the
  common path: it sits where every other ``str`` subclass is converted.
"""

from __future__ import annotations

import math
import re  # already imported by json
from collections.abc import Mapping

from lambda_toolkit.core.secrets import is_secret

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, TypeAlias

    _Node: TypeAlias = dict[str, Any]

__all__ = ["DEFAULT_REDACT_KEYS", "MASK", "MaskTexts", "Redactor", "key_text", "mask_args", "safe_str"]

MASK = "[REDACTED]"
DEFAULT_REDACT_KEYS: tuple[str, ...] = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "api_key",
    "apikey",
    "cookie",
    "credential",
    "private_key",
    "signature",
)

_MAX_DEPTH = 32
_VERDICT_CACHE = 4096
_PLAIN = frozenset({int, bool, type(None)})
_END = "\x00end"  # a trie key no JSON path segment can be


def _normalise(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def safe_str(value: object) -> str:
    """``str(value)``, or a placeholder when its ``__str__`` raises."""
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def key_text(key: object) -> str:
    """A dict key as the text written for it (a secret key is masked)."""
    return MASK if is_secret(key) else safe_str(key)


def mask_args(args: Any) -> Any:
    """``%``-format arguments (a tuple or a mapping) with secret values masked; the same
    object when there is none (a secret's ``str`` is its value, so ``%s`` would show it)."""
    if type(args) is tuple:
        if any(map(is_secret, args)):
            return tuple(MASK if is_secret(arg) else arg for arg in args)
    elif isinstance(args, Mapping) and any(map(is_secret, args.values())):
        return {key: MASK if is_secret(value) else value for key, value in args.items()}
    return args


class MaskTexts:
    """A value to log with ``name=value`` pairs of secret names also masked inside its
    strings (a logged event: a raw query string repeats the masked query parameters)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _split_path(path: str) -> list[str]:
    text = path.strip()
    if text.startswith("$"):
        text = text[1:].lstrip(".")
    text = re.sub(r"\[(\*|\d+)\]", r".\1", text)
    segments = [segment.lower() for segment in text.split(".") if segment]
    return segments


class Redactor:
    """Masks secrets, caps strings and converts values, per the logger's configuration."""

    def __init__(
        self,
        keys: Iterable[str] | None = None,
        paths: Iterable[str] = (),
        *,
        enabled: bool = True,
        max_field_chars: int = 10_000,
    ) -> None:
        names = tuple(DEFAULT_REDACT_KEYS if keys is None else keys) if enabled else ()
        self._names = tuple(n for n in {_normalise(name) for name in names} if n)
        self._verdicts: dict[str, bool] = {}
        self.max_field_chars = max_field_chars
        self.paths: _Node | None = None
        if enabled:
            for path in paths:
                self._add_path(path)
        self._text_pattern = self._compile_text_pattern(names)

    def _add_path(self, path: str) -> None:
        segments = _split_path(path)
        if not segments:
            return
        node = self.paths if self.paths is not None else {}
        self.paths = node
        for segment in segments:
            node = node.setdefault(segment, {})
        node[_END] = True

    @staticmethod
    def _compile_text_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
        alternatives = sorted(
            {re.escape(n.lower()).replace("_", "[-_]?").replace("\\-", "[-_]?") for n in names if n}, key=len
        )
        if not alternatives:
            return None
        return re.compile(
            r"(?i)([\w-]*(?:" + "|".join(reversed(alternatives)) + r")[\w-]*[\"']?\s*[:=]\s*)"
            # the value: a quoted string (bytes too; unclosed: to the end), a list, tuple
            # or dict as repr() writes them (up to the first closing bracket, or the
            # end), or a bare word
            r"((?:(?:bearer|basic|token)\s+)?(?:b?\"[^\"]*\"?|b?'[^']*'?|\[[^\]]*\]?|\([^)]*\)?|\{[^}]*\}?"
            r"|[^\s,;&)}\]\"']+))"
        )

    def is_secret(self, key: str) -> bool:
        """True when values under this key name are masked."""
        verdict = self._verdicts.get(key)
        if verdict is None:
            normal = _normalise(key)
            verdict = any(name in normal for name in self._names)
            if len(self._verdicts) < _VERDICT_CACHE:
                self._verdicts[key] = verdict
        return verdict

    def mask_text(self, text: str) -> str:
        """Mask ``name=value`` / ``"name": "value"`` pairs of secret names inside free text."""
        if self._text_pattern is None:
            return text
        return self._text_pattern.sub(lambda m: m.group(1) + MASK, text)

    def cap(self, text: str) -> str:
        """Cut a string longer than the per-field cap, saying how much was cut."""
        limit = self.max_field_chars
        if len(text) <= limit:
            return text
        return f"{text[:limit]}...[truncated {len(text) - limit} chars]"

    def clean_fields(
        self, fields: Mapping[str, Any], into: dict[str, Any], reserved: frozenset[str] = frozenset()
    ) -> None:
        """Copy top-level fields into ``into``, cleaned (the hot path of every log call).

        A key that is one of the ``reserved`` names (the standard fields of a line) is
        written as ``extra_<key>``, so no call can overwrite the level or the timestamp.
        """
        paths = self.paths
        verdicts = self._verdicts
        limit = self.max_field_chars
        for key, value in fields.items():
            if type(key) is not str:
                key = key_text(key)
            if key in reserved:
                key = f"extra_{key}"
            secret = verdicts.get(key)
            if secret is None:
                secret = self.is_secret(key)
            if secret:
                into[key] = MASK
                continue
            if paths is not None:
                nodes = self._step([paths], key)
                if nodes:
                    into[key] = MASK if any(_END in node for node in nodes) else self.clean(value, 1, nodes)
                    continue
            kind = type(value)
            if kind is str:
                into[key] = value if len(value) <= limit else self.cap(value)
            elif kind in _PLAIN:
                into[key] = value
            else:
                into[key] = self.clean(value, 1, None)

    @staticmethod
    def _step(nodes: list[_Node], key: str) -> list[_Node]:
        lowered = key.lower()
        found: list[_Node] = []
        for node in nodes:
            child = node.get(lowered)
            if child is not None:
                found.append(child)
            star = node.get("*")
            if star is not None:
                found.append(star)
        return found

    def clean(self, value: Any, depth: int = 0, nodes: list[_Node] | None = None, texts: bool = False) -> Any:
        """A JSON-safe copy of ``value`` with secrets masked and long strings capped
        (``texts``: with ``mask_text`` applied to every string too)."""
        kind = type(value)
        if kind is str:
            return self.cap(self.mask_text(value) if texts else value)
        if kind in _PLAIN:
            return value
        if kind is float:
            return value if math.isfinite(value) else str(value)
        if depth >= _MAX_DEPTH:
            return "[max depth reached]"
        if isinstance(value, Mapping):
            return self._clean_mapping(value, depth, nodes, texts)
        if isinstance(value, (list, tuple, set, frozenset)):
            items: Iterable[Any] = value
            if isinstance(value, (set, frozenset)):
                items = sorted(value, key=safe_str)
            cleaned = []
            for index, item in enumerate(items):
                inner = self._step(nodes, str(index)) if nodes else None
                if inner and any(_END in node for node in inner):
                    cleaned.append(MASK)
                else:
                    cleaned.append(self.clean(item, depth + 1, inner or None, texts))
            return cleaned
        return self._convert(value, depth, nodes, texts)

    def _clean_mapping(
        self, value: Mapping[Any, Any], depth: int, nodes: list[_Node] | None, texts: bool = False
    ) -> dict[str, Any]:
        cleaned: dict[str, Any] = {}
        for raw_key, item in value.items():
            key = raw_key if type(raw_key) is str else key_text(raw_key)
            if self.is_secret(key):
                cleaned[key] = MASK
                continue
            inner = self._step(nodes, key) if nodes else None
            if inner and any(_END in node for node in inner):
                cleaned[key] = MASK
            else:
                cleaned[key] = self.clean(item, depth + 1, inner or None, texts)
        return cleaned

    def _convert(self, value: Any, depth: int, nodes: list[_Node] | None, texts: bool = False) -> Any:
        if is_secret(value):
            return MASK
        if type(value) is MaskTexts:
            return self.clean(value.value, depth, nodes, True)
        isoformat = getattr(value, "isoformat", None)
        if callable(isoformat) and type(value).__module__ == "datetime":  # without importing datetime
            return isoformat()
        if isinstance(value, float):  # float subclasses
            return self.clean(float(value), depth, nodes)
        if isinstance(value, int):  # int subclasses, IntEnum
            return int(value)
        if isinstance(value, str):  # str subclasses, StrEnum
            text = str.__str__(value)
            return self.cap(self.mask_text(text) if texts else text)
        if isinstance(value, (bytes, bytearray)):
            return self.cap(safe_str(value))
        dump = getattr(value, "model_dump", None)
        if callable(dump):  # pydantic models, without importing pydantic
            try:
                return self.clean(dump(mode="json"), depth + 1, nodes, texts)
            except Exception:
                return self.cap(safe_str(value))
        if hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type):
            import dataclasses  # only for a dataclass instance

            fields = {field.name: getattr(value, field.name, None) for field in dataclasses.fields(value)}
            return self._clean_mapping(fields, depth + 1, nodes, texts)
        return self.cap(safe_str(value))
