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
from kizuna.labels import lub
from kizuna.stix.markings import identity
from kizuna.stix.types import extension_definitions
from kizuna.store import Store
from kizuna.store.feed import FeedQuery, count, feed

__all__ = ["bundle_chunks"]


def bundle_chunks(
    store: Store, principal: Principal, *, types: tuple[str, ...] = (), reason: str
) -> Iterator[str]:
    """The bundle as text chunks, page by page (current versions only).

    The export is audited before its first chunk is made: what leaves is on record even
    when the reader stops half way. Nothing is read until the first chunk is asked for,
    so an export made and never read is neither read nor audited."""
    query = FeedQuery(types=(*types, "marking-definition") if types else ())
    sent, labels = count(store, principal, query)
    # The count carries the label of what it counts: the audit page withholds it from
    # an admin who may not read them (walk 43; as the calendar's and CSV's).
    bound = lub(labels)
    with store.db.write() as conn:
        audit.append(
            conn,
            actor=principal.name,
            action="stix.export",
            detail={"objects": sent, "types": list(types), "reason": reason,
                    **({"label": store.render(bound)} if bound else {})},
        )  # fmt: skip
    yield f'{{"type":"bundle","id":"bundle--{uuid.uuid4()}","objects":['
    for n, fixed in enumerate([identity(), *extension_definitions()]):
        yield ("," if n else "") + json.dumps(fixed, ensure_ascii=False)
    token: str | None = None
    while True:
        page = feed(store, principal, query, limit=1000, cursor_token=token)
        for item in page.items:
            yield "," + item.body
        token = page.next
        if token is None:
            break
    yield "]}"
