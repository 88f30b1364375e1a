"""The signed form of an object is RFC 8785's: the standard library writes it where it
writes the same bytes (issue 12), and the rfc8785 library everywhere else. Checked
over generated JSON values against the rfc8785 library itself."""

from __future__ import annotations

from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.federation import signing

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"]))
)
_KEYS = st.text(st.characters(exclude_categories=["Cs"]), max_size=4) | st.sampled_from(
    ["type", "id", "name", "é", "\ue000", "\U0001f600", "a\x00", 'q"', "\\"]
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=700, deadline=None, derandomize=True)
@given(st.dictionaries(_KEYS, _JSON, max_size=6))
def test_the_signed_form_is_rfc_8785s(value: dict[str, Any]) -> None:
    assert _outcome(signing._canonical, value) == _outcome(rfc8785.dumps, value)


def _outcome(write: Any, value: Any) -> bytes | str:
    try:
        return bytes(write(value))
    except rfc8785.CanonicalizationError as exc:  # a value RFC 8785 cannot write
        return type(exc).__name__


def test_a_stix_object_takes_the_standard_library() -> None:
    obj = {
        "type": "indicator",
        "name": '通報 \u2028 \x07 "x" \\ 😀',
        "confidence": 80,
        "revoked": False,
        "labels": ["a", None],
    }
    assert signing._plain(obj)
    assert signing._canonical(obj) == bytes(rfc8785.dumps(obj))
    assert not signing._plain({**obj, "score": 1.5})
    assert not signing._plain({**obj, "big": 2**53})
    assert not signing._plain({**obj, "\U0001f600": 1})
