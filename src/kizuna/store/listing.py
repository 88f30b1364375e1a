"""The objects list as a reader sorts, filters, counts and exports it, and the titles
of the objects a page refers to.

Every query here joins the store's visibility condition (`store.access.visible`) for
the reader, so a row, a count or an exported line comes only from current versions the
reader may read; nothing is loaded to be filtered in Python. Paging is by keyset on
(sort value, object row), carried in the store's signed, encrypted cursors, which are
bound to the reader, the type filter and the sort: a cursor of another listing is
refused (`Invalid`, field `cursor`), as is a type, sort or direction not offered
(`Invalid`, fields `type`, `sort`, `dir`).

The store has no title column, so the title is read from the stored JSON in SQL
(`title_column`), with the same preference as `title_of` in Python. Sorting by it
walks every visible row; the default order (newest first) keeps the listing index.

Titles are in the reader's language: a Japanese reader gets an object's Japanese name
or title (`name_ja`, `title_ja`, ...) where it has one, and sorts by it; an English
reader gets the Japanese one only where the object has no English one. A cursor
remembers the language it was made in; sorted by title, one of the other language
starts the listing again rather than continue from a title the reader no longer sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import stix2.registry
from sqlalchemy import ColumnElement, Select, Text, and_, cast, func, or_, select
from sqlalchemy.types import JSON

from kizuna.db.schema import access, objects, versions
from kizuna.errors import Invalid
from kizuna.identity.principal import Principal
from kizuna.labels import Label
from kizuna.stix.types import NEW_SDO, extension_id
from kizuna.store import Store, StoredObject
from kizuna.store import cursor as cursors
from kizuna.store.access import current, visible
from kizuna.store.objects import COLUMNS, stored_from_row
from kizuna.store.rows import label_of_row
from kizuna.store.tally import tally

__all__ = [
    "DIRECTIONS",
    "PAGE_SIZES",
    "SORTS",
    "ListPage",
    "Listing",
    "Target",
    "count",
    "counted",
    "every_row",
    "known_types",
    "list_page",
    "readable",
    "readable_targets",
    "title_column",
    "title_of",
    "with_property",
    "with_property_set",
]

PAGE_SIZES = (25, 50, 100)
# The column a reader sorts by, and the direction it first sorts in.
SORTS = {"added": "desc", "type": "asc", "title": "asc", "modified": "desc"}
DIRECTIONS = ("asc", "desc")
# Properties that name an object, in the order a title is taken from them. An answer
# to a coordination item has none of the naming ones: it goes by its comment, or, when
# it has none (a plain concurrence), by its kind. A decision goes by its clause where its
# sentence decides several things, so that each reads as itself. A report of what was
# seen (an intel observation) has no name but its place, as its list titles it (walk
# 50: its page and the pickers showed the bare id); last, since a place of other types
# (an incident's map point) is no title.
TITLE_KEYS = (
    "name", "title", "value", "clause", "sentence", "text", "pattern", "comment", "kind",
    "place",
)  # fmt: skip
# Titles sort by their first characters: enough for a person, and a cursor that holds
# the last one stays well inside a link.
_TITLE_SORT_CHARS = 64
_EXPORT_PAGE = 500


# An attachment (an `artifact`) has none of them: it goes by its file name, which
# Kizuna's attachment extension holds.
FILE_NAME = ("extensions", extension_id("attachment"), "file_name")

# The Japanese forms of the naming properties that have one, first for a Japanese reader.
_TITLE_KEYS_JA = ("name_ja", "title_ja", "sentence_ja", "text_ja")


def _title_keys(lang: str) -> tuple[str, ...]:
    # An object written in Japanese whose English is still to come (a translation
    # requested) goes by its Japanese name before its id.
    return (*_TITLE_KEYS_JA, *TITLE_KEYS) if lang == "ja" else (*TITLE_KEYS, *_TITLE_KEYS_JA)


def title_of(body: dict[str, Any], stix_id: str, lang: str = "en") -> str:
    """What a person calls an object: its name, title, value, sentence, text, pattern,
    comment or kind (in Japanese for `lang` "ja" where the object has it), else an
    attachment's file name, else its id (the Python twin of `title_column`)."""
    for key in _title_keys(lang):
        value = body.get(key)
        if value not in (None, ""):
            return str(value)
    held: Any = body
    for key in FILE_NAME:
        held = held.get(key) if isinstance(held, dict) else None
    if held not in (None, ""):
        return str(held)
    return stix_id


