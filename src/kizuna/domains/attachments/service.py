"""The attachments' use cases: attach a file to an object, and record the attachments
that arrive from a peer. Every function takes the acting principal.

`attach` promises: the object attached to is one the principal may read (else the
same `NotFound` as for an object that does not exist); the file passes the content
rules (`content.py`, `rules.py`) or is refused with an `AttachmentRefused` naming the
problem, audited, and nothing is written; the attachment's label is the least upper
bound of the label chosen and the object's, so it is never less restrictive than
either; the file and its row in `att_files` are written in one transaction, with the
store's audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, and_, bindparam, insert, select

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.attachments import OWNER, model
from kizuna.domains.attachments.content import (
    MAX_NAME,
    AttachmentRefused,
    check_payload,
    clean_name,
    decode,
    normal_type,
)
from kizuna.domains.attachments.rules import check_artifact
from kizuna.domains.attachments.schema import att_files
from kizuna.errors import Invalid, NotFound, Refused
from kizuna.identity.principal import Principal
from kizuna.labels import Label, LabelError, lub, parse
from kizuna.runtime import Node
from kizuna.store import StoredObject, statements
from kizuna.store.access import current, visibility_params, visible, visible_bound
from kizuna.store.rows import label_of_row

__all__ = ["AttachmentSettings", "Attachments", "Upload", "arrived", "attachments"]

# Room an artifact's JSON needs beside its base64 payload (id, extension, hashes,
# markings, a peer's signature), so that an accepted file also fits every object path.
ENVELOPE = 8192


class AttachmentSettings(BaseSettings):
    """The mechanism's own settings, from KIZUNA_ATTACHMENT_* in the environment."""

    model_config = SettingsConfigDict(env_prefix="KIZUNA_ATTACHMENT_")

    # Largest file, in bytes. An attachment is an object, and every object a node
    # accepts (REST, TAXII, a peer) fits in KIZUNA_MAX_BODY_BYTES as JSON: the file
    # limit in force is the smaller of this and what fits there once base64-encoded.
    max_bytes: int = 10 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """One file to attach: `data` (bytes) or `payload_b64` (as a REST client sends it)."""

    of: str
    file_name: str
    mime_type: str
    label: str | None = None
    data: bytes | None = None
    payload_b64: str | None = None
    sha256: str | None = None


class Attachments:
    def __init__(self, node: Node, settings: AttachmentSettings) -> None:
        self.node = node
        self.store = node.store
        fits = (node.settings.max_body_bytes - ENVELOPE) * 3 // 4
        self.limit = max(0, min(settings.max_bytes, fits))

    def refuse(self, principal: Principal, exc: Refused) -> NoReturn:
        """Refuse before anything is written, audited like every refusal."""
        with self.store.transaction(principal):
            raise exc

    def _label(self, text: str | None) -> Label:
        if not text or not text.strip():
            return Label(self.node.policy.lowest.rank, frozenset({self.node.nation}))
        try:
            return parse(self.node.policy, text, originator=self.node.nation)
        except LabelError as exc:
            raise Invalid(f"label: {exc}", field="label") from exc

    def _target(self, conn: Connection, principal: Principal, stix_id: str) -> Label | None:
        row = conn.execute(
            select(versions.c.rank, versions.c.rel_to, versions.c.compartments)
            .select_from(
                objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                    versions, versions.c.pk == access.c.version_pk
                )
            )
            .where(objects.c.stix_id == stix_id, visible(principal, self.store.bits))
        ).first()
        return label_of_row(row) if row is not None else None

    def attach(self, principal: Principal, upload: Upload) -> StoredObject:
        """Attach a file to an object the principal may read (see the module's promise)."""
        chosen = self._label(upload.label)
        name = clean_name(upload.file_name)
        if not name or len(name) > MAX_NAME:
            self.refuse(principal, AttachmentRefused(
                "bad_name", f"the file needs a name of 1 to {MAX_NAME} characters",
                field="file_name",
            ))  # fmt: skip
        mime = normal_type(upload.mime_type)
        # Judged before it is stored: a refusal costs no copy of the file.
        try:
            data = upload.data
            if data is None:
                data = decode(upload.payload_b64, limit=self.limit)
            checked = check_payload(data, mime, upload.sha256, limit=self.limit)
        except AttachmentRefused as exc:
            self.refuse(principal, exc)
        body = model.artifact(
            data=data, mime_type=mime, sha256=checked.sha256, file_name=name, object_ref=upload.of
        )
        with self.store.transaction(principal) as conn:
            check_artifact(body, limit=self.limit)
            target = self._target(conn, principal, upload.of)
            if target is not None:
                label = lub([chosen, target])
                assert label is not None
                made = self.store.create_in(conn, principal, body, label, owner=OWNER)
                index(conn, made)
                return made
        # Missing or hidden: the same answer (the hidden case leaves a line in the log).
        audit_hidden_target(self.node, principal, upload.of)
        raise NotFound(f"no object {upload.of}", field="of")


def index(conn: Connection, made: StoredObject) -> None:
    """The attachment's row, beside its first version (once: a release keeps it)."""
    object_pk = conn.execute(select(objects.c.pk).where(objects.c.stix_id == made.id)).scalar_one()
    held = select(att_files.c.object_pk).where(att_files.c.object_pk == object_pk)
    if conn.execute(held).first():
        return
    said = model.attached(made.object)
    assert said is not None  # the rules passed
    conn.execute(
        insert(att_files).values(
            object_pk=object_pk,
            target=said.object_ref,
            file_name=said.file_name,
            mime_type=said.mime_type,
            size=_size(str(said.payload)),
            sha256=str(said.sha256).lower(),
            added_at=clock.now_ts(),
        )
    )


def attached_to(conn: Connection, stix_id: str) -> list[str]:
    """The ids of the files attached to `stix_id` (the store's followers of it: a
    release that narrows the object narrows them with it)."""
    query = (
        select(objects.c.stix_id)
        .join(att_files, att_files.c.object_pk == objects.c.pk)
        .where(att_files.c.target == stix_id)
        .order_by(objects.c.pk)
    )
    return list(conn.execute(query).scalars())


def _size(payload: str) -> int:
    return len(payload) // 4 * 3 - payload[-2:].count("=")


def arrived(node: Node, conn: Connection, made: StoredObject) -> None:
    """An attachment from a peer (its rules already held): listed with its object."""
    if made.type == model.TYPE:
        index(conn, made)


def attachments(node: Node) -> Attachments:
    """The node's mechanism, built once, with its settings from the environment."""
    found = node.extras.get("attachments")
    if isinstance(found, Attachments):
        return found
    made = Attachments(node, AttachmentSettings())
    node.extras["attachments"] = made
    return made


# Built once (see `store.statements`): asked on every refused read of a file.
_SEEN = select(access.c.object_pk).where(
    access.c.object_pk == bindparam("pk"), current(), visible_bound()
)


def audit_hidden_target(node: Node, principal: Principal, stix_id: str) -> None:
    """A request about an object that exists but is hidden from the caller: a line in
    the log, while the caller gets the answer a missing object gets."""
    with node.db.read() as conn:
        held = conn.execute(statements.HELD, {"stix_id": stix_id}).first()
        seen = (
            held is not None
            and conn.execute(
                _SEEN, {"pk": held.pk, **visibility_params(principal, node.store.bits)}
            ).first()
        )
    if held is not None and not seen:
        with node.db.write() as conn:
            audit.append(conn, actor=principal.name, action="object.read.denied", target=stix_id)
