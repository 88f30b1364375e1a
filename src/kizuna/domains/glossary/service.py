"""The glossary's use cases: add a term, edit it, load a file of terms; and keep the
look-up table in step with every version of a term, written here or arrived from a peer.

Every function takes the acting principal and runs as one transaction with its audit
entries. A term belongs to the node that wrote it (single writer); an edit is a new
version at the same label. Who writes: the node's own system principal, and users of
the node's nation whose role writes objects (author, translator); only a translator
marks a term verified (`rules.py`).

Refusals: `TermInvalid` (422, in English and Japanese) names the field at fault and
changes nothing; `Refused` (403, audited) for a writer the glossary does not take;
`NotFound` (404) for a term missing or hidden, the same answer for both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from kizuna import audit, clock
from kizuna.db.schema import access, objects, versions
from kizuna.domains.glossary import OWNER
from kizuna.domains.glossary.model import (
    MAX_FORM,
    TERM_TYPE,
    Action,
    TermCreate,
    TermFields,
    fold,
    term_body,
)
from kizuna.domains.glossary.rules import TermInvalid, check_term, duplicate_of
from kizuna.domains.glossary.schema import glossary_terms
from kizuna.errors import NotFound, Refused
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, parse
from kizuna.runtime import Node
from kizuna.store import StoredObject, rules
from kizuna.store.access import current, visible
from kizuna.store.owners import Write

__all__ = ["Loaded", "create_term", "edit_term", "label_of", "load_terms", "may_write", "mirror"]


def may_write(node: Node, principal: Principal) -> bool:
    """Whether the principal writes terms on this node (pages show the forms to them)."""
    return rules.may(principal, Permission.OBJECT_WRITE, node.nation)


def _writer(node: Node, principal: Principal, target: str | None) -> None:
    if not may_write(node, principal):
        raise Refused(
            f"only authors and translators of {node.nation} write the glossary on this node",
            action=str(Action.TERM_WRITE),
            target=target,
        )


def label_of(node: Node, text: str) -> Label:
    """A label written by a person, or `TermInvalid` naming it."""
    try:
        return parse(node.policy, text, originator=node.nation)
    except LabelError as exc:
        raise TermInvalid(
            f"Label: {exc}",
            # The parser's words are English: the Japanese says what to write instead.
            "区分：規程にある区分を記入してください（例：UNCLASSIFIED//REL TO JPN, USA）",
            field="label",
        ) from exc


def mirror(conn: Connection, pk: int, body: dict[str, Any]) -> None:
    """The term's row in the look-up table, rewritten with each version."""
    forms = [body.get("name_ja"), body.get("name"), *body.get("readings", [])]
    forms += body.get("abbreviations", [])
    folded = [fold(str(f)) for f in forms if f]
    readings = body.get("readings") or []
    values = {
        "ja_key": fold(str(body.get("name_ja", "")))[:MAX_FORM],
        "en_key": fold(str(body.get("name", "")))[:MAX_FORM],
        "lookup": "\n" + "\n".join(folded) + "\n",
        "sort_ja": fold(str(readings[0] if readings else body.get("name_ja", "")))[:MAX_FORM],
        "status": str(body.get("status", "")),
        "updated_at": clock.now_ts(),
    }
    known = conn.execute(
        select(glossary_terms.c.object_pk).where(glossary_terms.c.object_pk == pk)
    ).first()
    if known is None:
        conn.execute(insert(glossary_terms).values(object_pk=pk, **values))
    else:
        conn.execute(
            update(glossary_terms).where(glossary_terms.c.object_pk == pk).values(**values)
        )


# What a person wrote in a term: everything but what the store fills in.
_FILLED = {"spec_version", "id", "created", "modified", "object_marking_refs"}


def _content(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in _FILLED}


def _pk(conn: Connection, stix_id: str) -> int:
    return int(conn.execute(select(objects.c.pk).where(objects.c.stix_id == stix_id)).scalar_one())


def _refuse_duplicate(conn: Connection, node: Node, body: dict[str, Any], label: Label) -> None:
    found = duplicate_of(conn, Write("create", None, body, label, node.nation))
    if found is not None:
        raise TermInvalid(
            f"The term '{body.get('name_ja')}' / '{body.get('name')}' is already in the "
            f"glossary at this label: edit that one",
            f"用語「{body.get('name_ja')}」（{body.get('name')}）は同じ区分で既に登録されて"
            "います。そちらを編集してください",
            field="name_ja",
        )


