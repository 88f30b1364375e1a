"""Full-text search over what a reader may read, in Japanese and in English.

The text of every version is indexed by a trigger on `versions` (migration
0011_search; the fields it takes are listed in the latest migration that changed
them, 0019_search_more_text): SQLite's FTS5 with the trigram tokenizer, PostgreSQL's `pg_trgm`. Both
match any run of characters, so a Japanese phrase needs no word segmentation. A search
joins the index to `access` with `current = 1` and the visibility condition, in SQL:
results, the count and the snippets come only from current versions the reader may
read. Refuses an empty query or one without a searchable word (`Invalid`, field `q`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    FromClause,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    func,
    literal_column,
    or_,
    select,
)

from kizuna.db.schema import access, objects, versions
from kizuna.errors import Invalid
from kizuna.identity.principal import Principal
from kizuna.labels import Label
from kizuna.store.access import current, visible
from kizuna.store.objects import COLUMNS, Store, StoredObject, stored_from_row
from kizuna.store.tally import tally

__all__ = ["MAX_QUERY", "Hit", "Results", "search"]

# The index, as the migration made it (its own metadata: it is not part of create_all).
search_text = Table("search_text", MetaData(), Column("version_pk", Integer), Column("text", Text))
MAX_QUERY = 200
MAX_PAGE = 100
SNIPPET = 60  # characters either side of the first match


@dataclass(frozen=True)
class Hit:
    """One object found: its current version and a snippet of its own text around the
    first word found (`marks` are (start, end) offsets of the words in `snippet`)."""

    obj: StoredObject
    snippet: str
    marks: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int
    # The labels of every object counted in `total`: a page showing the total raises
    # its banner to them, not only to the hits it lists.
    labels: list[Label] = field(default_factory=list)


# Quotes around words mark them as words in every language's habit ("…", “…”, 「…」,
# 『…』); the index holds none of them, so they go. Control characters (NUL matched
# every text) are no word.
_NOT_WORDS = re.compile(r"[\"“”„「」『』\x00-\x1f\x7f]")


def _terms(query: str) -> list[str]:
    terms = [t for t in re.split(r"\s+", _NOT_WORDS.sub(" ", query).strip()) if t]
    if not terms:
        raise Invalid("the search needs at least one word", field="q")
    if len(query) > MAX_QUERY:
        raise Invalid(f"the search is at most {MAX_QUERY} characters", field="q")
    return terms[:8]


def _variants(term: str) -> list[str]:
    """The word as typed and its twins: Japanese texts write Latin letters and digits
    full-width or half-width (ＮＡＴＯ, NATO; ２０２４, 2024), and readers type either,
    so a word matches in any of its widths."""
    folded = unicodedata.normalize("NFKC", term)
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in folded)
    return list(dict.fromkeys([term, folded, wide]))


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches(dialect: str, terms: list[str]) -> tuple[list[ColumnElement[bool]], Any]:
    """The conditions on the index, and the rank to order by (smaller is better)."""
    text = search_text.c.text
    words = [_variants(t) for t in terms]
    if dialect == "postgresql":
        similar: list[ColumnElement[bool]] = [
            or_(*(text.ilike(_like(v), escape="\\") for v in w)) for w in words
        ]
        return similar, -func.similarity(text, " ".join(terms))
    # FTS5 trigram: MATCH needs three characters; shorter words fall back to LIKE on
    # the same table (a scan of the index, still joined to the visibility condition).
    long = [w for w in words if min(map(len, w)) >= 3]
    conditions: list[ColumnElement[bool]] = [
        or_(*(text.like(_like(v), escape="\\") for v in w)) for w in words if w not in long
    ]
    if long:
        phrase = " AND ".join(
            "(" + " OR ".join('"' + v.replace('"', '""') + '"' for v in w) + ")" for w in long
        )
        conditions.append(literal_column("search_text").op("MATCH")(phrase))
        return conditions, literal_column("bm25(search_text)")
    return conditions, -search_text.c.version_pk


def _query(
    store: Store,
    principal: Principal,
    terms: list[str],
    dialect: str,
    type: str | None,
    since: str | None,
    until: str | None,
) -> tuple[FromClause, list[ColumnElement[bool]], Any]:
    """What is searched (the index joined to the current versions), the conditions a
    row passes (the visibility condition among them), and the rank to order by."""
    conditions, rank = _matches(dialect, terms)
    where = [current(), visible(principal, store.bits), *conditions]
    if type:
        where.append(access.c.type == type)
    else:
        where.append(access.c.type != "marking-definition")
    if since:
        where.append(versions.c.modified >= since)
    if until:
        # A date bound takes the whole day: every timestamp of that day sorts below "~".
        where.append(versions.c.modified <= until + "~")
    joined = (
        search_text.join(access, access.c.version_pk == search_text.c.version_pk)
        .join(versions, versions.c.pk == access.c.version_pk)
        .join(objects, objects.c.pk == access.c.object_pk)
    )
    return joined, where, rank


def _snippet(text: str, terms: list[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    text = " ".join(text.split())  # the index joins empty fields with spaces
    lowered = text.lower()
    found = [(lowered.find(t.lower()), t) for t in terms]
    found = [(i, t) for i, t in found if i >= 0]
    start = max(0, min(i for i, _ in found) - SNIPPET) if found else 0
    end = min(len(text), start + 2 * SNIPPET + max(len(t) for t in terms))
    window = text[start:end].strip()
    offset = start + (len(text[start:end]) - len(text[start:end].lstrip()))
    marks = []
    for _i, term in found:
        at = window.lower().find(term.lower())
        if at >= 0:
            marks.append((at, at + len(term)))
    prefix = "…" if offset > 0 else ""
    suffix = "…" if end < len(text) else ""
    shifted = tuple(sorted((a + len(prefix), b + len(prefix)) for a, b in marks))
    return prefix + window + suffix, shifted


def search(
    store: Store,
    principal: Principal,
    query: str,
    *,
    type: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Results:
    """The current versions the principal may read whose text holds every word of the
    query, best first, with the number of them all."""
    terms = _terms(query)
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise Invalid(f"a page holds 1 to {MAX_PAGE} results", field="limit")
    dialect = store.db.engine.dialect.name
    joined, where, rank = _query(store, principal, terms, dialect, type, since, until)
    found = select(*COLUMNS, search_text.c.text).select_from(joined).where(and_(*where))
    with store.db.read() as conn:
        counted = tally(conn, joined, where)
        rows = conn.execute(
            found.order_by(rank, access.c.object_pk.desc()).limit(limit).offset(offset)
        ).all()
    hits = []
    for row in rows:
        snippet, marks = _snippet(row.text, [v for t in terms for v in _variants(t)])
        hits.append(Hit(stored_from_row(row), snippet, marks))
    return Results(hits, counted.total, list(counted.labels))
