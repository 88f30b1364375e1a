"""The commitments register on a reader's start page: the commitments by status.

The status of a commitment is derived from the links and reviews of its decisions
(register.py), from objects the store reads through the visibility condition for
the reader; each bar carries the labels of the rows it counts, which cover those
links and reviews too (`RegisterRow.label`).
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

from kizuna.domains.meetings.register import STATUSES, register
from kizuna.identity.principal import Principal
from kizuna.runtime import Node
from kizuna.today import Bar, Chart, Panel
from kizuna.web.i18n import N_

__all__ = ["by_status", "today"]


def today(node: Node, principal: Principal) -> list[Panel]:
    return [by_status(node, principal)]


def by_status(node: Node, principal: Principal, *, kind: str | None = "commitment") -> Panel:
    """The register's rows of `kind` (commitments; None for every decision) by status."""
    rows = register(node, principal, kind=kind)
    counts = Counter(r.status for r in rows)
    bars = tuple(
        Bar(
            # The register's own words for its statuses (translated as on its page).
            status,
            counts[status],
            href=f"/commitments?status={quote(status)}&kind=commitment",
        )
        for status in STATUSES
    )
    return Panel(
        key="commitments-status",
        title=N_("Commitments by status"),
        href="/commitments",
        count=len(rows),
        chart=Chart(bars),
        empty=N_("No commitment you may read."),
        labels=tuple({r.label for r in rows}),
    )
