"""Counts with the labels of what they count, from SQL: a figure is derived data
(DESIGN §2.10), and a page that shows it raises its banner to every label it counts.
The start page's panels (`kizuna.today`), the lists' counts (objects, intelligence,
glossary, search) and the federation page's figures all count this way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, FromClause, func, select

from kizuna.labels import Label
from kizuna.store.rows import LABEL_COLUMNS, label_of_row

__all__ = ["Tally", "tally"]


@dataclass(frozen=True)
class Tally:
    counts: Counter[Any]
    labels: tuple[Label, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def tally(
    conn: Connection,
    source: FromClause,
    where: Iterable[ColumnElement[bool]],
    *by: ColumnElement[Any],
) -> Tally:
    """Count the rows of `source` that pass `where`, grouped by `by` (a tuple key per
    group, or `()` without grouping), with the distinct labels of the counted rows.

    `source` must join `versions` (the counted versions), and `where` must hold the
    visibility condition for the reader: this function adds none, it only keeps the
    labels beside the counts. A row outer-joined to no version counts, unlabelled."""
    query = (
        select(*by, *LABEL_COLUMNS, func.count().label("n"))
        .select_from(source)
        .where(*where)
        .group_by(*by, *LABEL_COLUMNS)
    )
    counts: Counter[Any] = Counter()
    labels: set[Label] = set()
    for row in conn.execute(query):
        counts[tuple(row[: len(by)])] += int(row.n)
        # A row joined to no version (a phase notice names no item) has no label.
        if row.rank is not None:
            labels.add(label_of_row(row))
    return Tally(counts, tuple(sorted(labels, key=_order)))


def _order(label: Label) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    return (label.rank, tuple(sorted(label.rel_to)), tuple(sorted(label.compartments)))
