"""Verifying an item's translation: a translator of this node's nation turns a
provisional translation (仮訳) or a request for one into a verified one, as a new
version of the item that only adds to its record.

Refusals: `Refused` (403) for one who is not a translator of this node's nation;
`Conflict` (409) when no translation waits; `Invalid` (422) when a requested
translation comes without its title or its text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kizuna import clock
from kizuna.domains.coordination.inputs import TranslationVerify
from kizuna.domains.coordination.model import Action
from kizuna.errors import Conflict, Invalid, Refused
from kizuna.identity.principal import Permission, Principal
from kizuna.store import StoredObject
from kizuna.store.rows import stix_ts
from kizuna.web.bilingual import TRANSLATION_PROPERTY, translation_of, translation_record

if TYPE_CHECKING:
    from kizuna.domains.coordination.service import Coordination

__all__ = ["verify"]


def verify(
    c: Coordination, principal: Principal, stix_id: str, data: TranslationVerify
) -> StoredObject:
    """A translator of this node's nation verifies the item's translation (仮訳 to
    verified), writing the requested title and text where none was given."""
    with c.store.transaction(principal) as conn:
        row = c.item_row(conn, principal, stix_id, lock=True)
        if principal.kind != "system" and (
            not principal.can(Permission.TRANSLATION_VERIFY) or principal.nation != c.node.nation
        ):
            raise Refused(
                f"only translators of {c.node.nation} verify its items' translations",
                action=str(Action.ITEM_WRITE),
                target=stix_id,
            )
        body = c._current_body(conn, stix_id)
        record = translation_of(body)
        if record is None or record.status == "verified":
            raise Conflict("this item has no translation waiting to be verified", field="id")
        english = record.source == "ja"
        title = "name" if english else "name_ja"
        target = "description" if english else "description_ja"
        original = "description_ja" if english else "description"
        changes: dict[str, Any] = {
            TRANSLATION_PROPERTY: translation_record(
                source=record.source,
                status="verified",
                translator=principal.name,
                at=stix_ts(clock.now()),
            )
        }
        # A requested translation may lack its title as well as its text: a verified
        # one has both (the owner rules refuse a verified item without its title).
        if data.title:
            changes[title] = data.title
        elif not body.get(title):
            raise Invalid("give the translated title", field="title")
        if data.body:
            changes[target] = data.body
        elif record.status == "requested" and body.get(original) and not body.get(target):
            raise Invalid("give the translated text", field="body")
        c.move(conn, principal, row, "record", changes=changes, detail={"translation": "verified"})
        return c.store_get_in(conn, stix_id)
