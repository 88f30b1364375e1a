"""Paging cursors are signed: a changed or foreign cursor is refused."""

from __future__ import annotations

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