def create_term(node: Node, principal: Principal, data: TermCreate) -> StoredObject:
    """A new term (version 1) at the label given. A label naming other nations than the
    node's is a release decision, which the store leaves to a releasing officer."""
    body = term_body(data)
    with node.store.transaction(principal) as conn:
        _writer(node, principal, None)
        label = label_of(node, data.label)
        check_term(body, principal)
        _refuse_duplicate(conn, node, body, label)
        made = node.store.create_in(conn, principal, body, label, owner=OWNER)
        mirror(conn, _pk(conn, made.id), made.object)
        audit.append(
            conn,
            actor=principal.name,
            action="glossary.create",
            target=made.id,
            detail={"ja": data.ja, "en": data.en, "status": data.status},
        )
        return made


def _current_term(conn: Connection, node: Node, principal: Principal, stix_id: str) -> Any:
    row = conn.execute(
        select(objects.c.pk, objects.c.origin, versions.c.body)
        .select_from(
            objects.join(access, and_(access.c.object_pk == objects.c.pk, current())).join(
                versions, versions.c.pk == access.c.version_pk
            )
        )
        .where(
            objects.c.stix_id == stix_id,
            objects.c.type == TERM_TYPE,
            visible(principal, node.store.bits),
        )
    ).first()
    if row is None:
        raise NotFound(f"no term {stix_id}", field="id")
    return row


def edit_term(node: Node, principal: Principal, stix_id: str, data: TermFields) -> StoredObject:
    """A new version of a term of this node with every field as given (the label stays)."""
    with node.store.transaction(principal) as conn:
        _writer(node, principal, stix_id)
        row = _current_term(conn, node, principal, stix_id)
        previous = json.loads(row.body)
        body = {**term_body(data), "id": stix_id}
        if _content(previous) == _content(body):
            raise TermInvalid(
                "The edit changes nothing", "編集による変更がありません", field="object"
            )
        check_term(body, principal, previous)
        made = node.store.revise_in(conn, principal, stix_id, body, owner=OWNER)
        mirror(conn, row.pk, made.object)
        audit.append(
            conn,
            actor=principal.name,
            action="glossary.edit",
            target=stix_id,
            detail={"version": made.version, "status": data.status},
        )
        return made


@dataclass
class Loaded:
    """What loading a file did: terms added, edited, already as the file says."""

    created: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Terms the partner's node defined already, as the file does: not defined twice.
    partners: list[str] = field(default_factory=list)


def load_terms(
    node: Node, principal: Principal, terms: Iterable[tuple[TermFields, Label]]
) -> Loaded:
    """Terms from a checked file (`termfile.py`), in one transaction: each term new to
    its label is added, one the node holds at that label with other text gets a new
    version, one that already says the same is left alone. Loading twice changes
    nothing the second time."""
    done = Loaded()
    with node.store.transaction(principal) as conn:
        _writer(node, principal, None)
        for fields, label in terms:
            body = term_body(fields)
            check_term(body, principal)
            existing = duplicate_of(conn, Write("create", None, body, label, node.nation))
            if existing is None and (theirs := _partners_term(conn, node, principal, body)):
                done.partners.append(theirs)
                continue
            if existing is None:
                made = node.store.create_in(conn, principal, body, label, owner=OWNER)
                mirror(conn, _pk(conn, made.id), made.object)
                done.created.append(made.id)
                continue
            row = _current_term(conn, node, node.system, existing)
            if _content(json.loads(row.body)) == _content(body):
                done.unchanged.append(existing)
                continue
            made = node.store.revise_in(
                conn, principal, existing, {**body, "id": existing}, owner=OWNER
            )
            mirror(conn, row.pk, made.object)
            done.edited.append(existing)
        audit.append(
            conn,
            actor=principal.name,
            action="glossary.load",
            detail={
                "created": len(done.created),
                "edited": len(done.edited),
                "unchanged": len(done.unchanged),
                "partners": len(done.partners),
            },
        )
    return done


def _partners_term(
    conn: Connection, node: Node, principal: Principal, body: dict[str, Any]
) -> str | None:
    """A term of the partner's the principal may read, with both names of `body`: the
    starter set loaded on both nodes was every term twice (walk 42)."""
    found = conn.execute(
        select(objects.c.stix_id)
        .select_from(
            glossary_terms.join(objects, objects.c.pk == glossary_terms.c.object_pk).join(
                access, and_(access.c.object_pk == objects.c.pk, current())
            )
        )
        .where(
            glossary_terms.c.ja_key == fold(str(body.get("name_ja", "")))[:MAX_FORM],
            glossary_terms.c.en_key == fold(str(body.get("name", "")))[:MAX_FORM],
            objects.c.origin != node.nation,
            visible(principal, node.store.bits),
        )
        .limit(1)
    ).first()
    return None if found is None else str(found.stix_id)
