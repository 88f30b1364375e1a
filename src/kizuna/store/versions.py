"""How the store writes a version: the transaction of one action (a refusal rolled back,
then audited), the label's marking inside the body (and no marking wider than the label),
the version and its access rows, and a new object over an id the writer may not see.

`Store` (objects.py) builds its write actions on these; nothing else calls them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, insert, select

from kizuna import audit, clock
from kizuna.db import Database
from kizuna.db.schema import access, objects, versions
from kizuna.errors import Conflict, Disallowed, Invalid, Refused, Stale, Unseen
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, Policy, dominates, render
from kizuna.stix.markings import TLP, marking_for, marking_id, tlp_label
from kizuna.stix.validate import canonical_json, is_versioned, prepare
from kizuna.store import observables, rules, statements
from kizuna.store.access import CompartmentBits, current, visible
from kizuna.store.nodes import NodeRow
from kizuna.store.owners import OwnerKey, Owners, Write
from kizuna.store.rows import StoredObject, label_of_row, stix_ts

__all__ = ["VersionWriter"]


class VersionWriter:
    """The part of `Store` that writes versions (see objects.py for the actions)."""

    db: Database
    policy: Policy
    node: NodeRow
    bits: CompartmentBits
    owners: Owners

    @contextmanager
    def transaction(self, principal: Principal) -> Iterator[Connection]:
        """A write transaction for one action; a refusal is rolled back, then audited."""
        try:
            with self.db.write() as conn:
                audit.lock(conn)
                yield conn
        except (Refused, Stale) as exc:
            with self.db.write() as conn:
                audit.append(
                    conn,
                    actor=principal.name,
                    action="refused",
                    target=exc.target,
                    detail={
                        "action": exc.action,
                        "reason": str(exc),
                        **({"label": exc.label} if exc.label else {}),
                    },
                )
            raise
        except Unseen as exc:
            with self.db.write() as conn:
                audit.append(
                    conn,
                    actor=principal.name,
                    action="object.write.denied",
                    target=exc.target,
                    detail={"action": exc.action},
                )
            raise

    def render(self, label: Label) -> str:
        return render(self.policy, label, "en")

    def _current_for_write(self, conn: Connection, principal: Principal, stix_id: str) -> Any:
        return conn.execute(
            statements.CURRENT_FOR_WRITE, statements.params(principal, self.bits, stix_id)
        ).first()

    def _owned_current(
        self, conn: Connection, principal: Principal, stix_id: str, *, action: str
    ) -> Any:
        cur = self._current_for_write(conn, principal, stix_id)
        if cur is None:
            raise Unseen(f"no object {stix_id}", field="id", action=action, target=stix_id)
        if cur.origin != self.node.nation:
            raise Refused(
                f"{stix_id} belongs to the node of {cur.origin}; only it makes new versions",
                action="store:object:version",
                target=stix_id,
            )
        return cur

    def _marked(
        self,
        conn: Connection,
        body: dict[str, Any],
        label: Label,
        replaces: Label | None,
        *,
        ensure: bool = True,
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
        # A part of the object marked otherwise would be served with the object to
        # everyone its label lets read it: a part takes the object's label or a TLP
        # marking the label dominates, nothing else (a language marking names no ref).
        for ref in _granular_refs(body):
            if ref not in dropped:
                self._check_marking(conn, ref, label, str(body.get("id", "")),
                                    field="object.granular_markings")  # fmt: skip
        if ensure:
            self._ensure_marking(conn, label)
        return {**body, "object_marking_refs": [mine, *refs]}

    def _check_marking(
        self,
        conn: Connection,
        ref: str,
        label: Label,
        target: str,
        *,
        field: str = "object.object_marking_refs",
    ) -> None:
        if ref in TLP:
            allowed = tlp_label(self.policy, TLP[ref], nation=self.node.nation)
            if dominates(allowed, label):
                return
            reason = f"TLP:{TLP[ref].upper()} would let more readers share it than its label"
        elif conn.execute(statements.HELD, {"stix_id": ref}).first():
            reason = f"{ref} is the marking of another label; an object carries its own only"
        else:
            raise Invalid(f"unknown marking {ref}", field=field)
        raise Disallowed(
            f"{reason} ({self.render(label)}): widening is a release decision",
            field=field,
            action="store:object:marking",
            target=target or None,
        )

    def _ensure_marking(self, conn: Connection, label: Label) -> None:
        """Every label in use has its marking-definition object, readable by exactly
        those who may read the label."""
        mid = marking_id(self.policy, label)
        if conn.execute(statements.HELD, {"stix_id": mid}).first():
            return
        object_pk = conn.execute(
            statements.NEW_OBJECT,
            {
                "stix_id": mid,
                "type": "marking-definition",
                "origin": self.node.nation,
                "created_at": clock.now_ts(),
            },
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
        made = self._stored(stix_id, stix_type, origin, number, body, label, author)
        version_pk = conn.execute(
            statements.NEW_VERSION, self._version_row(object_pk, made)
        ).scalar_one()
        if previous_version is not None:
            # By primary key: the previous version's rows are the object's current ones.
            conn.execute(statements.NOT_CURRENT, {"previous": previous_version})
        conn.execute(statements.NEW_ACCESS, self._access_rows(version_pk, object_pk, made))
        return replace(made, row_pk=version_pk)

    def _insert_first_versions(
        self,
        conn: Connection,
        new: list[tuple[dict[str, Any], Label]],
        origin: str,
        author: str,
        numbers: list[int] | None = None,
    ) -> list[StoredObject]:
        """The first version here of several new objects (already checked and marked)
        in three statements: their object rows, their version rows, and their access
        rows. `numbers`: the versions' numbers (their origin's, for arrivals), 1 each
        when left out."""
        if not new:
            return []
        numbers = numbers or [1] * len(new)
        now = clock.now_ts()
        # RETURNING in no particular order, matched on a key: SQLite writes a page of
        # rows in a few statements this way, where asking for the parameters' order
        # makes SQLAlchemy send one INSERT a row.
        object_pk_of: dict[str, int] = dict(
            conn.execute(
                insert(objects).returning(objects.c.stix_id, objects.c.pk),
                [
                    {"stix_id": b["id"], "type": b["type"], "origin": origin, "created_at": now}
                    for b, _ in new
                ],
            ).all()
        )
        object_pks = [object_pk_of[str(b["id"])] for b, _ in new]
        made = [
            self._stored(str(b["id"]), str(b["type"]), origin, number, b, label, author)
            for (b, label), number in zip(new, numbers, strict=True)
        ]
        version_pk_of: dict[int, int] = dict(
            conn.execute(
                insert(versions).returning(versions.c.object_pk, versions.c.pk),
                [self._version_row(pk, m) for pk, m in zip(object_pks, made, strict=True)],
            ).all()
        )
        version_pks = [version_pk_of[pk] for pk in object_pks]
        conn.execute(
            insert(access),
            [
                row
                for vpk, opk, m in zip(version_pks, object_pks, made, strict=True)
                for row in self._access_rows(vpk, opk, m)
            ],
        )
        return [replace(m, row_pk=vpk) for m, vpk in zip(made, version_pks, strict=True)]

    def _stored(
        self,
        stix_id: str,
        stix_type: str,
        origin: str,
        number: int,
        body: dict[str, Any],
        label: Label,
        author: str,
    ) -> StoredObject:
        return StoredObject(
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

    @staticmethod
    def _version_row(object_pk: int, made: StoredObject) -> dict[str, Any]:
        label = made.label
        return {
            "object_pk": object_pk,
            "number": made.version,
            "modified": made.modified,
            "label": made.label_text,
            "rank": label.rank,
            "rel_to": ",".join(sorted(label.rel_to)),
            "compartments": "/".join(sorted(label.compartments)),
            "body": made.body,
            "author": made.author,
            "recorded_at": made.recorded_at,
        }

    def _access_rows(
        self, version_pk: int, object_pk: int, made: StoredObject
    ) -> list[dict[str, Any]]:
        """One row per nation the version is released to: the rows reads join on."""
        mask = self.bits.mask(made.label.compartments)
        return [
            {
                "version_pk": version_pk,
                "nation": nation,
                "object_pk": object_pk,
                "type": made.type,
                "rank": made.label.rank,
                "comp_mask": mask,
                "current": 1,
            }
            for nation in sorted(made.label.rel_to)
        ]

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
            replaces=label_of_row(cur),
        )

    def _checked_new(
        self, conn: Connection, principal: Principal, obj: Any, label: Label,
        owner: OwnerKey | None, *, built: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """The body a creation would store, once every rule of a creation has passed."""
        self.owners.admit("create", obj, owner)
        body = prepare(obj, now=stix_ts(clock.now()), built=built)
        if not is_versioned(body["type"]):
            # Observables: content-derived ids scoped by label (see `observables`).
            floor = observables.floor(self.policy.lowest.rank, self.node.nation)
            body["id"] = observables.scoped_id(
                body, label, secret=self.node.secret, floor_label=floor
            )
        stix_id = str(body["id"])
        rules.check_creator(principal, body, Permission.OBJECT_WRITE)
        rules.check_label(self.policy, principal, label, self.node.nation, stix_id)
        if label.rel_to != {self.node.nation}:
            rules.check_release(principal, self.node.nation, stix_id)
        self.owners.check(conn, Write("create", principal, body, label, self.node.nation), owner)
        return body

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
        held = conn.execute(statements.HELD, {"stix_id": stix_id}).first()
        if held is not None:
            if self._readable(conn, principal, held.pk):
                raise Conflict(
                    f"{stix_id} exists; send a new version to /objects/{stix_id}",
                    field="object.id",
                    target=stix_id,
                )
            return self._as_if_new(conn, principal, body, label, origin, action)
        object_pk = conn.execute(
            statements.NEW_OBJECT,
            {
                "stix_id": stix_id,
                "type": body["type"],
                "origin": origin,
                "created_at": clock.now_ts(),
            },
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


def _granular_refs(body: dict[str, Any]) -> list[str]:
    """The marking refs of an object's granular markings."""
    granular = body.get("granular_markings") or []
    if not isinstance(granular, list) or not all(isinstance(g, dict) for g in granular):
        raise Invalid("granular_markings is a list of markings", field="object.granular_markings")
    return [str(g["marking_ref"]) for g in granular if "marking_ref" in g]
