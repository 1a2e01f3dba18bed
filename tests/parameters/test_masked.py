"""Masked secret values: usable as str/bytes, never shown by repr."""

from __future__ import annotations

import json
import pickle

from lambda_toolkit.parameters import MaskedBytes, MaskedStr
from lambda_toolkit.parameters._masked import is_masked


def test_a_masked_str_is_the_value_everywhere_but_repr() -> None:
    secret = MaskedStr("hunter2")
    assert secret == "hunter2"
    assert f"{secret}" == "hunter2"
    assert str(secret) == "hunter2"
    assert json.dumps({"p": secret}) == '{"p": "hunter2"}'
    assert secret.upper() == "HUNTER2"
    assert hash(secret) == hash("hunter2")
    assert repr(secret) == "MaskedStr('**********')"
    assert "hunter2" not in repr([secret, {"k": secret}])
    assert pickle.loads(pickle.dumps(secret)) == "hunter2"


def test_masked_bytes() -> None:
    secret = MaskedBytes(b"\x00key")
    assert secret == b"\x00key"
    assert repr(secret) == "MaskedBytes(b'**********')"
    assert is_masked(secret) and is_masked(MaskedStr("x"))
    assert not is_masked("x") and not is_masked(b"x")
