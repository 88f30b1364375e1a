"""What the store hands back: a stored version, a page of them, the columns every read
selects, and the helpers that turn rows and times into them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from kizuna import clock
from kizuna.db.schema import objects, versions
from kizuna.errors import StoreError
from kizuna.labels import Label

__all__ = [
    "COLUMNS",
    "LABEL_COLUMNS",
    "MAX_LIMIT",
    "Batch",
    "Page",
    "StoredObject",
    "label_of_row",
    "later_than",
    "narrows",
    "stix_ts",
    "stored_from_row",
]

MAX_LIMIT = 1000


@dataclass(frozen=True)
class StoredObject:
    id: str
    type: str
    origin: str
    version: int
    label: Label
    label_text: str
    body: str
    modified: str
    author: str
    recorded_at: str
    # The version's row, when the store has just written it (for rows that other
    # tables key on it, in the same transaction); reads leave it out.
    row_pk: int | None = field(default=None, compare=False)

    @cached_property
    def object(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass(frozen=True)
class Page:
    items: list[StoredObject]
    next: str | None


class Batch:
    """What a batch write did: the stored objects in the order they were given, and
    each refused one's position in the batch with its error."""

    def __init__(self) -> None:
        self._made: list[tuple[int, StoredObject]] = []
        self.refused: list[tuple[int, StoreError]] = []

    def add(self, index: int, made: StoredObject) -> None:
        self._made.append((index, made))

    @property
    def made(self) -> list[StoredObject]:
        return [m for _, m in sorted(self._made, key=lambda pair: pair[0])]


# What a StoredObject is built from: every read selects exactly these.
COLUMNS = (
    objects.c.stix_id,
    objects.c.type,
    objects.c.origin,
    versions.c.number,
    versions.c.rank,
    versions.c.rel_to,
    versions.c.compartments,
    versions.c.label,
    versions.c.body,
    versions.c.modified,
    versions.c.author,
    versions.c.recorded_at,
)


LABEL_COLUMNS = (versions.c.rank, versions.c.rel_to, versions.c.compartments)


def _split(text: str, sep: str) -> frozenset[str]:
    return frozenset(t for t in text.split(sep) if t)


def label_of_row(row: Any) -> Label:
    """The label of a version row, from the columns it is stored in."""
    return Label(row.rank, _split(row.rel_to, ","), _split(row.compartments, "/"))


def stored_from_row(row: Any) -> StoredObject:
    """A StoredObject from a row that selects `COLUMNS` (reads of the store, and domain
    queries that join their own tables to the visible rows)."""
    return StoredObject(
        id=row.stix_id,
        type=row.type,
        origin=row.origin,
        version=row.number,
        label=label_of_row(row),
        label_text=row.label,
        body=row.body,
        modified=row.modified,
        author=row.author,
        recorded_at=row.recorded_at,
    )


def later_than(previous: str) -> str:
    """A `modified` after `previous` even when the clock has not moved on."""
    now = clock.now()
    floor = clock.parse_ts(previous) + timedelta(milliseconds=1)
    return stix_ts(max(now, floor))


def narrows(before: Label, after: Label) -> bool:
    """Someone who may read `before` may not read `after`."""
    return not (
        after.rank <= before.rank
        and after.compartments <= before.compartments
        and after.rel_to >= before.rel_to
    )


def stix_ts(value: Any) -> str:
    return str(value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z")
