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
from typing import Any

from sqlalchemy import Connection, case, delete, select, update

from kizuna import audit, clock
from kizuna.db import Database
from kizuna.db.schema import access, objects, versions
from kizuna.errors import Invalid, NotFound, Refused, Unseen
from kizuna.identity.principal import Permission, Principal, roles_needed
from kizuna.labels import Label, Policy, lub
from kizuna.stix.validate import is_versioned, prepare
from kizuna.store import cursor, followers, parts, rules, statements
from kizuna.store.access import CompartmentBits, current, visible
from kizuna.store.batch import Arrival, BatchWriter
from kizuna.store.nodes import NodeRow, load_node
from kizuna.store.owners import OwnerKey, Owners, Write
from kizuna.store.recalls import recall_body
from kizuna.store.rows import (
    COLUMNS,
    MAX_LIMIT,
    Batch,
    Page,
    StoredObject,
    label_of_row,
    later_than,
    narrows,
    stix_ts,
    stored_from_row,
)

__all__ = [
    "COLUMNS",
    "MAX_LIMIT",
    "Arrival",
    "Batch",
    "Page",
    "Store",
    "StoredObject",
    "stored_from_row",
]


class Store(BatchWriter):
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

    def require(
        self, principal: Principal, permission: Permission, what: str, target: str | None = None,
        *, label: Label | None = None,
    ) -> None:  # fmt: skip
        """Refuse one who may not `what` on this node before any form is shown or read,
        audited as every refusal is (`rules.may` is the same rule as a question). With
        `label`, one who may not write at it too (`rules.author_refusal`)."""
        refused = rules.author_refusal(self.policy, principal, self.node.nation, label,
                                       permission=permission, what=what, target=target)  # fmt: skip
        if refused is not None:
            with self.transaction(principal):
                raise refused

    def get(self, principal: Principal, stix_id: str) -> StoredObject:
        """The current version, or NotFound when missing or not visible."""
        with self.db.read() as conn:
            row = conn.execute(
                statements.CURRENT, statements.params(principal, self.bits, stix_id)
            ).first()
            if row is not None:
                return stored_from_row(row)
            exists = conn.execute(statements.HELD, {"stix_id": stix_id}).first()
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
        return Page([stored_from_row(row) for row in rows], token)

    def history(self, principal: Principal, stix_id: str) -> builtins.list[StoredObject]:
        """Every version the principal may see, oldest first: by its own label and,
        after a release that narrowed the object, by the narrowed label too."""
        with self.db.read() as conn:
            rows = conn.execute(
                statements.HISTORY, statements.params(principal, self.bits, stix_id)
            ).all()
        if not rows:
            raise NotFound(f"no object {stix_id}", field="id")
        return [stored_from_row(row) for row in rows]

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
        body = self._checked_new(conn, principal, obj, label, owner)
        return self._insert_new(conn, principal, body, label, self.node.nation, "object.create")

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
                f"it needs {roles_needed(Permission.OBJECT_ANSWER)}",
                action=str(Permission.OBJECT_ANSWER),
                target=answers,
            )
        question = self._current_for_write(conn, principal, answers)
        if question is None:
            raise Unseen(
                f"no object {answers}", field="id", action=Permission.OBJECT_ANSWER, target=answers
            )
        self.owners.admit("answer", obj, owner)
        body = prepare(obj, now=stix_ts(clock.now()))
        rules.check_creator(principal, body, Permission.OBJECT_ANSWER)
        self.owners.check(
            conn, Write("answer", principal, body, label_of_row(question), principal.nation), owner
        )
        return self._insert_new(
            conn,
            principal,
            body,
            label_of_row(question),
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

    def revise(
        self,
        principal: Principal,
        stix_id: str,
        obj: Any,
        *,
        owner: OwnerKey | None = None,
        version: int | None = None,
    ) -> StoredObject:
        """A new version of an object this node owns, at the same label; `version`, the
        one its author read, must still be current (`Stale` otherwise)."""
        with self.transaction(principal) as conn:
            return self.revise_in(conn, principal, stix_id, obj, owner=owner, version=version)

    def revise_in(
        self,
        conn: Connection,
        principal: Principal,
        stix_id: str,
        obj: Any,
        *,
        owner: OwnerKey | None = None,
        version: int | None = None,
    ) -> StoredObject:
        """`revise` inside the caller's transaction (for services that write several)."""
        rules.require(
            principal, Permission.OBJECT_WRITE, "change objects", self.node.nation, stix_id
        )
        cur = self._owned_current(conn, principal, stix_id, action=Permission.OBJECT_WRITE)
        rules.check_version(cur.number, version, stix_id, "revise")
        previous = json.loads(cur.body)
        # The owner of a type refuses a write that does not come through it first (an
        # audited refusal that names the way to write it), whatever else is wrong.
        self.owners.admit("revise", obj, owner, previous)
        if not is_versioned(cur.type):
            raise Invalid(f"{cur.type} objects have no versions", field="object.type")
        if not isinstance(obj, dict):
            raise Invalid("the object must be a JSON object", field="object")
        for key in ("id", "type", "created"):
            if key in obj and obj[key] != previous[key]:
                raise Invalid(f"a new version keeps the {key} of the object", field=f"object.{key}")
        merged = {**obj, "id": stix_id, "type": cur.type, "created": previous["created"]}
        # The version just read, sent back changed: its `modified` is the node's to
        # fill in, as when none is sent.
        if merged.get("modified") in (None, cur.modified):
            merged["modified"] = later_than(cur.modified)
        body = prepare(merged, now=stix_ts(clock.now()))
        rules.check_creator(principal, body, Permission.OBJECT_WRITE)
        rules.check_not_revoked(previous, body, relabelled=False)
        if clock.parse_ts(body["modified"]) <= clock.parse_ts(cur.modified):
            raise Invalid(
                f"modified must be later than {cur.modified}, the version held: the object "
                "changed since the version sent was read; read it again",
                field="object.modified",
            )
        write = Write(
            "revise", principal, body, label_of_row(cur), cur.origin, previous, label_of_row(cur)
        )
        self.owners.check(conn, write, owner)
        made = self._next_version(conn, cur, body, label_of_row(cur), principal)
        audit.append(
            conn,
            actor=principal.name,
            action="object.revise",
            target=stix_id,
            detail={"version": cur.number + 1},
        )
        return made

    def release(
        self,
        principal: Principal,
        stix_id: str,
        label: Label,
        *,
        changes: dict[str, Any] | None = None,
        owner: OwnerKey | None = None,
        version: int | None = None,
    ) -> StoredObject:
        """A release decision: a new version of the object at a new label.

        Only a releasing officer of the originating nation may take it, within their
        own clearance, and the originating nation always stays released to.
        `changes` (top-level properties) go into the released version in the same
        transaction, for a release that also records its own outcome in the object;
        `version`, the one the officer reviewed, must still be current (`Stale`)."""
        with self.transaction(principal) as conn:
            return self.release_in(
                conn, principal, stix_id, label, changes=changes, owner=owner, version=version
            )

    def release_in(
        self,
        conn: Connection,
        principal: Principal,
        stix_id: str,
        label: Label,
        *,
        changes: dict[str, Any] | None = None,
        owner: OwnerKey | None = None,
        follows: str | None = None,
        version: int | None = None,
    ) -> StoredObject:
        """`release` inside the caller's transaction (a release that follows from other
        writes of the same action, such as the last approval of a joint product).
        `follows` names the object whose narrowing this release follows (the audit
        says so)."""
        cur = self._owned_current(conn, principal, stix_id, action=Permission.OBJECT_RELEASE)
        rules.check_release(principal, self.node.nation, stix_id)
        rules.check_version(cur.number, version, stix_id, "release")
        rules.check_label(self.policy, principal, label, self.node.nation, stix_id)
        before = label_of_row(cur)
        if label == before:
            raise Invalid(f"{stix_id} is already labelled {cur.label}", field="label")
        previous = json.loads(cur.body)
        body = dict(previous)
        if changes:
            if {"id", "type", "created"} & set(changes):
                raise Invalid("a release keeps the id, type and created", field="object")
            body = prepare({**body, **changes}, now=stix_ts(clock.now()))
        if is_versioned(cur.type):
            body["modified"] = later_than(cur.modified)
        rules.check_not_revoked(previous, body, relabelled=True)
        write = Write("release", principal, body, label, cur.origin, previous, before, follows)
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
                **({"follows": follows} if follows else {}),
            },
        )
        parts.carry(self, conn, made.id, before, label)
        if narrows(before, label):
            self._narrow_earlier(conn, made, label)
            self._recall_in(conn, principal, made, before)
            self._narrow_followers(conn, made.id, label)
            self.owners.narrowed(conn, made.id, label)
        return made

    def narrowed_by_peer(self, conn: Connection, stix_id: str, number: int) -> None:
        """A peer narrowed its object `stix_id` at version `number`, which this node
        holds: here too the earlier versions are read only by whoever may read that one,
        and this node's followers of the object go where it goes (as `release_in` does
        on the peer's own node)."""
        row = conn.execute(
            select(versions.c.rank, versions.c.rel_to, versions.c.compartments)
            .join(objects, objects.c.pk == versions.c.object_pk)
            .where(objects.c.stix_id == stix_id, versions.c.number == number)
        ).one()
        label = label_of_row(row)
        self._bound_access(conn, stix_id, label, below=number)
        self._narrow_followers(conn, stix_id, label)
        self.owners.narrowed(conn, stix_id, label)

    def hide_followers(self, conn: Connection, stix_id: str) -> builtins.list[str]:
        """Hide what this node holds about `stix_id`, recalled past it (followers.py)."""
        system = Principal.system(nation=self.node.nation, policy=self.policy)
        return followers.hide(conn, self.owners, stix_id, actor=system.name)

    def _narrow_earlier(self, conn: Connection, made: StoredObject, label: Label) -> None:
        """After a narrowing, the earlier versions are read only by whoever may read the
        narrowed one too: the recall has the peers hide them, and this node no longer
        shows or serves them to anyone the new label leaves out (a peer's TAXII client
        asking for every version included). Their access rows take the new label's
        bounds; the versions and their labels stay as they were written."""
        self._bound_access(conn, made.id, label, below=made.version)

    def _bound_access(
        self, conn: Connection, stix_id: str, label: Label, below: int | None = None
    ) -> None:
        """Bound who reads the versions of `stix_id` (those numbered below `below`, or
        all) on this node by `label`: their access rows take its nations, level and
        compartments; the versions and their labels stay as they were written."""
        object_pk = select(objects.c.pk).where(objects.c.stix_id == stix_id).scalar_subquery()
        earlier = select(versions.c.pk).where(versions.c.object_pk == object_pk)
        if below is not None:
            earlier = earlier.where(versions.c.number < below)
        conn.execute(
            delete(access).where(
                access.c.version_pk.in_(earlier), access.c.nation.not_in(sorted(label.rel_to))
            )
        )
        conn.execute(
            update(access)
            .where(access.c.version_pk.in_(earlier))
            .values(
                rank=case((access.c.rank < label.rank, label.rank), else_=access.c.rank),
                comp_mask=access.c.comp_mask.op("|")(self.bits.mask(label.compartments)),
            )
        )

    def _narrow_followers(self, conn: Connection, stix_id: str, label: Label) -> None:
        """The objects of this node that point at a narrowed object and that its new
        label does not dominate are narrowed with it, each to the least upper bound of
        its label and the new one: a file attached to a report goes where the report
        goes. The node releases them itself, since the officer who narrowed the object
        may not read them all, and is told nothing of them. A partner's follower is the
        partner node's to version: here, who reads it on any path is bounded the same
        way (its access rows), and a later version of it arrives only at a label that
        dominates the object's (its owner's rule).
        """
        system = Principal.system(nation=self.node.nation, policy=self.policy)
        for follower, key in self.owners.followers(conn, stix_id):
            cur = self._current_for_write(conn, system, follower)
            if cur is None:
                continue
            held = label_of_row(cur)
            joined = lub([held, label])
            if joined is None or joined == held:
                continue
            if cur.origin == self.node.nation:
                self.release_in(conn, system, follower, joined, owner=key, follows=stix_id)
                continue
            self._bound_access(conn, follower, joined)
            audit.append(
                conn,
                actor=system.name,
                action="object.bounded",
                target=follower,
                detail={"follows": stix_id, "to": self.render(joined), "origin": cur.origin},
            )

    def _recall_in(
        self, conn: Connection, principal: Principal, made: StoredObject, before: Label
    ) -> StoredObject:
        """A release that narrowed `made` (someone who could read the version before it
        cannot read it) recalls the earlier versions: a recall object at the label
        before, so that exactly who could read them receives it, written after the
        narrowed version (a peer that may read the new version has it by then, and keeps
        what it holds). Peers apply it on arrival (`federation/recall.py`)."""
        now = stix_ts(clock.now())
        recall = recall_body(made.id, made.version, now)
        detail = {"recalls": made.id, "before_version": made.version}
        body = prepare(recall, now=now)
        return self._insert_new(conn, principal, body, before, self.node.nation,
                                "object.recall", detail)  # fmt: skip
