"""STIX 2.1 bundles of what a principal may read, encoded from the stored JSON.

A bundle opens with Kizuna's identity and extension definitions, so that it is
self-describing for any STIX tool; the label markings come with the objects, since
they are objects of the store like any other.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

from kizuna import audit
from kizuna.identity.principal import Principal
from kizuna.stix.markings import identity
from kizuna.stix.types import extension_definitions
from kizuna.store import Store
from kizuna.store.feed import FeedQuery, feed

__all__ = ["bundle_chunks"]


def bundle_chunks(
    store: Store, principal: Principal, *, types: tuple[str, ...] = (), reason: str
) -> Iterator[str]:
    """The bundle as text chunks, page by page (current versions only); the export is
    audited once it has been read to the end."""
    yield f'{{"type":"bundle","id":"bundle--{uuid.uuid4()}","objects":['
    for n, fixed in enumerate([identity(), *extension_definitions()]):
        yield ("," if n else "") + json.dumps(fixed, ensure_ascii=False)
    count = 0
    token: str | None = None
    query = FeedQuery(types=(*types, "marking-definition") if types else ())
    while True:
        page = feed(store, principal, query, limit=1000, cursor_token=token)
        for item in page.items:
            yield "," + item.body
        count += len(page.items)
        token = page.next
        if token is None:
            break
    yield "]}"
    with store.db.write() as conn:
        audit.append(
            conn,
            actor=principal.name,
            action="stix.export",
            detail={"objects": count, "types": list(types), "reason": reason},
        )
