"""Labelled, versioned objects: the only way in and out of the object tables.

Every method takes the acting principal. Reads join the visibility condition in
SQL, so nothing the principal may not see is ever loaded; writes check the label
rules (single writer, originator always released to, label within the author's
clearance, release decisions by the originating nation's releasing officer only),
write the change and its audit entry in one transaction, and refusals are audited
in a transaction of their own after the change is rolled back.
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from kizuna import audit, clock
from kizuna.db import Database
from kizuna.db.schema import access, objects, versions
from kizuna.errors import Conflict, Disallowed, Invalid, NotFound, Refused
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, Policy, dominates, render
from kizuna.stix.markings import NAMESPACE, TLP, marking_for, marking_id, tlp_label
from kizuna.stix.types import RECALL, extension_id
from kizuna.stix.validate import canonical_json, is_versioned, prepare
from kizuna.store import cursor, observables, rules
from kizuna.store.access import CompartmentBits, current, visible
from kizuna.store.nodes import NodeRow, load_node
from kizuna.store.owners import OwnerKey, Owners, Write

__all__ = ["COLUMNS", "MAX_LIMIT", "Page", "Store", "StoredObject", "stored_from_row"]

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


_LABEL_COLUMNS = (versions.c.rank, versions.c.rel_to, versions.c.compartments)


def _split(text: str, sep: str) -> frozenset[str]:
    return frozenset(t for t in text.split(sep) if t)


def _label(row: Any) -> Label:
    """The label of a version row, from the columns it is stored in."""
    return Label(row.rank, _split(row.rel_to, ","), _split(row.compartments, "/"))


def _stored(row: Any) -> StoredObject:
    return StoredObject(
        id=row.stix_id,
        type=row.type,
        origin=row.origin,
        version=row.number,
        label=_label(row),
        label_text=row.label,
        body=row.body,
        modified=row.modified,
        author=row.author,
        recorded_at=row.recorded_at,
    )


def stored_from_row(row: Any) -> StoredObject:
    """A StoredObject from a row that selects `COLUMNS` (for domain queries that join
    their own tables to the visible rows)."""
    return _stored(row)


def _later(previous: str) -> str:
    """A `modified` after `previous` even when the clock has not moved on."""
    now = clock.now()
    floor = clock.parse_ts(previous) + timedelta(milliseconds=1)
    return _stix_ts(max(now, floor))


def _narrows(before: Label, after: Label) -> bool:
    """Someone who may read `before` may not read `after`."""
    return not (
        after.rank <= before.rank
        and after.compartments <= before.compartments
        and after.rel_to >= before.rel_to
    )


def _stix_ts(value: Any) -> str:
    return str(value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z")


class Store:
    """Objects of one node. Build with `Store.open` once the node is initialized."""

    def __init__(self, db: Database, policy: Policy, node: NodeRow, bits: CompartmentBits):
        self.db = db
        self.policy = policy
        self.node = node
        self.bits = bits
        # Filled by the installed domains when the node opens (`Domain.install`).
        self.owners = Owners()

    @classmethod
    def open(cls, db: Database, policy: Policy) -> Store:
        with db.write() as conn:
            node = load_node(conn)
            if node is None:
                raise RuntimeError("this database has no node yet: run `kizuna init` first")
            bits = CompartmentBits.sync(conn, policy)
        return cls(db, policy, node, bits)

    # -- transactions -----------------------------------------------------------------

    @contextmanager
    def transaction(self, principal: Principal) -> Iterator[Connection]:
        """A write transaction for one action; a refusal is rolled back, then audited."""
        try:
            with self.db.write() as conn:
                audit.lock(conn)
                yield conn
        except Refused as exc:
            with self.db.write() as conn:
                audit.append(
                    conn,
                    actor=principal.name,
                    action="refused",
                    target=exc.target,
                    detail={"action": exc.action, "reason": str(exc)},
                )
            raise

    def render(self, label: Label) -> str:
        return render(self.policy, label, "en")

    # -- reads --------------------------------------------------------------------------

    def get(self, principal: Principal, stix_id: str) -> StoredObject:
        """The current version, or NotFound when missing or not visible."""
        with self.db.read() as conn:
            row = conn.execute(
                select(*COLUMNS)
                .select_from(
                    objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                        versions, versions.c.pk == access.c.version_pk
                    )
                )
                .where(objects.c.stix_id == stix_id, visible(principal, self.bits))
            ).first()
            if row is not None:
                return _stored(row)
            exists = conn.execute(select(objects.c.pk).where(objects.c.stix_id == stix_id)).first()
        if exists is not None:
            # Someone asked for an object they may not see: worth a line in the log,
            # while they get the same answer as for an object that does not exist.
            with self.db.write() as conn:
                audit.append(
                    conn, actor=principal.name, action="object.read.denied", target=stix_id
                )
        raise NotFound(f"no object {stix_id}", field="id")

    def list(
        self,
        principal: Principal,
        *,
        type: str | None = None,
        limit: int = 100,
        cursor_token: str | None = None,
    ) -> Page:
        """Current versions the principal may see, newest object first (label markings
        only when `type` asks for them)."""
        if not 1 <= limit <= MAX_LIMIT:
            raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
        after: int | None = None
        if cursor_token:
            state = cursor.decode(self.node.secret, cursor_token)
            if state.get("u") != principal.name or state.get("t") != type:
                raise Invalid("the cursor belongs to another listing", field="cursor")
            after = int(state["k"])
        query = (
            select(access.c.object_pk, *COLUMNS)
            .select_from(
                access.join(versions, versions.c.pk == access.c.version_pk).join(
                    objects, objects.c.pk == access.c.object_pk
                )
            )
            .where(current(), visible(principal, self.bits))
            .order_by(access.c.object_pk.desc())
            .limit(limit + 1)
        )
        if type is not None:
            query = query.where(access.c.type == type)
        else:
            # Label markings are the store's own bookkeeping, listed only when asked for.
            query = query.where(access.c.type != "marking-definition")
        if after is not None:
            query = query.where(access.c.object_pk < after)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        more = len(rows) > limit
        rows = rows[:limit]
        token = None
        if more:
            token = cursor.encode(
                self.node.secret, {"k": rows[-1].object_pk, "t": type, "u": principal.name}
            )
        return Page([_stored(row) for row in rows], token)

    def history(self, principal: Principal, stix_id: str) -> builtins.list[StoredObject]:
        """Every version the principal may see, by its own label, oldest first."""
        with self.db.read() as conn:
            rows = conn.execute(
                select(*COLUMNS)
                .select_from(
                    objects.join(versions, versions.c.object_pk == objects.c.pk).join(
                        access, access.c.version_pk == versions.c.pk
                    )
                )
                .where(objects.c.stix_id == stix_id, visible(principal, self.bits))
                .order_by(versions.c.number)
            ).all()
        if not rows:
            raise NotFound(f"no object {stix_id}", field="id")
        return [_stored(row) for row in rows]

    def _current_for_write(self, conn: Connection, principal: Principal, stix_id: str) -> Any:
        return conn.execute(
            select(objects.c.pk, objects.c.origin, versions.c.pk.label("version_pk"), *COLUMNS)
            .select_from(
                objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                    versions, versions.c.pk == access.c.version_pk
                )
            )
            .where(objects.c.stix_id == stix_id, visible(principal, self.bits))
            .with_for_update(of=objects)
        ).first()

    # -- writes -------------------------------------------------------------------------

    def _marked(
        self, conn: Connection, body: dict[str, Any], label: Label, replaces: Label | None
    ) -> dict[str, Any]:
        """The body with the label's marking-definition as its first marking ref: the
        label travels inside the object, and so inside its signature.

        No marking may say more than the label: the previous version's label marking is
        dropped (a release replaces it), any other Kizuna label marking is refused, and a
        TLP marking stays only where everyone it lets read may read the label too."""
        if body["type"] == "marking-definition":
            return body
        mine = marking_id(self.policy, label)
        dropped = {mine} | ({marking_id(self.policy, replaces)} if replaces else set())
        refs = [str(r) for r in body.get("object_marking_refs", []) if r not in dropped]
        for ref in refs:
            self._check_marking(conn, ref, label, str(body.get("id", "")))
        self._ensure_marking(conn, label)
        return {**body, "object_marking_refs": [mine, *refs]}

    def _check_marking(self, conn: Connection, ref: str, label: Label, target: str) -> None:
        if ref in TLP:
            allowed = tlp_label(self.policy, TLP[ref], nation=self.node.nation)
            if dominates(allowed, label):
                return
            reason = f"TLP:{TLP[ref].upper()} would let more readers share it than its label"
        elif conn.execute(select(objects.c.pk).where(objects.c.stix_id == ref)).first():
            reason = f"{ref} is the marking of another label; an object carries its own only"
        else:
            raise Invalid(f"unknown marking {ref}", field="object.object_marking_refs")
        raise Disallowed(
            f"{reason} ({self.render(label)}): widening is a release decision",
            field="object.object_marking_refs",
            action="store:object:marking",
            target=target or None,
        )

    def _ensure_marking(self, conn: Connection, label: Label) -> None:
        """Every label in use has its marking-definition object, readable by exactly
        those who may read the label."""
        mid = marking_id(self.policy, label)
        if conn.execute(select(objects.c.pk).where(objects.c.stix_id == mid)).first():
            return
        object_pk = conn.execute(
            insert(objects)
            .values(
                stix_id=mid,
                type="marking-definition",
                origin=self.node.nation,
                created_at=clock.now_ts(),
            )
            .returning(objects.c.pk)
        ).scalar_one()
        # Not audited on its own: it follows from the audited write that uses the label.
        self._insert_version(
            conn,
            object_pk=object_pk,
            stix_id=mid,
            origin=self.node.nation,
            number=1,
            previous_version=None,
            body=marking_for(self.policy, label),
            label=label,
            author="system",
            stix_type="marking-definition",
        )

    def _insert_version(
        self,
        conn: Connection,
        *,
        object_pk: int,
        stix_id: str,
        origin: str,
        number: int,
        previous_version: int | None,
        body: dict[str, Any],
        label: Label,
        author: str,
        stix_type: str,
        replaces: Label | None = None,
    ) -> StoredObject:
        body = self._marked(conn, body, label, replaces)
        made = StoredObject(
            id=stix_id,
            type=stix_type,
            origin=origin,
            version=number,
            label=label,
            label_text=self.render(label),
            body=canonical_json(body),
            modified=str(body.get("modified", body.get("created", ""))),
            author=author,
            recorded_at=clock.now_ts(),
        )
        version_pk = conn.execute(
            insert(versions)
            .values(
                object_pk=object_pk,
                number=number,
                modified=made.modified,
                label=made.label_text,
                rank=label.rank,
                rel_to=",".join(sorted(label.rel_to)),
                compartments="/".join(sorted(label.compartments)),
                body=made.body,
                author=author,
                recorded_at=made.recorded_at,
            )
            .returning(versions.c.pk)
        ).scalar_one()
        if previous_version is not None:
            # By primary key: the previous version's rows are the object's current ones.
            conn.execute(
                update(access).where(access.c.version_pk == previous_version).values(current=0)
            )
        mask = self.bits.mask(label.compartments)
        conn.execute(
            insert(access),
            [
                {
                    "version_pk": version_pk,
                    "nation": nation,
                    "object_pk": object_pk,
                    "type": stix_type,
                    "rank": label.rank,
                    "comp_mask": mask,
                    "current": 1,
                }
                for nation in sorted(label.rel_to)
            ],
        )
        return replace(made, row_pk=version_pk)

    def create_in(
        self,
        conn: Connection,
        principal: Principal,
        obj: Any,
        label: Label,
        *,
        owner: OwnerKey | None = None,
    ) -> StoredObject:
        """Create inside the caller's transaction (for services that write several).
        A domain's service passes its `owner` key for the types it owns."""
        rules.require(principal, Permission.OBJECT_WRITE, "create objects", self.node.nation)
        self.owners.admit("create", obj, owner)
        body = prepare(obj, now=_stix_ts(clock.now()))
        if not is_versioned(body["type"]):
            # Observables: content-derived ids scoped by label (see `observables`).
            floor = observables.floor(self.policy.lowest.rank, self.node.nation)
            body["id"] = observables.scoped_id(
                body, label, secret=self.node.secret, floor_label=floor
            )
        stix_id = str(body["id"])
        rules.check_label(self.policy, principal, label, self.node.nation, stix_id)
        if label.rel_to != {self.node.nation}:
            rules.check_release(principal, self.node.nation, stix_id)
        self.owners.check(conn, Write("create", principal, body, label, self.node.nation), owner)
        return self._insert_new(conn, principal, body, label, self.node.nation, "object.create")

    def _insert_new(
        self,
        conn: Connection,
        principal: Principal,
        body: dict[str, Any],
        label: Label,
        origin: str,
        action: str,
        detail: dict[str, Any] | None = None,
    ) -> StoredObject:
        stix_id = str(body["id"])
        held = conn.execute(select(objects.c.pk).where(objects.c.stix_id == stix_id)).first()
        if held is not None:
            if self._readable(conn, principal, held.pk):
                raise Conflict(
                    f"{stix_id} exists; send a new version to /objects/{stix_id}",
                    field="object.id",
                    target=stix_id,
                )
            return self._as_if_new(conn, principal, body, label, origin, action)
        object_pk = conn.execute(
            insert(objects)
            .values(
                stix_id=stix_id,
                type=body["type"],
                origin=origin,
                created_at=clock.now_ts(),
            )
            .returning(objects.c.pk)
        ).scalar_one()
        made = self._insert_version(
            conn,
            object_pk=object_pk,
            stix_id=stix_id,
            origin=origin,
            number=1,
            previous_version=None,
            body=body,
            label=label,
            author=principal.name,
            stix_type=body["type"],
        )
        audit.append(
            conn,
            actor=principal.name,
            action=action,
            target=stix_id,
            detail={"type": body["type"], "version": 1, "label": made.label_text, **(detail or {})},
        )
        return made

    def _readable(self, conn: Connection, principal: Principal, object_pk: int) -> bool:
        return (
            conn.execute(
                select(access.c.object_pk).where(
                    access.c.object_pk == object_pk, current(), visible(principal, self.bits)
                )
            ).first()
            is not None
        )

    def _as_if_new(
        self,
        conn: Connection,
        principal: Principal,
        body: dict[str, Any],
        label: Label,
        origin: str,
        action: str,
    ) -> StoredObject:
        """The answer a creation would give, for an id held where the caller may not
        read: the same as if the id were free (issue 11, reproduction 4), while nothing
        the caller may read changes. The node's security officers learn of it from the
        audit entry; the caller's object is not stored."""
        body = self._marked(conn, body, label, None)
        stix_id = str(body["id"])
        audit.append(
            conn,
            actor=principal.name,
            action=f"{action}.hidden",
            target=stix_id,
            detail={"type": body["type"], "label": self.render(label)},
        )
        return StoredObject(
            id=stix_id,
            type=str(body["type"]),
            origin=origin,
            version=1,
            label=label,
            label_text=self.render(label),
            body=canonical_json(body),
            modified=str(body.get("modified", body.get("created", ""))),
            author=principal.name,
            recorded_at=clock.now_ts(),
        )

    def answer_in(
        self,
        conn: Connection,
        principal: Principal,
        obj: Any,
        *,
        answers: str,
        owner: OwnerKey | None = None,
    ) -> StoredObject:
        """An answer to an object the principal may read (a concurrence, a comment), in
        the caller's transaction.

        The answer is an object of the answerer's nation (its `origin`), so that only
        that nation's node ever makes new versions of it, and it carries exactly the
        label of the object it answers: releasable to who may read the question, never
        wider, so no release decision is taken. A partner user may answer on this node;
        every other write stays with the node's own nation. Which objects may be
        answered, and by whom, is the calling domain's rule.
        """
        if not principal.can(Permission.OBJECT_ANSWER):
            raise Refused(
                f"{principal.name} may not answer objects: "
                f"the role that grants {Permission.OBJECT_ANSWER} is missing",
                action=str(Permission.OBJECT_ANSWER),
                target=answers,
            )
        question = self._current_for_write(conn, principal, answers)
        if question is None:
            raise NotFound(f"no object {answers}", field="id")
        self.owners.admit("answer", obj, owner)
        body = prepare(obj, now=_stix_ts(clock.now()))
        self.owners.check(
            conn, Write("answer", principal, body, _label(question), principal.nation), owner
        )
        return self._insert_new(
            conn,
            principal,
            body,
            _label(question),
            principal.nation,
            "object.answer",
            {"answers": answers},
        )

    def create(
        self, principal: Principal, obj: Any, label: Label, *, owner: OwnerKey | None = None
    ) -> StoredObject:
        """A new object at `label`, version 1. A label naming other nations than this
        node's is a release decision; a label above the author's clearance is refused."""
        with self.transaction(principal) as conn:
            return self.create_in(conn, principal, obj, label, owner=owner)

    def accept_in(
        self,
        conn: Connection,
        *,
        body: dict[str, Any],
        label: Label,
        origin: str,
        author: str,
        version: int,
    ) -> StoredObject | None:
        """Store a version that another node made and this node's guard has judged:
        read-only here (only its origin makes new versions). The version keeps its
        origin's number (`version`, signed by the origin): the same number twice is
        stored once (None when it is already here), and a number below the highest one
        here (a version that arrives late) is kept without becoming current. Numbers
        may leave gaps: a version the peer may not read never comes."""
        stix_id = str(body["id"])
        if origin == self.node.nation:
            raise Refused(
                f"{stix_id} claims to come from this node", action="federation:accept",
                target=stix_id,
            )  # fmt: skip
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise Invalid(f"{version!r} is not a version number", field="version")
        body = prepare(body, now=_stix_ts(clock.now()))
        row = conn.execute(
            select(objects.c.pk, objects.c.origin, objects.c.type).where(
                objects.c.stix_id == stix_id
            )
        ).first()
        if row is not None and row.origin != origin:
            raise Refused(
                f"{stix_id} belongs to {row.origin}; {origin} may not version it",
                action="federation:accept",
                target=stix_id,
            )
        if row is not None and row.type != body["type"]:
            raise Invalid(f"{stix_id} is a {row.type}, not a {body['type']}", field="type")
        if row is None:
            object_pk = conn.execute(
                insert(objects)
                .values(stix_id=stix_id, type=body["type"], origin=origin,
                        created_at=clock.now_ts())
                .returning(objects.c.pk)
            ).scalar_one()  # fmt: skip
            before = before_label = previous = None
            latest = True
        else:
            object_pk = row.pk
            known = conn.execute(
                select(versions.c.number, versions.c.pk, *_LABEL_COLUMNS, versions.c.body)
                .where(versions.c.object_pk == object_pk)
                .order_by(versions.c.number)
            ).all()
            if any(v.number == version for v in known):
                return None
            below = [v for v in known if v.number < version]
            before = json.loads(below[-1].body) if below else None
            before_label = _label(below[-1]) if below else None
            latest = not known or version > known[-1].number
            previous = known[-1].pk if latest and known else None
        write = Write("accept", None, body, label, origin, before, before_label)
        self.owners.check(conn, write, None)
        made = self._insert_version(
            conn,
            object_pk=object_pk,
            stix_id=stix_id,
            origin=origin,
            number=version,
            previous_version=previous,
            body=body,
            label=label,
            author=author,
            stix_type=body["type"],
            replaces=before_label,
        )
        if not latest:
            conn.execute(update(access).where(access.c.version_pk == made.row_pk).values(current=0))
        return made

    def _owned_current(self, conn: Connection, principal: Principal, stix_id: str) -> Any:
        cur = self._current_for_write(conn, principal, stix_id)
        if cur is None:
            raise NotFound(f"no object {stix_id}", field="id")
        if cur.origin != self.node.nation:
            raise Refused(
                f"{stix_id} belongs to the node of {cur.origin}; only it makes new versions",
                action="store:object:version",
                target=stix_id,
            )
        return cur

    def revise(
        self, principal: Principal, stix_id: str, obj: Any, *, owner: OwnerKey | None = None
    ) -> StoredObject:
        """A new version of an object this node owns, at the same label."""
        with self.transaction(principal) as conn:
            return self.revise_in(conn, principal, stix_id, obj, owner=owner)

    def revise_in(
        self,
        conn: Connection,
        principal: Principal,
        stix_id: str,
        obj: Any,
        *,
        owner: OwnerKey | None = None,
    ) -> StoredObject:
        """`revise` inside the caller's transaction (for services that write several)."""
        rules.require(
            principal, Permission.OBJECT_WRITE, "change objects", self.node.nation, stix_id
        )
        cur = self._owned_current(conn, principal, stix_id)
        if not is_versioned(cur.type):
            raise Invalid(f"{cur.type} objects have no versions", field="object.type")
        previous = json.loads(cur.body)
        self.owners.admit("revise", obj, owner, previous)
        if not isinstance(obj, dict):
            raise Invalid("the object must be a JSON object", field="object")
        for key in ("id", "type", "created"):
            if key in obj and obj[key] != previous[key]:
                raise Invalid(f"a new version keeps the {key} of the object", field=f"object.{key}")
        merged = {**obj, "id": stix_id, "type": cur.type, "created": previous["created"]}
        merged.setdefault("modified", _later(cur.modified))
        body = prepare(merged, now=_stix_ts(clock.now()))
        if clock.parse_ts(body["modified"]) <= clock.parse_ts(cur.modified):
            raise Invalid(f"modified must be later than {cur.modified}", field="object.modified")
        write = Write("revise", principal, body, _label(cur), cur.origin, previous, _label(cur))
        self.owners.check(conn, write, owner)
        made = self._next_version(conn, cur, body, _label(cur), principal)
        audit.append(
            conn,
            actor=principal.name,
            action="object.revise",
            target=stix_id,
            detail={"version": cur.number + 1},
        )
        return made

    def _next_version(
        self, conn: Connection, cur: Any, body: dict[str, Any], label: Label, author: Principal
    ) -> StoredObject:
        """The version after `cur` (a current row read for writing)."""
        return self._insert_version(
            conn,
            object_pk=cur.pk,
            stix_id=cur.stix_id,
            origin=cur.origin,
            number=cur.number + 1,
            previous_version=cur.version_pk,
            body=body,
            label=label,
            author=author.name,
            stix_type=cur.type,
            replaces=_label(cur),
        )

    def release(
        self,
        principal: Principal,
        stix_id: str,
        label: Label,
        *,
        changes: dict[str, Any] | None = None,
        owner: OwnerKey | None = None,
    ) -> StoredObject:
        """A release decision: a new version of the object at a new label.

        Only a releasing officer of the originating nation may take it, within their
        own clearance, and the originating nation always stays released to.
        `changes` (top-level properties) go into the released version in the same
        transaction, for a release that also records its own outcome in the object.
        """
        with self.transaction(principal) as conn:
            return self.release_in(conn, principal, stix_id, label, changes=changes, owner=owner)

    def release_in(
        self,
        conn: Connection,
        principal: Principal,
        stix_id: str,
        label: Label,
        *,
        changes: dict[str, Any] | None = None,
        owner: OwnerKey | None = None,
    ) -> StoredObject:
        """`release` inside the caller's transaction (a release that follows from other
        writes of the same action, such as the last approval of a joint product)."""
        cur = self._owned_current(conn, principal, stix_id)
        rules.check_release(principal, self.node.nation, stix_id)
        rules.check_label(self.policy, principal, label, self.node.nation, stix_id)
        before = _label(cur)
        if label == before:
            raise Invalid(f"{stix_id} is already labelled {cur.label}", field="label")
        previous = json.loads(cur.body)
        body = dict(previous)
        if changes:
            if {"id", "type", "created"} & set(changes):
                raise Invalid("a release keeps the id, type and created", field="object")
            body = prepare({**body, **changes}, now=_stix_ts(clock.now()))
        if is_versioned(cur.type):
            body["modified"] = _later(cur.modified)
        write = Write("release", principal, body, label, cur.origin, previous, before)
        self.owners.check(conn, write, owner)
        made = self._next_version(conn, cur, body, label, principal)
        audit.append(
            conn,
            actor=principal.name,
            action="object.release",
            target=stix_id,
            detail={
                "from": cur.label,
                "to": self.render(label),
                "version": cur.number + 1,
            },
        )
        if _narrows(before, label):
            self._recall_in(conn, principal, made, before)
        return made

    def _recall_in(
        self, conn: Connection, principal: Principal, made: StoredObject, before: Label
    ) -> StoredObject:
        """A release that narrowed `made` (someone who could read the version before it
        cannot read it) recalls the earlier versions: a recall object at the label
        before, so that exactly who could read them receives it, written after the
        narrowed version (a peer that may read the new version has it by then, and keeps
        what it holds). Peers apply it on arrival (`federation/recall.py`)."""
        now = _stix_ts(clock.now())
        recall = {
            "type": RECALL,
            "spec_version": "2.1",
            "id": f"{RECALL}--{uuid.uuid5(NAMESPACE, f'recall/{made.id}/{made.version}')}",
            "created": now,
            "modified": now,
            "object_ref": made.id,
            "version": made.version,
            "extensions": {extension_id("recall"): {"extension_type": "new-sdo"}},
        }
        detail = {"recalls": made.id, "before_version": made.version}
        body = prepare(recall, now=now)
        return self._insert_new(conn, principal, body, before, self.node.nation,
                                "object.recall", detail)  # fmt: skip
