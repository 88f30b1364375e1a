"""The visibility condition: `labels.can_read` as one SQL expression.

A version is visible to a principal when its `access` row for the principal's
nation exists, its rank is at most the principal's, and it has no compartment bit
the principal does not hold. Compartments get stable bits in `compartment_bits`
the first time the node sees them, so a policy may add compartments later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    ScalarSelect,
    Table,
    and_,
    bindparam,
    insert,
    literal_column,
    select,
)

from kizuna.db.schema import access, compartment_bits, objects, versions
from kizuna.errors import Recalled
from kizuna.identity.principal import Principal
from kizuna.labels import Label, Policy
from kizuna.store.owners import Write
from kizuna.store.rows import label_of_row

__all__ = [
    "MAX_COMPARTMENTS",
    "CompartmentBits",
    "current",
    "earliest_readable",
    "held_label",
    "hidden_here",
    "refuse_if_hidden",
    "visibility_params",
    "visible",
    "visible_bound",
]

# Bits of a signed 64-bit integer, the widest both databases index natively.
MAX_COMPARTMENTS = 63
_ALL = (1 << MAX_COMPARTMENTS) - 1


class CompartmentBits:
    """Compartment code <-> bit, persisted so bits never move."""

    def __init__(self, bits: dict[str, int]) -> None:
        self._bits = dict(bits)

    @classmethod
    def sync(cls, conn: Connection, policy: Policy) -> CompartmentBits:
        """Give every compartment of the policy a bit (in the caller's transaction)."""
        known = {row.code: row.bit for row in conn.execute(select(compartment_bits))}
        for code in policy.compartments:
            if code in known:
                continue
            bit = max(known.values(), default=-1) + 1
            if bit >= MAX_COMPARTMENTS:
                raise ValueError(f"more than {MAX_COMPARTMENTS} compartments are not supported")
            conn.execute(insert(compartment_bits).values(code=code, bit=bit))
            known[code] = bit
        return cls(known)

    def mask(self, codes: Iterable[str]) -> int:
        mask = 0
        for code in codes:
            mask |= 1 << self._bits[code]
        return mask

    def not_held(self, codes: Iterable[str]) -> int:
        """Every bit the holder lacks, known compartments or not: fail closed."""
        held = 0
        for code in codes:
            if code in self._bits:
                held |= 1 << self._bits[code]
        return _ALL & ~held


def current(table: Table = access) -> ColumnElement[bool]:
    # A literal, not a bound parameter: the partial listing indexes are declared
    # WHERE current = 1, and SQLite uses them only when the query says exactly that.
    return table.c.current == literal_column("1")


def held_label(conn: Connection, stix_id: str, stix_type: str | None = None) -> Label | None:
    """The label of the current version of an object the node holds, None when it holds
    none (of `stix_type`, when given). For an owner's rules, which judge a write against
    the objects it names whoever wrote it: never for showing a principal anything."""
    query = (
        select(versions.c.rank, versions.c.rel_to, versions.c.compartments)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(objects.c.stix_id == stix_id)
        .limit(1)
    )
    if stix_type is not None:
        query = query.where(objects.c.type == stix_type)
    row = conn.execute(query).first()
    return None if row is None else label_of_row(row)


def hidden_here(conn: Connection, stix_id: str) -> bool:
    """Whether the node holds the object but nobody here reads any version of it: a
    recall took it (or what it follows) from this node's readers (federation/recall.py).
    For an owner's rules: what arrives about such an object would show its readers
    what the recall hid, so it is refused."""
    row = conn.execute(select(objects.c.pk).where(objects.c.stix_id == stix_id)).first()
    if row is None:
        return False
    # By version key: the access table's own key leads with it (no index leads with
    # the object), and versions are indexed by their object.
    held = select(versions.c.pk).where(versions.c.object_pk == row.pk)
    readable = conn.execute(select(access.c.nation).where(access.c.version_pk.in_(held)).limit(1))
    return readable.first() is None


def refuse_if_hidden(conn: Connection, write: Write, followed: Any, field: str) -> None:
    """Refuse a version arriving from a peer about an object a recall hid here (a new
    follower or a later version of one): kept, it would be read here about an object
    this node may no longer read, and undo what the recall hid."""
    if write.kind == "accept" and isinstance(followed, str) and hidden_here(conn, followed):
        target = write.body.get("id")
        raise Recalled(
            f"{followed} was recalled from this node: what is written about it is not kept",
            field=field,
            action="federation:recalled",
            target=str(target) if target else None,
        )


def visible(
    principal: Principal, bits: CompartmentBits, table: Table = access
) -> ColumnElement[bool]:
    """The SQL twin of `labels.can_read` over rows of `access`."""
    clearance = principal.clearance
    return _condition(
        table, clearance.nation, clearance.rank, bits.not_held(clearance.compartments)
    )


def visible_bound(table: Table = access) -> ColumnElement[bool]:
    """`visible` with the principal's figures left as parameters (`visibility_params`
    gives them): for a statement built once and run for every caller, where building
    it anew cost more than running it (TAXII paging, issue 12)."""
    return _condition(table, bindparam("v_nation"), bindparam("v_rank"), bindparam("v_hidden"))


def visibility_params(principal: Principal, bits: CompartmentBits) -> dict[str, Any]:
    clearance = principal.clearance
    return {
        "v_nation": clearance.nation,
        "v_rank": clearance.rank,
        "v_hidden": bits.not_held(clearance.compartments),
    }


# Made once: a new alias builds its column collection again on first use.
_EARLIEST = cast(Table, versions.alias("earliest"))
_EARLIEST_ACCESS = cast(Table, access.alias("earliest_access"))


def earliest_readable(
    column: str,
    object_pk: ColumnElement[Any],
    readable: Callable[[Table], ColumnElement[bool]],
) -> ScalarSelect[Any]:
    """`column` of the earliest version of the object at `object_pk` (a column of the
    enclosing query) that passes `readable` over its access rows (`visible_bound`, or
    `visible` with the principal's figures): one SQL scalar subquery.

    Version 1 may be above the caller (drafted higher, released lower) or never have
    come to this node, and who wrote it, or when, is then not the caller's to learn:
    a page that names "who gave an answer" or "who attached a file" names the author
    of the first version its reader may read. Earliest by the origin's number, not by
    the row: a version that arrives late keeps its number."""
    return (
        select(_EARLIEST.c[column])
        .select_from(
            _EARLIEST.join(_EARLIEST_ACCESS, _EARLIEST_ACCESS.c.version_pk == _EARLIEST.c.pk)
        )
        .where(_EARLIEST.c.object_pk == object_pk, readable(_EARLIEST_ACCESS))
        .order_by(_EARLIEST.c.number)
        .limit(1)
        .scalar_subquery()
    )


def _condition(table: Table, nation: Any, rank: Any, hidden: Any) -> ColumnElement[bool]:
    return and_(
        table.c.nation == nation,
        table.c.rank <= rank,
        # Masks are never negative, so "<= 0" means "= 0". PostgreSQL guesses that
        # 0.5 % of rows pass an "= 0" on an expression and then, for a partner who
        # sees a few thousand rows, fetches and sorts them all (44 ms at 1,000,000
        # objects); its guess for "<= 0" is a third, and it walks the index instead.
        table.c.comp_mask.op("&")(hidden) <= 0,
    )
