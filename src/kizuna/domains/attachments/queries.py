"""What the pages and the REST routes read: an object's attachments, their number,
one attachment's description and its file.

Every read joins the store's visibility condition in SQL twice: for the attachment's
own current version and for the current version of the object it is attached to. A
reader sees an attachment only when they may read both (its label dominates the
object's when it is written, and a release that narrows the object narrows this node's
files with it; a partner's file stays as its node wrote it, hidden with its object).
Nothing is loaded to be filtered in Python, and only `content` loads
a file. A missing and a hidden attachment, or object, get the same `NotFound`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Integer, Table, and_, bindparam, func, select

from kizuna.db.schema import access, objects, versions
from kizuna.domains.attachments.schema import att_files
from kizuna.domains.attachments.service import audit_hidden_target
from kizuna.errors import NotFound
from kizuna.identity.principal import Principal
from kizuna.labels import Label
from kizuna.runtime import Node
from kizuna.store import statements
from kizuna.store.access import current, earliest_readable, visibility_params, visible_bound
from kizuna.store.rows import label_of_row

__all__ = ["AttachmentRow", "Listing", "attachment", "content", "listing", "readable_label"]

LIST_LIMIT = 200


@dataclass(frozen=True)
class AttachmentRow:
    id: str
    object_ref: str
    file_name: str
    mime_type: str
    size: int
    sha256: str
    added_at: str
    label: Label
    label_text: str
    origin: str
    author: str


@dataclass(frozen=True)
class Listing:
    object_ref: str
    object_label: Label
    items: list[AttachmentRow]
    total: int


_ROW = (
    objects.c.stix_id,
    objects.c.origin,
    att_files.c.target,
    att_files.c.file_name,
    att_files.c.mime_type,
    att_files.c.size,
    att_files.c.sha256,
    att_files.c.added_at,
    versions.c.label,
    versions.c.rank,
    versions.c.rel_to,
    versions.c.compartments,
)


# Made once: a new alias builds its column collection again on first use, which cost
# more than the rest of building the query.
_MINE = cast(Table, access.alias("att_access"))
_TARGET = cast(Table, objects.alias("att_target"))
_REACH = cast(Table, access.alias("att_target_access"))

# att_files joined to the current versions of the file and of its object that the
# caller may read (the caller's figures are parameters: `visibility_params`).
_READABLE = (
    att_files.join(
        _MINE,
        and_(_MINE.c.object_pk == att_files.c.object_pk, current(_MINE), visible_bound(_MINE)),
    )
    .join(versions, versions.c.pk == _MINE.c.version_pk)
    .join(objects, objects.c.pk == att_files.c.object_pk)
    .join(_TARGET, _TARGET.c.stix_id == att_files.c.target)
    .join(
        _REACH,
        and_(_REACH.c.object_pk == _TARGET.c.pk, current(_REACH), visible_bound(_REACH)),
    )
)

# A row's columns, with who attached the file: the author of its earliest version the
# reader may read (a release that follows its object's narrowing is written by the
# node, and is no new attachment; version 1 may be above the reader, and its author is
# then not theirs to learn).
_SHOWN = (
    *_ROW,
    earliest_readable("author", att_files.c.object_pk, visible_bound).label("author"),
)

# Statements built once and run with parameters: building these joins anew for every
# request cost more than running them.
_LISTED = (
    select(*_SHOWN)
    .select_from(_READABLE)
    .where(att_files.c.target == bindparam("of"))
    .order_by(att_files.c.object_pk.desc())
    .limit(bindparam("limit", type_=Integer))
)
_COUNTED = select(func.count()).select_from(_READABLE).where(att_files.c.target == bindparam("of"))
_ONE = select(*_SHOWN).select_from(_READABLE).where(objects.c.stix_id == bindparam("stix_id"))
_ONE_WITH_FILE = _ONE.add_columns(versions.c.body)


def _row(r: Any) -> AttachmentRow:
    return AttachmentRow(
        id=r.stix_id,
        object_ref=r.target,
        file_name=r.file_name,
        mime_type=r.mime_type,
        size=int(r.size),
        sha256=r.sha256,
        added_at=r.added_at,
        label=label_of_row(r),
        label_text=r.label,
        origin=r.origin,
        author=r.author,
    )


def readable_label(node: Node, principal: Principal, stix_id: str) -> Label:
    """The current label of an object the principal may read, else NotFound."""
    with node.db.read() as conn:
        asked = statements.params(principal, node.store.bits, stix_id)
        row = conn.execute(statements.CURRENT, asked).first()
    if row is None:
        audit_hidden_target(node, principal, stix_id)
        raise NotFound(f"no object {stix_id}", field="of")
    return label_of_row(row)


def listing(node: Node, principal: Principal, of: str, *, limit: int = LIST_LIMIT) -> Listing:
    """The attachments of `of` the principal may read, newest first, and how many."""
    object_label = readable_label(node, principal, of)
    seen = visibility_params(principal, node.store.bits)
    with node.db.read() as conn:
        rows = conn.execute(_LISTED, {"of": of, "limit": limit, **seen}).all()
        total = conn.execute(_COUNTED, {"of": of, **seen}).scalar_one()
    return Listing(of, object_label, [_row(r) for r in rows], int(total))


def attachment(node: Node, principal: Principal, stix_id: str) -> AttachmentRow:
    """One attachment's description (not its file)."""
    seen = visibility_params(principal, node.store.bits)
    with node.db.read() as conn:
        row = conn.execute(_ONE, {"stix_id": stix_id, **seen}).first()
    if row is None:
        audit_hidden_target(node, principal, stix_id)
        raise NotFound(f"no attachment {stix_id}", field="id")
    return _row(row)


def content(node: Node, principal: Principal, stix_id: str) -> tuple[AttachmentRow, bytes]:
    """One attachment's description and its file."""
    seen = visibility_params(principal, node.store.bits)
    with node.db.read() as conn:
        row = conn.execute(_ONE_WITH_FILE, {"stix_id": stix_id, **seen}).first()
    if row is None:
        audit_hidden_target(node, principal, stix_id)
        raise NotFound(f"no attachment {stix_id}", field="id")
    payload = json.loads(row.body)["payload_bin"]
    return _row(row), base64.b64decode(payload)
