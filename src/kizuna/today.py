"""What the start page shows a reader: panels of what waits for them, with counts,
lines and small charts, each built by a domain for one reader (`Domain.today`).

A panel is derived data (DESIGN §2.10). Every figure in it is counted in SQL through
the visibility condition for the reader, and the panel carries `labels`: the label of
every object a count, a bar or a line comes from, so that the page's banner covers
all of them. `tally` is the one way a domain counts for a panel: it groups by the
stored label columns too, so the labels come back with the counts, still from SQL
and still only of rows the reader may see.

Names (panel titles, bar names, notes) are messages in English, marked with `N_`
where they are written and translated by the page that shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kizuna.labels import Label
from kizuna.store.tally import Tally, tally

__all__ = ["Bar", "Chart", "Line", "Panel", "Tally", "tally"]


@dataclass(frozen=True)
class Line:
    """One thing waiting for the reader: where to open it, its title, and a time."""

    href: str
    text: str
    label: Label
    text_ja: str = ""  # the title in Japanese, where the object has one
    at: object = None  # a time the page shows in the reader's zone
    note: str = ""  # a message saying what the time is, with `%(time)s` where it goes
    urgent: bool = False  # overdue: shown first and marked
    what: str = ""  # a message saying what the line is (a notice's kind), before its title


@dataclass(frozen=True)
class Bar:
    """One figure of a chart. `marked` is the part of `value` that needs attention
    (overdue items), drawn apart within the bar."""

    name: str
    value: int
    href: str | None = None
    marked: int = 0


@dataclass(frozen=True)
class Chart:
    """Bars by category (`kind="bars"`) or columns over time (`kind="columns"`)."""

    bars: tuple[Bar, ...]
    kind: str = "bars"
    marked_name: str = ""  # what `marked` means, in a legend and in the figures table


@dataclass(frozen=True)
class Panel:
    """A box on the start page: a title, a count with the list it comes from, the
    first lines of that list, or a chart. `labels` covers everything shown."""

    key: str
    title: str
    href: str
    count: int | None = None
    urgent: int = 0  # how many of `count` are overdue
    lines: tuple[Line, ...] = ()
    chart: Chart | None = None
    note: str = ""  # a message under the title; `%(time)s` is where `since` goes
    since: object = None
    empty: str = ""  # a message shown when there is nothing
    labels: tuple[Label, ...] = field(default=())
