"""Versions in the order they were added: what TAXII collections and peers page over.

A listing answers "what does this principal see now"; a feed answers "what was added
since", version by version, in the order the node committed them (writers take the
audit head lock first, so row numbers and commit order agree). Each version is
judged by its own label, through the same SQL condition as every other read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, literal_column, or_, select

from kizuna import clock
from kizuna.db.schema import access, objects, versions
from kizuna.errors import Invalid
from kizuna.identity.principal import Principal
from kizuna.store import cursor
from kizuna.store.access import visible
from kizuna.store.objects import COLUMNS, MAX_LIMIT, Page, Store, stored_from_row

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


def _versions_condition(wanted: Sequence[str]) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    stamps: list[str] = []
    for value in wanted:
        if value == "last":
            parts.append(access.c.current == literal_column("1"))
        elif value == "first":
            parts.append(versions.c.number == 1)
        elif value == "all":
            return and_(True)
        else:
            stamps.append(value)
    if stamps:
        parts.append(versions.c.modified.in_(stamps))
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
) -> Page:
    """One page of the versions `principal` may see, oldest added first."""
    rows, token = _page(store, principal, query, COLUMNS, limit, cursor_token)
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
    columns = (objects.c.stix_id, versions.c.modified, versions.c.recorded_at, versions.c.body)
    rows, token = _page(store, principal, query, columns, limit, cursor_token)
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
) -> Bodies:
    """The same page as `entries`, as the stored JSON texts alone: the hot path of
    TAXII paging, which joins them into its envelope as they are. No object per row
    and one join fewer (the object ids are not needed)."""
    columns = (versions.c.recorded_at, versions.c.body)
    needs_objects = bool(query.ids) or query.origin is not None
    rows, token = _page(store, principal, query, columns, limit, cursor_token,
                        join_objects=needs_objects)  # fmt: skip
    if not rows:
        return Bodies([], None, None, token)
    return Bodies([row[2] for row in rows], rows[0][1], rows[-1][1], token)


def _page(
    store: Store,
    principal: Principal,
    query: FeedQuery,
    columns: Sequence[Any],
    limit: int,
    cursor_token: str | None,
    *,
    join_objects: bool = True,
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
    stmt = _select(store, principal, query, [access.c.version_pk, *columns], added_after,
                   join_objects=join_objects)  # fmt: skip
    stmt = stmt.order_by(access.c.version_pk).limit(limit + 1)
    if after is not None:
        stmt = stmt.where(access.c.version_pk > after)

    with store.db.read() as conn:
        rows = list(conn.execute(stmt).all())
    more = len(rows) > limit
    rows = rows[:limit]
    token = None
    if more:
        token = cursor.encode(
            store.node.secret,
            {"k": rows[-1][0], "u": principal.name, "q": query.digest(), "a": added_after},
        )
    return rows, token


def count(store: Store, principal: Principal, query: FeedQuery) -> int:
    """How many versions the whole feed holds for `principal` (what an export sends)."""
    stmt = _select(store, principal, query, [func.count()], _added_after(query.added_after))
    with store.db.read() as conn:
        return int(conn.execute(stmt).scalar_one())


def _select(
    store: Store,
    principal: Principal,
    query: FeedQuery,
    columns: Sequence[Any],
    added_after: str | None,
    *,
    join_objects: bool = True,
) -> Select[Any]:
    """The feed's rows for `principal`: its visibility, its filters, its bound."""
    joined = access.join(versions, versions.c.pk == access.c.version_pk)
    if join_objects:
        joined = joined.join(objects, objects.c.pk == access.c.object_pk)
    stmt = (
        select(*columns)
        .select_from(joined)
        .where(visible(principal, store.bits), _versions_condition(query.versions))
    )
    if query.spec_versions and "2.1" not in query.spec_versions:
        stmt = stmt.where(false())
    if query.scope:
        stmt = stmt.where(access.c.type.in_(query.scope))
    if query.types:
        stmt = stmt.where(access.c.type.in_(query.types))
    if query.ids:
        stmt = stmt.where(objects.c.stix_id.in_(query.ids))
    if query.origin is not None:
        stmt = stmt.where(objects.c.origin == query.origin, access.c.type != "marking-definition")
    if added_after is not None:
        # The first row added after the instant bounds the index walk; the timestamp
        # condition keeps it exact.
        first = (
            select(func.min(versions.c.pk))
            .where(versions.c.recorded_at > added_after)
            .scalar_subquery()
        )
        stmt = stmt.where(access.c.version_pk >= first, versions.c.recorded_at > added_after)
    return stmt


def _added_after(value: str | None) -> str | None:
    """A TAXII timestamp, as the store's fixed-width text."""
    if value is None:
        return None
    try:
        return clock.format_ts(clock.parse_ts(value))
    except ValueError as exc:
        raise Invalid(f"added_after is not a timestamp: {value!r}", field="added_after") from exc
