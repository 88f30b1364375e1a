"""Versions in the order they were added: what TAXII collections and peers page over.

A listing answers "what does this principal see now"; a feed answers "what was added
since", version by version, in the order the node committed them (writers take the
audit head lock first, so row numbers and commit order agree). Each version is
judged by its own label, through the same SQL condition as every other read.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
)

from kizuna import clock
from kizuna.db.schema import access, objects, versions
from kizuna.errors import Invalid
from kizuna.identity.principal import Principal
from kizuna.labels import Label
from kizuna.store import cursor
from kizuna.store.access import earliest_readable, visibility_params, visible_bound
from kizuna.store.objects import COLUMNS, MAX_LIMIT, Page, Store, stored_from_row
from kizuna.store.rows import LABEL_COLUMNS, label_of_row

__all__ = ["Bodies", "Entries", "Entry", "FeedQuery", "bodies", "count", "entries", "feed"]


@dataclass(frozen=True)
class FeedQuery:
    """Filters of a feed, as TAXII 2.1 names them (`match[...]`).

    `versions` holds "last", "first", "all" or `modified` timestamps; `types` and
    `ids` restrict by STIX type and id; `scope` restricts to a fixed set of types (a
    collection's) before the caller's own filters.
    """

    types: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()
    added_after: str | None = None
    scope: tuple[str, ...] = ()
    # A peer's feed: only what this node originated, label markings left out (every
    # node mints its own).
    origin: str | None = None

    def digest(self) -> str:
        text = json.dumps(
            [self.types, self.ids, self.versions, self.spec_versions, self.scope, self.origin],
            separators=(",", ":"),
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _first_readable() -> ColumnElement[bool]:
    """The row is the earliest version of its object that the caller may read here.

    TAXII 2.1 §3.4.1 (Supported Fields for Match): `first` "requests the earliest
    version of an object". A caller's versions of an object are those it may read, as
    `all` answers them: version 1 may be above the caller (drafted higher, released
    lower) or never have come to this node (a peer sends only what is releasable),
    and neither may hide the versions the caller reads. The caller's figures are the
    page's own parameters (`visible_bound`)."""
    return versions.c.number == earliest_readable("number", access.c.object_pk, visible_bound)


def _versions_condition(kinds: frozenset[str]) -> ColumnElement[bool]:
    """`kinds` holds "last", "first", "all" and "stamp" (`modified` timestamps, bound
    as the list `stamps`)."""
    if "all" in kinds:
        return and_(True)
    parts: list[ColumnElement[bool]] = []
    if "last" in kinds:
        parts.append(access.c.current == literal_column("1"))
    if "first" in kinds:
        parts.append(_first_readable())
    if "stamp" in kinds:
        parts.append(versions.c.modified.in_(bindparam("stamps", expanding=True)))
    return or_(*parts) if parts else false()


@dataclass(frozen=True)
class Entry:
    """A feed row for encoders that need only the stored JSON and its times."""

    id: str
    modified: str
    recorded_at: str
    body: str


@dataclass(frozen=True)
class Entries:
    items: list[Entry]
    next: str | None


def feed(
    store: Store,
    principal: Principal,
    query: FeedQuery,
    *,
    limit: int = 100,
    cursor_token: str | None = None,
    conn: Connection | None = None,
) -> Page:
    """One page of the versions `principal` may see, oldest added first (read in `conn`
    when given, as `bodies`)."""
    rows, token = _page(store, principal, query, "feed", limit, cursor_token, conn)
    return Page([stored_from_row(row) for row in rows], token)


def entries(
    store: Store,
    principal: Principal,
    query: FeedQuery,
    *,
    limit: int = 100,
    cursor_token: str | None = None,
) -> Entries:
    """The same page as `feed`, as bare rows: the hot path of TAXII paging, where
    building a StoredObject and its Label per row cost more than the query."""
    rows, token = _page(store, principal, query, "entries", limit, cursor_token)
    return Entries([Entry(*row[1:]) for row in rows], token)


@dataclass(frozen=True)
class Bodies:
    """A page of stored JSON texts, with the times the first and last were added."""

    texts: list[str]
    first_added: str | None
    last_added: str | None
    next: str | None


def bodies(
    store: Store,
    principal: Principal,
    query: FeedQuery,
    *,
    limit: int = 100,
    cursor_token: str | None = None,
    conn: Connection | None = None,
) -> Bodies:
    """The same page as `entries`, as the stored JSON texts alone: the hot path of
    TAXII paging, which joins them into its envelope as they are. No object per row
    and one join fewer (the object ids are not needed). Read in `conn` when given (the
    request's own read transaction), else in a read of its own."""
    rows, token = _page(store, principal, query, "bodies", limit, cursor_token, conn)
    if not rows:
        return Bodies([], None, None, token)
    return Bodies([row[2] for row in rows], rows[0][1], rows[-1][1], token)


def _page(
    store: Store,
    principal: Principal,
    query: FeedQuery,
    columns: str,
    limit: int,
    cursor_token: str | None,
    conn: Connection | None = None,
) -> tuple[list[Any], str | None]:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    after: int | None = None
    if cursor_token:
        state = cursor.decode(store.node.secret, cursor_token, field="next")
        if state.get("u") != principal.name or state.get("q") != query.digest():
            raise Invalid("the cursor belongs to another listing", field="next")
        after = int(state["k"])
        added_after = state.get("a")
    else:
        added_after = _added_after(query.added_after)
    shape = _Shape.of(query, added_after, join_objects=columns != "bodies")
    stmt = _page_statement(columns, shape, after is not None)
    params = _params(store, principal, query, added_after) | {"after": after, "limit": limit + 1}
    if conn is None:
        with store.db.read() as own:
            rows = list(own.execute(stmt, params).all())
    else:
        rows = list(conn.execute(stmt, params).all())
    more = len(rows) > limit
    rows = rows[:limit]
    token = None
    if more:
        token = cursor.encode(
            store.node.secret,
            {"k": rows[-1][0], "u": principal.name, "q": query.digest(), "a": added_after},
        )
    return rows, token


def count(store: Store, principal: Principal, query: FeedQuery) -> tuple[int, list[Label]]:
    """How many versions the whole feed holds for `principal` (what an export sends),
    with their distinct labels: a count is derived from what it counts, and whoever
    may not read that may not read the count either."""
    added_after = _added_after(query.added_after)
    stmt = _select((*LABEL_COLUMNS, func.count().label("n")), _Shape.of(query, added_after))
    stmt = stmt.group_by(*LABEL_COLUMNS)
    with store.db.read() as conn:
        rows = conn.execute(stmt, _params(store, principal, query, added_after)).all()
    return sum(int(r.n) for r in rows), [label_of_row(r) for r in rows]


# The columns a page is read as, by name (a name, not the columns, keys the cache).
_COLUMNS: dict[str, tuple[Any, ...]] = {
    "feed": tuple(COLUMNS),
    "entries": (objects.c.stix_id, versions.c.modified, versions.c.recorded_at, versions.c.body),
    "bodies": (versions.c.recorded_at, versions.c.body),
}


@dataclass(frozen=True)
class _Shape:
    """What of a query changes the form of its SQL. Every value goes in as a parameter,
    so a statement is built once per form and reused for every caller: building it
    anew cost a page of TAXII paging more than running it (issue 12)."""

    versions: frozenset[str]
    no_spec: bool
    scope: bool
    types: bool
    ids: bool
    origin: bool
    added_after: bool
    join_objects: bool

    @classmethod
    def of(cls, query: FeedQuery, added_after: str | None, *, join_objects: bool = True) -> _Shape:
        kinds = frozenset(v if v in ("last", "first", "all") else "stamp" for v in query.versions)
        needs_objects = bool(query.ids) or query.origin is not None
        return cls(
            versions=kinds,
            no_spec=bool(query.spec_versions) and "2.1" not in query.spec_versions,
            scope=bool(query.scope),
            types=bool(query.types),
            ids=bool(query.ids),
            origin=query.origin is not None,
            added_after=added_after is not None,
            # The bodies alone need no object ids, and one join fewer, unless a filter
            # is on the object.
            join_objects=join_objects or needs_objects,
        )


def _params(
    store: Store, principal: Principal, query: FeedQuery, added_after: str | None
) -> dict[str, Any]:
    return visibility_params(principal, store.bits) | {
        "stamps": [v for v in query.versions if v not in ("last", "first", "all")],
        "scope": list(query.scope),
        "types": list(query.types),
        "ids": list(query.ids),
        "origin": query.origin,
        "added_after": added_after,
    }


@functools.lru_cache(maxsize=256)
def _page_statement(columns: str, shape: _Shape, after: bool) -> Select[Any]:
    stmt = _select((access.c.version_pk, *_COLUMNS[columns]), shape)
    stmt = stmt.order_by(access.c.version_pk).limit(bindparam("limit"))
    if after:
        stmt = stmt.where(access.c.version_pk > bindparam("after"))
    return stmt


def _select(columns: Sequence[Any], shape: _Shape) -> Select[Any]:
    """The feed's rows: the caller's visibility, the query's filters, its bound."""
    joined = access.join(versions, versions.c.pk == access.c.version_pk)
    if shape.join_objects:
        joined = joined.join(objects, objects.c.pk == access.c.object_pk)
    stmt = (
        select(*columns)
        .select_from(joined)
        .where(visible_bound(), _versions_condition(shape.versions))
    )
    if shape.no_spec:
        stmt = stmt.where(false())
    if shape.scope:
        stmt = stmt.where(access.c.type.in_(bindparam("scope", expanding=True)))
    if shape.types:
        stmt = stmt.where(access.c.type.in_(bindparam("types", expanding=True)))
    if shape.ids:
        stmt = stmt.where(objects.c.stix_id.in_(bindparam("ids", expanding=True)))
    if shape.origin:
        stmt = stmt.where(
            objects.c.origin == bindparam("origin"), access.c.type != "marking-definition"
        )
    if shape.added_after:
        # The first row added after the instant bounds the index walk; the timestamp
        # condition keeps it exact.
        first = (
            select(func.min(versions.c.pk))
            .where(versions.c.recorded_at > bindparam("added_after"))
            .scalar_subquery()
        )
        stmt = stmt.where(
            access.c.version_pk >= first, versions.c.recorded_at > bindparam("added_after")
        )
    return stmt


def _added_after(value: str | None) -> str | None:
    """A TAXII timestamp, as the store's fixed-width text."""
    if value is None:
        return None
    try:
        return clock.format_ts(clock.parse_ts(value))
    except ValueError as exc:
        raise Invalid(f"added_after is not a timestamp: {value!r}", field="added_after") from exc
