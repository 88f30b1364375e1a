"""What a reader reads of the glossary: the list and its look-up, the count, one term,
and the terms a text names.

Every query joins the look-up table to the store's current `access` rows through the
visibility condition for the reader (`store.access.visible`): a term, a count or a link
comes only from terms the reader may read, and nothing is loaded to be filtered in
Python. A look-up folds the words it is given as the table folds the forms
(`model.fold`), so either language, a reading in hiragana or katakana, an abbreviation
in full-width letters, find the same term.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select

from kizuna.db.schema import MAX_INTEGER, access, objects, versions
from kizuna.domains.glossary.model import JOINERS, MAX_FORM, TERM_TYPE, fold
from kizuna.domains.glossary.schema import glossary_terms
from kizuna.errors import Invalid, NotFound
from kizuna.identity.principal import Principal
from kizuna.labels import Label
from kizuna.store import Store, StoredObject
from kizuna.store.access import current, visible
from kizuna.store.rows import COLUMNS, stored_from_row
from kizuna.store.tally import tally
from kizuna.web.bilingual import Mark

__all__ = ["MAX_PAGE", "MAX_QUERY", "Found", "count", "look_up", "marks", "term"]

MAX_QUERY = 100
MAX_PAGE = 200
MAX_OFFSET = MAX_INTEGER
MAX_TEXT = 20_000
TERM_PATH = "/glossary/terms/"


@dataclass(frozen=True)
class Found:
    terms: list[StoredObject]
    total: int
    # The labels of every term counted: a page showing the total raises its banner to them.
    labels: list[Label] = field(default_factory=list)


def _folded_chars(text: str) -> tuple[str, list[int]]:
    """The text folded as `model.fold` folds (but spaces), and for each folded character
    the index of the character of `text` it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        for c in unicodedata.normalize("NFKC", char).casefold():
            out.append(
                " " if c in JOINERS else chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c
            )
            origin.append(i)
    return "".join(out), origin


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _joined() -> Any:
    return (
        glossary_terms.join(
            access, and_(access.c.object_pk == glossary_terms.c.object_pk, current())
        )
        .join(versions, versions.c.pk == access.c.version_pk)
        .join(objects, objects.c.pk == access.c.object_pk)
    )


def _where(store: Store, principal: Principal, query: str | None) -> list[ColumnElement[bool]]:
    kept = [visible(principal, store.bits), access.c.type == TERM_TYPE]
    if query is not None:
        kept.append(glossary_terms.c.lookup.like(_like(query), escape="\\"))
    return kept


def _checked(query: str | None) -> str | None:
    if query is None or not query.strip():
        return None
    if len(query) > MAX_QUERY:
        raise Invalid(
            f"a look-up is at most {MAX_QUERY} characters / 検索語は {MAX_QUERY} 文字以内です",
            field="q",
        )
    return fold(query)


def look_up(
    store: Store,
    principal: Principal,
    query: str | None = None,
    *,
    lang: str = "en",
    limit: int = 50,
    offset: int = 0,
) -> Found:
    """The terms the reader may read whose form, reading or abbreviation holds the
    query (every term without one): exact forms first, then in the reader's order
    (by reading in Japanese, alphabetically in English), with how many there are."""
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"a page holds 1 to {MAX_PAGE} terms / 1 ページは 1〜{MAX_PAGE} 件です",
                      field="limit")  # fmt: skip
    if not 0 <= offset <= MAX_OFFSET:
        raise Invalid(f"the offset runs from 0 to {MAX_OFFSET} / オフセットは 0〜{MAX_OFFSET} です",
                      field="offset")  # fmt: skip
    folded = _checked(query)
    where = _where(store, principal, folded)
    order: list[Any] = []
    if folded is not None:
        exact = glossary_terms.c.lookup.like(_like(f"\n{folded}\n"), escape="\\")
        order.append(case((exact, 0), else_=1))
    by: Any = glossary_terms.c.sort_ja if lang == "ja" else glossary_terms.c.en_key
    if store.db.engine.dialect.name == "postgresql":
        by = by.collate("C")  # code-point order on both databases
    order += [by, access.c.object_pk]
    found: Select[Any] = select(*COLUMNS).select_from(_joined()).where(*where)
    with store.db.read() as conn:
        total, labels = _tally(conn, where)
        rows = conn.execute(found.order_by(*order).limit(limit).offset(offset)).all()
    return Found([stored_from_row(r) for r in rows], total, labels)


def _tally(conn: Any, where: list[ColumnElement[bool]]) -> tuple[int, list[Label]]:
    """How many terms pass `where`, and their distinct labels, from SQL."""
    counted = tally(conn, _joined(), where)
    return counted.total, list(counted.labels)


def count(store: Store, principal: Principal) -> Found:
    """How many terms the reader may read, with their labels (no terms listed)."""
    with store.db.read() as conn:
        total, labels = _tally(conn, _where(store, principal, None))
    return Found([], total, labels)


def term(store: Store, principal: Principal, stix_id: str) -> StoredObject:
    """One term the reader may read; NotFound when missing, hidden or not a term."""
    if not stix_id.startswith(f"{TERM_TYPE}--"):
        raise NotFound(f"no term {stix_id}", field="id")
    return store.get(principal, stix_id)


def marks(store: Store, principal: Principal, text: str) -> list[Mark]:
    """Where `text` names a term the reader may read (its Japanese or English form):
    the candidates are found in SQL (a form inside the text) through the visibility
    condition; an English form counts only as whole words."""
    if not text:
        return []
    folded, origin = _folded_chars(text[:MAX_TEXT])
    dialect = store.db.engine.dialect.name
    inside: Any = (
        (lambda key: func.strpos(literal(folded), key) > 0)
        if dialect == "postgresql"
        else (lambda key: func.instr(literal(folded), key) > 0)
    )
    keys = (glossary_terms.c.ja_key, glossary_terms.c.en_key)
    found = (
        select(objects.c.stix_id, glossary_terms.c.ja_key, glossary_terms.c.en_key,
               versions.c.body)
        .select_from(_joined())
        .where(*_where(store, principal, None),
               func.length(keys[0]) + func.length(keys[1]) > 0,
               inside(keys[0]) | inside(keys[1]))
    )  # fmt: skip
    with store.db.read() as conn:
        rows = conn.execute(found).all()
    made: list[Mark] = []
    for row in rows:
        body = json.loads(row.body)
        title = f"{body.get('name_ja', '')} / {body.get('name', '')}"
        for key, whole_words in ((row.ja_key, False), (row.en_key, True)):
            if len(key) < 2 or len(key) > MAX_FORM:
                continue
            at = folded.find(key)
            while at >= 0:
                end = at + len(key)
                if not whole_words or (
                    (at == 0 or not folded[at - 1].isalnum())
                    and (end == len(folded) or not folded[end].isalnum())
                ):
                    made.append(Mark(origin[at], origin[end - 1] + 1, TERM_PATH + row.stix_id,
                                     title))  # fmt: skip
                at = folded.find(key, end)
    return made