def _json_text(dialect: str, key: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(versions.c.body, JSON).op("->>")(key)
    return cast(func.json_extract(versions.c.body, f"$.{key}"), Text)


def _json_path_text(dialect: str, keys: tuple[str, ...]) -> ColumnElement[Any]:
    """A nested property as text (the keys are the module's own, no input)."""
    if dialect == "postgresql":
        held: ColumnElement[Any] = cast(versions.c.body, JSON)
        for key in keys[:-1]:
            held = held.op("->")(key)
        return held.op("->>")(keys[-1])
    path = "$" + "".join(f'."{k}"' for k in keys)
    return cast(func.json_extract(versions.c.body, path), Text)


def title_column(dialect: str, lang: str = "en") -> ColumnElement[Any]:
    """The title of a version row in SQL (rows joined to `versions` and `objects`)."""
    parts = [func.nullif(_json_text(dialect, key), "") for key in _title_keys(lang)]
    parts.append(func.nullif(_json_path_text(dialect, FILE_NAME), ""))
    return func.coalesce(*parts, objects.c.stix_id)


def known_types(store: Store) -> list[str]:
    """Every type a reader may filter by: the STIX 2.1 types, Kizuna's own SDOs and
    every type a domain registered, markings included (bundles are not stored)."""
    registry = stix2.registry.STIX2_OBJ_MAPS["2.1"]
    found = {*registry["objects"], *registry["observables"], *NEW_SDO, *store.owners.owned_types()}
    return sorted(found - {"bundle"})


@dataclass(frozen=True)
class Listing:
    """What the reader asked to see: a type (or every type but label markings), a
    sort column and its direction."""

    type: str | None = None
    sort: str = "added"
    dir: str = "desc"
    lang: str = "en"  # of the titles shown and sorted by

    def checked(self, store: Store) -> Listing:
        if self.type is not None and self.type not in known_types(store):
            raise Invalid(f"unknown type {self.type!r}", field="type")
        if self.sort not in SORTS:
            raise Invalid(f"unknown sort {self.sort!r}", field="sort")
        if self.dir not in DIRECTIONS:
            raise Invalid(f"unknown direction {self.dir!r}", field="dir")
        return self


@dataclass(frozen=True)
class ListPage:
    rows: list[tuple[StoredObject, str]]  # each object with its title
    next: str | None


def _sort_key(store: Store, listing: Listing) -> ColumnElement[Any] | None:
    dialect = store.db.engine.dialect.name
    sort = listing.sort
    if sort == "type":
        key: ColumnElement[Any] = access.c.type
    elif sort == "title":
        key = func.substr(title_column(dialect, listing.lang), 1, _TITLE_SORT_CHARS)
    elif sort == "modified":
        key = versions.c.modified
    else:
        return None
    # Code-point order on both databases, whatever PostgreSQL's locale would say.
    return key.collate("C") if dialect == "postgresql" and sort != "modified" else key


def _where(store: Store, principal: Principal, listing: Listing) -> list[ColumnElement[bool]]:
    kept = [current(), visible(principal, store.bits)]
    if listing.type is not None:
        kept.append(access.c.type == listing.type)
    else:
        # Label markings are the store's own bookkeeping, listed only when asked for.
        kept.append(access.c.type != "marking-definition")
    return kept


def count(store: Store, principal: Principal, listing: Listing) -> int:
    """How many current objects of the listing the reader may read."""
    query = select(func.count()).select_from(access).where(*_where(store, principal, listing))
    with store.db.read() as conn:
        return int(conn.execute(query).scalar_one())


def counted(store: Store, principal: Principal, listing: Listing) -> tuple[int, list[Label]]:
    """`count`, with the distinct labels of the versions counted: a count is derived
    from every object it counts, so a page that shows it raises its banner to them."""
    source = access.join(versions, versions.c.pk == access.c.version_pk)
    with store.db.read() as conn:
        counted_ = tally(conn, source, _where(store, principal, listing))
    return counted_.total, list(counted_.labels)


def _query(
    store: Store, principal: Principal, listing: Listing, after: tuple[Any, int] | None
) -> tuple[Select[Any], ColumnElement[Any] | None]:
    key = _sort_key(store, listing)
    title = title_column(store.db.engine.dialect.name, listing.lang).label("title")
    columns = [access.c.object_pk, title, *COLUMNS]
    if key is not None:
        columns.append(key.label("sort_value"))
    query = (
        select(*columns)
        .select_from(
            access.join(versions, versions.c.pk == access.c.version_pk).join(
                objects, objects.c.pk == access.c.object_pk
            )
        )
        .where(*_where(store, principal, listing))
    )
    ascending = listing.dir == "asc"
    pk = access.c.object_pk
    if after is not None:
        value, last = after
        if key is None:
            query = query.where(pk > last if ascending else pk < last)
        elif ascending:
            query = query.where(or_(key > value, and_(key == value, pk > last)))
        else:
            query = query.where(or_(key < value, and_(key == value, pk < last)))
    order = [] if key is None else [key.asc() if ascending else key.desc()]
    order.append(pk.asc() if ascending else pk.desc())
    return query.order_by(*order), key


def _state(principal: Principal, listing: Listing) -> dict[str, Any]:
    return {"u": principal.name, "t": listing.type, "s": listing.sort, "d": listing.dir}


def list_page(
    store: Store,
    principal: Principal,
    listing: Listing,
    *,
    size: int,
    cursor_token: str | None = None,
) -> ListPage:
    """One page of the listing, and the cursor of the next one (None on the last)."""
    after = None
    if cursor_token:
        state = cursors.decode(store.node.secret, cursor_token)
        if {k: state.get(k) for k in ("u", "t", "s", "d")} != _state(principal, listing):
            raise Invalid("the cursor belongs to another listing", field="cursor")
        try:
            after = (state["v"], int(state["k"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid("the cursor is malformed", field="cursor") from exc
        if listing.sort == "title" and state.get("l", "en") != listing.lang:
            # The reader switched language: the first page, in the titles now shown.
            after = None
    query, key = _query(store, principal, listing, after)
    with store.db.read() as conn:
        rows = conn.execute(query.limit(size + 1)).all()
    token = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        value = last.sort_value if key is not None else None
        token = cursors.encode(
            store.node.secret,
            {**_state(principal, listing), "k": last.object_pk, "v": value, "l": listing.lang},
        )
    return ListPage([(stored_from_row(row), str(row.title)) for row in rows], token)


def every_row(
    store: Store, principal: Principal, listing: Listing
) -> Iterator[tuple[StoredObject, str]]:
    """Every row of the listing in its order, read page by page (for exports)."""
    after: tuple[Any, int] | None = None
    while True:
        query, key = _query(store, principal, listing, after)
        with store.db.read() as conn:
            rows = conn.execute(query.limit(_EXPORT_PAGE)).all()
        for row in rows:
            yield stored_from_row(row), str(row.title)
        if len(rows) < _EXPORT_PAGE:
            return
        last = rows[-1]
        after = (last.sort_value if key is not None else None, last.object_pk)


def with_property(
    store: Store,
    principal: Principal,
    stix_type: str,
    key: str,
    value: str | Iterable[str],
    *,
    newest_first: bool = False,
) -> list[StoredObject]:
    """The current objects of `stix_type` the reader may read whose top-level `key` is
    the text `value` (or one of the texts), oldest object first: the parts of a whole
    that name it (a meeting's sections by `meeting_id`), found in SQL instead of
    reading every object of the type to keep a few."""
    values = [value] if isinstance(value, str) else sorted(set(value))
    if not values:
        return []
    order = access.c.object_pk.desc() if newest_first else access.c.object_pk
    held = _json_text(store.db.engine.dialect.name, key)
    return _current_where(store, principal, stix_type, [held.in_(values)], order)


def with_property_set(
    store: Store, principal: Principal, stix_type: str, key: str
) -> list[StoredObject]:
    """The current objects of `stix_type` the reader may read whose top-level `key` is
    set and not empty (a decision's `due`), oldest object first, found in SQL."""
    held = _json_text(store.db.engine.dialect.name, key)
    conditions = [held.is_not(None), held != ""]
    return _current_where(store, principal, stix_type, conditions, access.c.object_pk)


def _current_where(
    store: Store,
    principal: Principal,
    stix_type: str,
    conditions: list[ColumnElement[bool]],
    order: Any,
) -> list[StoredObject]:
    """The current objects of `stix_type` the reader may read that meet `conditions`."""
    query = (
        select(*COLUMNS)
        .select_from(
            access.join(versions, versions.c.pk == access.c.version_pk).join(
                objects, objects.c.pk == access.c.object_pk
            )
        )
        .where(current(), visible(principal, store.bits), access.c.type == stix_type, *conditions)
        .order_by(order)
    )
    with store.db.read() as conn:
        return [stored_from_row(row) for row in conn.execute(query)]


def readable(store: Store, principal: Principal, ids: Iterable[str]) -> dict[str, StoredObject]:
    """The current versions of the objects among `ids` the reader may read, in one
    query; unlike `Store.get`, no trace of asking for the others: these are ids another
    object names (a decision's `restates_id`), not ones the reader asked for."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = (
        select(*COLUMNS)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(objects.c.stix_id.in_(wanted), visible(principal, store.bits))
    )
    with store.db.read() as conn:
        found = [stored_from_row(row) for row in conn.execute(query)]
    return {o.id: o for o in found}


@dataclass(frozen=True)
class Target:
    """A referenced object the reader may read: its title and current label."""

    id: str
    title: str
    label: Label


def readable_targets(
    store: Store, principal: Principal, ids: Iterable[str], lang: str = "en"
) -> dict[str, Target]:
    """The objects among `ids` that the reader may read, titled in `lang`, in one query
    through the visibility condition; ids of hidden objects and of no object are simply
    absent."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = (
        select(
            objects.c.stix_id,
            versions.c.rank,
            versions.c.rel_to,
            versions.c.compartments,
            title_column(store.db.engine.dialect.name, lang).label("title"),
        )
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(objects.c.stix_id.in_(wanted), visible(principal, store.bits))
    )
    with store.db.read() as conn:
        rows = conn.execute(query).all()
    return {row.stix_id: Target(row.stix_id, str(row.title), label_of_row(row)) for row in rows}
