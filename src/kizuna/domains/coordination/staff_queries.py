"""What users read of the staff's work: RFIs with their replies, taskers with their
offices' statuses.

As in `queries`, every read joins the store's `access` rows with the visibility
condition (`visible_current`), for the head object and for each object of its thread;
nothing is loaded and then filtered in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.coordination.model import (
    REPLY_TYPE,
    RFI_TYPE,
    TASK_STATUS_TYPE,
    TASKER_TYPE,
    RfiState,
)
from kizuna.domains.coordination.queries import visible_current
from kizuna.domains.coordination.schema import (
    coord_rfi_replies,
    coord_rfis,
    coord_task_statuses,
    coord_taskers,
)
from kizuna.domains.coordination.service import Coordination
from kizuna.errors import Invalid, NotFound
from kizuna.identity.principal import Principal
from kizuna.store import StoredObject
from kizuna.store.objects import COLUMNS, stored_from_row

__all__ = ["rfi_thread", "rfis", "tasker_detail", "taskers"]


def rfis(
    c: Coordination,
    principal: Principal,
    *,
    item: str | None = None,
    state: str | None = None,
    limit: int = 200,
) -> list[StoredObject]:
    """The RFIs the principal may read (their current version), of one item or all,
    open ones first, then the newest."""
    if state is not None and state not in {s.value for s in RfiState}:
        raise Invalid(f"unknown state '{state}'", field="state")
    query = (
        select(*COLUMNS)
        .select_from(
            coord_rfis.join(access, access.c.object_pk == coord_rfis.c.object_pk)
            .join(versions, versions.c.pk == access.c.version_pk)
            .join(objects, objects.c.pk == access.c.object_pk)
        )
        .where(visible_current(c, principal), access.c.type == RFI_TYPE)
        .order_by(
            case((coord_rfis.c.state == RfiState.OPEN.value, 0), else_=1),
            coord_rfis.c.object_pk.desc(),
        )
        .limit(limit)
    )
    if state:
        query = query.where(coord_rfis.c.state == state)
    if item is not None:
        query = query.where(
            coord_rfis.c.item_pk
            == select(objects.c.pk).where(objects.c.stix_id == item).scalar_subquery()
        )
    with c.node.db.read() as conn:
        return [stored_from_row(r) for r in conn.execute(query).all()]


def rfi_thread(
    c: Coordination, principal: Principal, rfi_id: str
) -> tuple[StoredObject, list[StoredObject]]:
    """An RFI and the replies of its thread the principal may read, oldest first;
    NotFound when the RFI is hidden, as for a missing one."""
    return _with_thread(
        c, principal, rfi_id, RFI_TYPE, "RFI", REPLY_TYPE, coord_rfi_replies,
        coord_rfi_replies.c.rfi_pk,
    )  # fmt: skip


def _with_thread(
    c: Coordination,
    principal: Principal,
    stix_id: str,
    head_type: str,
    what: str,
    row_type: str,
    table: Any,
    parent: Any,
) -> tuple[StoredObject, list[StoredObject]]:
    """An object and the objects of its thread (`table`, keyed to it by `parent`), each
    through the visibility condition, the thread oldest first."""
    with c.node.db.read() as conn:
        found = conn.execute(
            select(*COLUMNS, objects.c.pk.label("head_pk"))
            .select_from(
                access.join(versions, versions.c.pk == access.c.version_pk).join(
                    objects, objects.c.pk == access.c.object_pk
                )
            )
            .where(
                objects.c.stix_id == stix_id,
                access.c.type == head_type,
                visible_current(c, principal),
            )
        ).first()
        if found is None:
            raise NotFound(f"no {what} {stix_id}", field="id")
        rows = conn.execute(
            select(*COLUMNS)
            .select_from(
                table.join(access, access.c.object_pk == table.c.object_pk)
                .join(versions, versions.c.pk == access.c.version_pk)
                .join(objects, objects.c.pk == access.c.object_pk)
            )
            .where(
                parent == found.head_pk, visible_current(c, principal), access.c.type == row_type
            )
            .order_by(table.c.object_pk)
        ).all()
    return stored_from_row(found), [stored_from_row(r) for r in rows]


def taskers(c: Coordination, principal: Principal, *, limit: int = 200) -> list[StoredObject]:
    """The taskers the principal may read, open ones first by suspense, then the rest
    newest first."""
    query = (
        select(*COLUMNS)
        .select_from(
            coord_taskers.join(access, access.c.object_pk == coord_taskers.c.object_pk)
            .join(versions, versions.c.pk == access.c.version_pk)
            .join(objects, objects.c.pk == access.c.object_pk)
        )
        .where(visible_current(c, principal), access.c.type == TASKER_TYPE)
        .order_by(
            case((coord_taskers.c.state == "open", 0), else_=1),
            case((coord_taskers.c.state == "open", coord_taskers.c.suspense_at), else_=0),
            coord_taskers.c.object_pk.desc(),
        )
        .limit(limit)
    )
    with c.node.db.read() as conn:
        return [stored_from_row(r) for r in conn.execute(query).all()]


def tasker_detail(
    c: Coordination, principal: Principal, tasker_id: str
) -> tuple[StoredObject, list[StoredObject]]:
    """A tasker and the offices' statuses the principal may read, oldest first;
    NotFound when the tasker is hidden, as for a missing one."""
    return _with_thread(
        c, principal, tasker_id, TASKER_TYPE, "tasker", TASK_STATUS_TYPE,
        coord_task_statuses, coord_task_statuses.c.tasker_pk,
    )  # fmt: skip
