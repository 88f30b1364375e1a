"""Which later version of a follower is one that follows its object's narrowing
(`store.rules.follows_a_narrowing`): the owner rules of answers, replies, statuses and
acknowledgements take it, from a local release or arriving from the follower's node."""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.labels import Label
from kizuna.store.owners import Write, WriteKind
from kizuna.store.rules import follows_a_narrowing

BEFORE = Label(20, frozenset({"JPN", "USA"}), frozenset())
NARROWER = Label(20, frozenset({"JPN", "USA"}), frozenset({"BIAC"}))
WIDER = Label(20, frozenset({"JPN", "USA", "AUS"}), frozenset())
ANSWER = {"type": "x-kizuna-response", "id": "x", "kind": "concur", "modified": "t1"}


def _write(kind: WriteKind, label: Label, changes: dict[str, Any] | None = None) -> Write:
    body = {**ANSWER, "modified": "t2", **(changes or {})}
    return Write(kind, None, body, label, "USA", ANSWER, BEFORE)


def test_an_arriving_label_only_narrowing_follows() -> None:
    assert follows_a_narrowing(_write("accept", NARROWER, {"object_marking_refs": ["m"]}))


@pytest.mark.parametrize(
    "write",
    [
        _write("accept", WIDER),  # widens: no narrowing writes it
        _write("accept", BEFORE),  # the same label: nothing to follow
        _write("accept", NARROWER, {"kind": "non_concur"}),  # changes the answer itself
        _write("revise", NARROWER),
    ],
)
def test_anything_else_does_not(write: Write) -> None:
    assert not follows_a_narrowing(write)


def test_a_local_release_that_changes_the_label_only_is_the_owners_to_judge() -> None:
    # As before: a release decision here is the releasing officer's (or the store's,
    # narrowing followers with their object); its label rules are the store's.
    assert follows_a_narrowing(_write("release", WIDER))
    assert not follows_a_narrowing(Write("release", None, ANSWER, NARROWER, "USA"))
