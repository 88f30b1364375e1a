"""Paging cursors are sealed: a changed or foreign cursor is refused, and none can be read."""

from __future__ import annotations

import base64
import json

import pytest

from kizuna.store import Invalid, cursor


def test_a_cursor_round_trips() -> None:
    token = cursor.encode(b"k" * 32, {"k": 42, "t": None, "u": "sato"})
    assert cursor.decode(b"k" * 32, token) == {"k": 42, "t": None, "u": "sato"}


@pytest.mark.parametrize("mutate", [lambda t: t[:-2] + "AA", lambda t: "x" + t, lambda t: "nodot"])
def test_a_changed_cursor_is_refused(mutate) -> None:  # type: ignore[no-untyped-def]
    token = cursor.encode(b"k" * 32, {"k": 42})
    with pytest.raises(Invalid) as caught:
        cursor.decode(b"k" * 32, mutate(token))
    assert caught.value.field == "cursor"


def test_a_cursor_from_another_node_is_refused() -> None:
    token = cursor.encode(b"a" * 32, {"k": 1})
    with pytest.raises(Invalid, match="not one this node issued"):
        cursor.decode(b"b" * 32, token)


def test_a_cursor_says_nothing_of_its_state() -> None:
    """Reproduction 5 of issue 11: no part of a cursor decodes to its row number, and
    cursors of near and far positions look alike (same size, no repeated bytes)."""
    near = cursor.encode(b"k" * 32, {"k": 7, "u": "sato", "t": None})
    far = cursor.encode(b"k" * 32, {"k": 7_000_000, "u": "sato", "t": None})
    again = cursor.encode(b"k" * 32, {"k": 7, "u": "sato", "t": None})
    assert len(near) == len(far)
    assert near != again  # a fresh nonce each time: equal states are not linkable
    for token in (near, far):
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        for piece in [raw, *token.split(".")]:
            assert b"sato" not in (piece if isinstance(piece, bytes) else piece.encode())
        assert not _parses(raw)
        assert not _parses(base64.urlsafe_b64decode(token.split(".")[0] + "==="))


def _parses(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True
