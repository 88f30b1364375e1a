"""Fixtures of the incidents tests: a USA node and a JPN node on each database, the
people of the scenario (who belong to the bodies of the shipped routing rules), and
an event to record."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kizuna import clock
from kizuna.bootstrap import initialize, open_node
from kizuna.domains.incidents.model import EventCreate
from kizuna.identity.principal import Principal
from kizuna.runtime import Node
from tests.conftest import node_settings
from tests.factories.coordination import member

T0 = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)


class FrozenClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    fake = FrozenClock(T0)
    clock.set_clock(fake)
    try:
        yield fake
    finally:
        clock.set_clock(None)


def make_node(db_url: str, tmp_path: Path, nation: str, **extra: object) -> Node:
    settings = node_settings(db_url, tmp_path, **extra)
    initialize(settings, nation=nation)
    return open_node(settings)


@pytest.fixture
def usa(db_url: str, tmp_path: Path) -> Iterator[Node]:
    """An initialized USA node (the US forces' duty officers record there)."""
    opened = make_node(db_url, tmp_path, "USA")
    try:
        yield opened
    finally:
        opened.db.dispose()


def us_people(node: Node) -> dict[str, Principal]:
    """A US duty officer who records and releases; a USFJ watch officer; a reader."""
    return {
        "duty": member(
            node,
            "duty",
            nation="USA",
            roles=["author", "releasing_officer"],
            bodies=["usfj", "mcipac"],
        )[0],
        "usfj-duty": member(node, "usfj-duty", nation="USA", roles=["author"], bodies=["usfj"])[0],
        "writer": member(node, "writer", nation="USA", roles=["author"], bodies=[])[0],
        "reader": member(
            node, "reader", nation="USA", roles=["reader"], bodies=[], clearance="UNCLASSIFIED"
        )[0],
    }


def event(**overrides: Any) -> EventCreate:
    """A panel fallen from an aircraft into Chatan, near Kadena Air Base."""
    values: dict[str, Any] = {
        "kind": "part_fall",
        "title_en": "Access panel fell from an F-15 near Kadena",
        "title_ja": "嘉手納基地付近でF-15のパネルが落下",
        "occurred": "2026-12-01T13:40:00+09:00",
        "learned": "2026-12-01T13:55:00+09:00",
        "place": {
            "geometry": {"type": "Point", "coordinates": [127.764, 26.309]},
            "municipalities": ["473260"],
        },
        "unit": "18th Wing",
        "people_hurt": 0,
        "damage": "none reported",
        "description_en": "A 30 cm access panel was found in a field in Chatan.",
        "description_ja": "北谷町の畑で約30cmのパネルが見つかった。",
        "label": "CONFIDENTIAL//REL TO JPN, USA",
    }
    values.update(overrides)
    return EventCreate(**values)
