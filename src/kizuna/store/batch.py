"""Writes that come many at a time: creations in batches, and the versions other nodes
made (one, or a page of them). In a batch each object is judged on its own by every rule
of the single write, and the accepted ones are written together in a few statements.

`Store` (objects.py) offers these beside its own writes; they share the checks and row
writers of versions.py.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from kizuna import audit, clock
from kizuna.db.schema import objects, versions
from kizuna.errors import Conflict, Invalid, Refused, StoreError
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label
from kizuna.stix.validate import prepare
from kizuna.store import rules, statements
from kizuna.store.owners import OwnerKey, Write
from kizuna.store.rows import LABEL_COLUMNS, Batch, StoredObject, label_of_row, stix_ts
from kizuna.store.versions import VersionWriter

__all__ = ["Arrival", "BatchWriter"]


@dataclass(frozen=True)
class Arrival:
    """A version another node made, judged by this node's guard: what `accept_in` takes."""

    body: dict[str, Any]
    label: Label
    version: int


def _id_of(obj: Any) -> str | None:
    value = obj.get("id") if isinstance(obj, dict) else None
    return value[:128] if isinstance(value, str) else None


class BatchWriter(VersionWriter):
    """The part of `Store` that writes in batches."""

    def create_many_in(
        self,
        conn: Connection,
        principal: Principal,
        items: Sequence[tuple[Any, Label]],
        *,
        owner: OwnerKey | None = None,
        built: bool = False,
    ) -> Batch:
        """Create several objects in the caller's transaction, each judged on its own by
        every rule of `create_in`, and the accepted ones written together: a few
        statements for the whole batch, and its audit entries chained in one insert.

        A refused object refuses only itself: it is left out, with its error in
        `Batch.refused`, and the others are stored. A refusal by a security rule
        (`Refused`) gets an audit entry of its own, as a single write's does. An
        owner whose rules read the store sees every object of the batch before the one
        it judges.

        `built` (only with an `owner` key): the owner's service built every body from
        its model, so their STIX parse is skipped (see `prepare`); every other rule
        still runs."""
        if built and owner is None:
            raise ValueError("only an owner's service writes objects it built")
        rules.require(principal, Permission.OBJECT_WRITE, "create objects", self.node.nation)
        batch = Batch()
        pending: list[tuple[int, dict[str, Any], Label]] = []
        seen: set[str] = set()
        for index, (obj, label) in enumerate(items):
            try:
                if self.owners.has_rules(obj) and pending:
                    self._write_new(conn, principal, pending, batch)
                    pending = []
                body = self._checked_new(conn, principal, obj, label, owner, built=built)
                if body["id"] in seen:
                    raise Conflict(
                        f"{body['id']} comes twice in one batch",
                        field="object.id",
                        target=str(body["id"]),
                    )
                seen.add(str(body["id"]))
                pending.append((index, body, label))
            except StoreError as exc:
                batch.refused.append((index, exc))
        self._write_new(conn, principal, pending, batch)
        audit.append_many(
            conn,
            [
                audit.Item(
                    principal.name,
                    "refused",
                    exc.target or _id_of(items[index][0]),
                    {
                        "action": exc.action,
                        "reason": str(exc),
                        "batch_index": index,
                        **({"label": exc.label} if exc.label else {}),
                    },
                )
                for index, exc in sorted(batch.refused, key=lambda pair: pair[0])
                if isinstance(exc, Refused)
            ],
        )
        return batch

    def _write_new(
        self,
        conn: Connection,
        principal: Principal,
        pending: list[tuple[int, dict[str, Any], Label]],
        batch: Batch,
    ) -> None:
        """Write checked bodies as version 1: ids already held take the single path
        (a conflict, or the answer of a creation whose id is hidden), the rest together."""
        held = self._held(conn, {str(body["id"]) for _, body, _ in pending})
        fresh: list[tuple[dict[str, Any], Label]] = []
        order: list[int] = []
        for index, body, label in pending:
            if body["id"] in held:
                try:
                    with conn.begin_nested():
                        one = self._insert_new(
                            conn, principal, body, label, self.node.nation, "object.create"
                        )
                    batch.add(index, one)
                except StoreError as exc:
                    batch.refused.append((index, exc))
                continue
            try:
                fresh.append((self._marked(conn, body, label, None, ensure=False), label))
                order.append(index)
            except StoreError as exc:
                batch.refused.append((index, exc))
        for label in {label for _, label in fresh}:
            self._ensure_marking(conn, label)
        made = self._insert_first_versions(conn, fresh, self.node.nation, principal.name)
        audit.append_many(
            conn,
            [
                audit.Item(
                    principal.name,
                    "object.create",
                    m.id,
                    {"type": m.type, "version": 1, "label": m.label_text},
                )
                for m in made
            ],
        )
        for index, one in zip(order, made, strict=True):
            batch.add(index, one)

    @staticmethod
    def _held(conn: Connection, ids: set[str]) -> set[str]:
        held: set[str] = set()
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            held.update(
                conn.execute(
                    select(objects.c.stix_id).where(objects.c.stix_id.in_(chunk))
                ).scalars()
            )
        return held

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
        body = prepare(body, now=stix_ts(clock.now()))
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
                statements.NEW_OBJECT,
                {"stix_id": stix_id, "type": body["type"], "origin": origin,
                 "created_at": clock.now_ts()},
            ).scalar_one()  # fmt: skip
            before = before_label = previous = None
            latest = True
        else:
            object_pk = row.pk
            known = conn.execute(
                select(versions.c.number, versions.c.pk, *LABEL_COLUMNS, versions.c.body)
                .where(versions.c.object_pk == object_pk)
                .order_by(versions.c.number)
            ).all()
            if any(v.number == version for v in known):
                return None
            below = [v for v in known if v.number < version]
            before = json.loads(below[-1].body) if below else None
            before_label = label_of_row(below[-1]) if below else None
            latest = not known or version > known[-1].number
            previous = known[-1].pk if latest and known else None
        rules.check_not_revoked(before, body, relabelled=before_label != label)
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
            conn.execute(statements.NOT_CURRENT, {"previous": made.row_pk})
        return made

    def accept_many_in(
        self, conn: Connection, arrivals: Sequence[Arrival], *, origin: str, author: str
    ) -> list[StoredObject | Exception | None]:
        """`accept_in` for a page of arrivals, an outcome for each in order: the stored
        version, None for a version already here, or what refused it.

        Objects new here, once in the page, are judged one by one and written together;
        the others (new versions of objects held here, several versions in one page)
        take `accept_in` in order, each in a savepoint of its own. Should the writing
        together fail (a row the database refuses), each of them takes that path too:
        a bad object refuses only itself."""
        if origin == self.node.nation:
            raise Refused(
                f"a page claims to come from this node ({origin})", action="federation:accept"
            )
        outcomes: list[StoredObject | Exception | None] = [None] * len(arrivals)
        ids = [str(a.body.get("id", "")) for a in arrivals]
        times = Counter(ids)
        held = self._held(conn, set(ids))
        single = [i for i, stix_id in enumerate(ids) if stix_id in held or times[stix_id] > 1]
        fresh: list[tuple[dict[str, Any], Label]] = []
        numbers: list[int] = []
        order: list[int] = []
        alone = set(single)
        for index, arrival in enumerate(arrivals):
            if index in alone:
                continue
            try:
                version = arrival.version
                if isinstance(version, bool) or not isinstance(version, int) or version < 1:
                    raise Invalid(f"{version!r} is not a version number", field="version")
                body = prepare(arrival.body, now=stix_ts(clock.now()))
                write = Write("accept", None, body, arrival.label, origin)
                self.owners.check(conn, write, None)
                fresh.append((self._marked(conn, body, arrival.label, None, ensure=False),
                              arrival.label))  # fmt: skip
                numbers.append(version)
                order.append(index)
            except Exception as exc:  # whatever fails refuses this object only
                outcomes[index] = exc
        try:
            with conn.begin_nested():
                for label in {label for _, label in fresh}:
                    self._ensure_marking(conn, label)
                made = self._insert_first_versions(conn, fresh, origin, author, numbers)
            for index, one in zip(order, made, strict=True):
                outcomes[index] = one
        except Exception:
            single = sorted(single + order)
        for index in single:
            arrival = arrivals[index]
            try:
                with conn.begin_nested():
                    outcomes[index] = self.accept_in(
                        conn,
                        body=arrival.body,
                        label=arrival.label,
                        origin=origin,
                        author=author,
                        version=arrival.version,
                    )
            except Exception as exc:
                outcomes[index] = exc
        return outcomes
