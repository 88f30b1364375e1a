"""Notifications to bodies, behind a channel interface.

A notice names a body, what happened (`kind`) and the item's key, never the item's
text: whoever shows it loads the item through the store, for a reader who may see
it. The in-app channel keeps notices in `coord_notifications` until a member of the
body acknowledges them; e-mail and webhook channels plug in beside it later and get
the same notices (so they, too, carry nothing a label protects).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, insert

from kizuna import clock
from kizuna.domains.coordination.schema import coord_notifications

__all__ = ["Channel", "InApp", "Notice"]


@dataclass(frozen=True)
class Notice:
    body: str
    kind: str  # opened | response | state | escalated | phase
    item_pk: int | None
    detail: dict[str, Any] = field(default_factory=dict)


class Channel(Protocol):
    """Delivers notices inside the transaction of the change they report, so that a
    rolled-back change notifies no one."""

    name: str

    def deliver(self, conn: Connection, notices: Sequence[Notice]) -> None: ...


class InApp:
    """Notices shown in the app, acknowledged there."""

    name = "in-app"

    def deliver(self, conn: Connection, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        now = clock.now_ts()
        conn.execute(
            insert(coord_notifications),
            [
                {
                    "body": n.body,
                    "item_pk": n.item_pk,
                    "kind": n.kind,
                    "detail": json.dumps(n.detail, sort_keys=True),
                    "created_at": now,
                    "acked_by": None,
                    "acked_at": None,
                }
                for n in notices
            ],
        )
