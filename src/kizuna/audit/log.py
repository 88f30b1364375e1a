"""The append-only, hash-chained audit log.

Each entry's hash covers its sequence number, its content and the hash of the
entry before it, so editing, deleting, swapping or inserting an entry breaks the
chain at that entry. Entries are written inside the caller's transaction: a change
and its audit entry commit together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from kizuna import clock
from kizuna.db.schema import audit_head, audit_log

__all__ = ["GENESIS", "Entry", "Item", "append", "append_many", "entries", "entry_hash"]

GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    *,
    seq: int,
    at: str,
    actor: str,
    action: str,
    target: str | None,
    detail: str,
    prev_hash: str,
) -> str:
    payload = canonical([seq, at, actor, action, target, detail, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# Built once: every write and every refused read appends an entry, and building these
# three anew cost more than running them (issue 12).
_HEAD = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
_INSERT = insert(audit_log)
_MOVE = (
    update(audit_head)
    .where(audit_head.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def lock(conn: Connection) -> None:
    """Take the head row's lock at the start of a write transaction, so that writers
    commit in the order their rows are numbered and a reader that pages by row number
    never sees a lower number appear behind it."""
    conn.execute(_HEAD)


@dataclass(frozen=True)
class Item:
    """One entry to add: what `append` takes, for `append_many`."""

    actor: str
    action: str
    target: str | None = None
    detail: dict[str, Any] | None = None


def append(
    conn: Connection,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Entry:
    """Add one entry in the caller's transaction.

    The head row is locked (FOR UPDATE on PostgreSQL; SQLite's write transaction
    already holds the database lock) so concurrent writers chain one after another.
    """
    return append_many(conn, [Item(actor, action, target, detail)])[0]


def append_many(conn: Connection, items: list[Item]) -> list[Entry]:
    """Add entries in order in the caller's transaction: chained here, inserted in one
    statement, and the head moved once (a batch of writes pays for its audit once)."""
    if not items:
        return []
    head = conn.execute(_HEAD).first()
    if head is None:
        conn.execute(insert(audit_head).values(id=1, seq=0, hash=GENESIS))
        seq, prev_hash = 0, GENESIS
    else:
        seq, prev_hash = head.seq, head.hash
    at = clock.now_ts()
    made: list[Entry] = []
    rows: list[dict[str, Any]] = []
    for item in items:
        seq += 1
        detail_text = canonical(item.detail or {})
        digest = entry_hash(
            seq=seq,
            at=at,
            actor=item.actor,
            action=item.action,
            target=item.target,
            detail=detail_text,
            prev_hash=prev_hash,
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": item.actor,
                "action": item.action,
                "target": item.target,
                "detail": detail_text,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        made.append(
            Entry(
                seq, at, item.actor, item.action, item.target, item.detail or {}, prev_hash, digest
            )
        )
        prev_hash = digest
    conn.execute(_INSERT, rows)
    conn.execute(_MOVE, {"new_seq": seq, "new_hash": prev_hash})
    return made


def entries(
    conn: Connection,
    *,
    before: int | None = None,
    limit: int = 100,
    action_prefix: str | None = None,
) -> list[Entry]:
    """Newest entries first, for the audit page. Reading it is an admin permission
    checked by the caller; audit rows carry no label, only ids and actions."""
    query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if before is not None:
        query = query.where(audit_log.c.seq < before)
    if action_prefix:
        query = query.where(audit_log.c.action.startswith(action_prefix, autoescape=True))
    return [_entry(row) for row in conn.execute(query)]


def _entry(row: Any) -> Entry:
    return Entry(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        target=row.target,
        detail=json.loads(row.detail),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def stream(conn: Connection) -> Generator[Any, None, None]:
    """Every raw row in sequence order, without holding them all in memory."""
    with conn.execution_options(yield_per=2000).execute(
        select(audit_log).order_by(audit_log.c.seq)
    ) as result:
        yield from result
