"""The attachments' own table (on the store's metadata): what a list of an object's
attachments shows, so that a list never loads a file.

One row per stored attachment, keyed by the artifact's object key and written in the
same transaction as its first version (by this node's service, or on arrival from a
peer). It holds no text a label protects beyond what the artifact itself says, and
every read that shows a row joins it with `visible()` for the artifact and for the
object it is attached to (see queries.py).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table

from kizuna.db.schema import TS, metadata

__all__ = ["att_files"]

att_files = Table(
    "att_files",
    metadata,
    Column("object_pk", ForeignKey("objects.pk"), primary_key=True),
    # The STIX id of the object the file is attached to (it may arrive after the file).
    Column("target", String(200), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("mime_type", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("added_at", TS, nullable=False),
)
Index("ix_att_files_target", att_files.c.target, att_files.c.object_pk)
