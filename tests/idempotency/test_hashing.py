"""Hashing: SHA-256 of canonical JSON, stable across key order and number forms."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from lambda_toolkit.idempotency._hashing import canonical_json, digest


def test_the_digest_is_the_sha256_of_the_canonical_json() -> None:
    assert digest({"b": 1, "a": [1, "x"]}) == hashlib.sha256(b'{"a":[1,"x"],"b":1}').hexdigest()


def test_key_order_does_not_matter() -> None:
    assert digest({"a": 1, "b": 2}) == digest({"b": 2, "a": 1})


def test_number_forms_hash_alike() -> None:
    assert canonical_json([1.0, Decimal("2"), Decimal("2.5"), 3]) == "[1,2,2.5,3]"
    assert digest(1) == digest(1.0) == digest(Decimal("1.00"))
    assert digest(1.5) != digest(1)


def test_unicode_is_kept_as_utf8() -> None:
    assert canonical_json({"name": "Zoë"}) == '{"name":"Zoë"}'


def test_tuples_are_lists_and_strings_are_not_numbers() -> None:
    assert digest((1, 2)) == digest([1, 2])
    assert digest("1") != digest(1)


@pytest.mark.parametrize("value", [object(), {1, 2}, float("nan"), {"a": b"bytes"}])
def test_what_is_not_json_is_a_type_error(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        digest(value)
