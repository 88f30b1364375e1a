"""Owner rules of the watch log and the handovers: what every write of an entry or a
handover must meet, whatever path it took (the service, a generic REST or TAXII write,
an import, or a version arriving from a peer).

No generic path creates or changes either type (the registry refuses a write without
the coordination key; only a release decision on an entry is open to the generic
endpoint), and these rules hold on the service's writes and on arrivals alike:

- an entry is of a known body of its nation (or a bilateral body), of a kind of the
  vocabulary, has a time, a text in ja or en (shown as written: no bidirectional
  control), an author, and links only to coordination items; it is never edited (a
  correction is a new entry naming it in `corrects`); a release changes only its
  label, and that label still dominates every item it links to and the entry it
  corrects, so that no id travels where its object may not;
- a handover is of a known body of its nation (or a bilateral body), its period ends
  after it starts, a new one copies no text with a bidirectional control, and its
  contents never change; the outgoing officer's signature and then the incoming
  officer's (someone else's) are each given once, and never altered; the incoming
  officer signs only after the outgoing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from kizuna import clock
from kizuna.domains.coordination.model import ITEM_TYPE
from kizuna.domains.coordination.rules import short_text_refusal
from kizuna.domains.coordination.structure import Structure
from kizuna.domains.coordination.watch_model import ENTRY_KINDS, ENTRY_TYPE, HANDOVER_TYPE
from kizuna.errors import Conflict, Invalid, NotFound
from kizuna.labels import Label, dominates
from kizuna.store.access import held_label
from kizuna.store.owners import Write

__all__ = [
    "SKEW",
    "check_entry_body",
    "check_handover_body",
    "entry_rules",
    "handover_rules",
]

# A clock difference between the officer's machine and the node that is forgiven.
SKEW = timedelta(minutes=5)
_ITEM_ID = re.compile(re.escape(ITEM_TYPE) + r"--[0-9a-f-]{36}")
_ENTRY_ID = re.compile(re.escape(ENTRY_TYPE) + r"--[0-9a-f-]{36}")
ENTRY_FIELDS = ("body", "kind", "at", "text", "text_ja", "items", "corrects", "author")
HANDOVER_FIXED = ("body", "period_start", "period_end", "sections", "outgoing_officer", "handed_to")
SIGNATURES = ("outgoing_signed_at", "incoming_officer", "incoming_signed_at")


def _time(body: dict[str, Any], field: str) -> Any:
    try:
        return clock.parse_ts(str(body[field]))
    except (KeyError, ValueError) as exc:
        raise Invalid(f"{field} is not a timestamp: {body.get(field)!r}", field=field) from exc


def _own_body(s: Structure, body: dict[str, Any], origin: str) -> None:
    found = s.bodies.get(str(body.get("body")))
    if found is None:
        raise Invalid(f"unknown body '{body.get('body')}'", field="body")
    if not found.bilateral and found.nation != origin:
        raise Invalid(
            f"'{found.id}' is a body of {found.nation}; an object of {origin} is of a body "
            "of its own nation or of a bilateral one",
            field="body",
        )


def check_entry_body(
    s: Structure, body: dict[str, Any], origin: str, previous: dict[str, Any] | None = None
) -> None:
    """One version of an entry, alone. `Invalid` names the field."""
    _own_body(s, body, origin)
    if body.get("kind") not in ENTRY_KINDS:
        raise Invalid(
            f"kind '{body.get('kind')}' is not one of: {', '.join(ENTRY_KINDS)}", field="kind"
        )
    _time(body, "at")
    if not str(body.get("text") or "").strip() and not str(body.get("text_ja") or "").strip():
        raise Invalid("an entry needs its text in Japanese or English", field="text_en")
    refused = short_text_refusal(body, ("text", "text_ja"), {"text": "text_en"}, previous)
    if refused is not None:
        raise refused
    items = body.get("items", [])
    if not isinstance(items, list) or not all(
        isinstance(i, str) and _ITEM_ID.fullmatch(i) for i in items
    ):
        raise Invalid(f"items lists ids of {ITEM_TYPE} objects", field="items")
    corrects = body.get("corrects")
    if corrects is not None and not (isinstance(corrects, str) and _ENTRY_ID.fullmatch(corrects)):
        raise Invalid(f"corrects names a {ENTRY_TYPE}", field="corrects")
    if not isinstance(body.get("author"), str) or not body["author"]:
        raise Invalid("an entry names its author", field="author")


def _links_dominated(conn: Connection, body: dict[str, Any], label: Label, accept: bool) -> None:
    """Every item the entry links to, and the entry it corrects, is one its label
    dominates: readers of the entry may read every id it carries."""
    links = [(i, ITEM_TYPE, "items") for i in body.get("items", [])]
    if body.get("corrects"):
        links.append((str(body["corrects"]), ENTRY_TYPE, "corrects"))
    for stix_id, stix_type, field in links:
        held = held_label(conn, stix_id, stix_type)
        if held is None:
            if accept:
                continue  # not (yet) on this node: its own node judged it
            raise NotFound(f"no object {stix_id}", field=field)
        if not dominates(label, held):
            raise Invalid(
                f"the entry's label must be at least as restrictive as that of {stix_id}, "
                "which it names",
                field="label",
            )


def entry_rules(s: Structure) -> Callable[[Connection, Write], None]:
    def rules(conn: Connection, write: Write) -> None:
        body = write.body
        if body.get("type") != ENTRY_TYPE:
            return
        check_entry_body(s, body, write.origin, write.previous)
        accept = write.kind == "accept"
        previous = write.previous
        if previous is not None:
            for field in ENTRY_FIELDS:
                if body.get(field) != previous.get(field):
                    raise Conflict(
                        "a watch-log entry is never edited: log a correction that names it "
                        f"in 'corrects' ({field} differs)",
                        field=field,
                    )
            if write.kind == "release" or (accept and write.label != write.previous_label):
                _links_dominated(conn, body, write.label, accept)
            return
        who = write.principal
        if who is not None and who.kind != "system" and body["author"] != who.name:
            raise Invalid(f"an entry of {who.name} names {who.name} as its author", field="author")
        if write.kind == "create" and _time(body, "at") > clock.now() + SKEW:
            raise Invalid(
                "an entry records what has happened: its time is in the future", field="at"
            )
        _links_dominated(conn, body, write.label, accept)

    return rules


def check_handover_body(s: Structure, body: dict[str, Any], origin: str) -> None:
    """One version of a handover, alone. `Invalid` names the field."""
    _own_body(s, body, origin)
    if _time(body, "period_end") <= _time(body, "period_start"):
        raise Invalid("a shift ends after it starts", field="period_end")
    sections = body.get("sections")
    if not isinstance(sections, dict) or not all(isinstance(v, list) for v in sections.values()):
        raise Invalid("sections maps each section's name to its rows", field="sections")
    outgoing = body.get("outgoing_officer")
    if not isinstance(outgoing, str) or not outgoing:
        raise Invalid("a handover names its outgoing officer", field="outgoing_officer")
    handed_to = body.get("handed_to")
    if handed_to is not None and (not isinstance(handed_to, str) or handed_to in ("", outgoing)):
        raise Invalid(
            "a handover is handed to another member than its outgoing officer", field="handed_to"
        )
    incoming = body.get("incoming_officer")
    if incoming is not None and handed_to is not None and incoming != handed_to:
        raise Invalid(f"this handover is for {handed_to}", field="incoming_officer")
    if (incoming is None) != (body.get("incoming_signed_at") is None):
        raise Invalid("the incoming officer is named when they sign", field="incoming_officer")
    if incoming is not None:
        if incoming == outgoing:
            raise Invalid(
                "the incoming officer is someone else than the outgoing officer",
                field="incoming_officer",
            )
        if body.get("outgoing_signed_at") is None:
            raise Invalid(
                "the incoming officer signs after the outgoing officer", field="incoming_officer"
            )
        if _time(body, "incoming_signed_at") < _time(body, "outgoing_signed_at"):
            raise Invalid(
                "the incoming officer signs after the outgoing officer",
                field="incoming_signed_at",
            )


def _sections_as_written(sections: dict[str, Any]) -> None:
    """What the incoming officer reads, as written: a new handover (generated here or
    arriving from a peer) carries no bidirectional control in any text it copies."""
    for rows in sections.values():
        for row in rows:
            texts = row if isinstance(row, dict) else {}
            fields = tuple(k for k, v in texts.items() if isinstance(v, str))
            refused = short_text_refusal(texts, fields)
            if refused is not None:
                raise Invalid(f"sections: {refused}", field="sections")


def handover_rules(s: Structure) -> Callable[[Connection, Write], None]:
    def rules(conn: Connection, write: Write) -> None:
        body = write.body
        if body.get("type") != HANDOVER_TYPE:
            return
        check_handover_body(s, body, write.origin)
        who = write.principal
        local = who is not None and who.kind != "system"
        previous = write.previous
        if previous is None:
            _sections_as_written(body["sections"])
            if body.get("incoming_officer") is not None and write.kind != "accept":
                raise Invalid(
                    "a new handover is signed by no incoming officer yet", field="incoming_officer"
                )
            if local and body["outgoing_officer"] != who.name:  # type: ignore[union-attr]
                raise Invalid(
                    "the outgoing officer generates the handover", field="outgoing_officer"
                )
            return
        if write.previous_label is not None and write.label != write.previous_label:
            raise Invalid("a handover keeps the label it was generated at", field="label")
        for field in HANDOVER_FIXED:
            if body.get(field) != previous.get(field):
                raise Conflict(f"{field} of a handover never changes", field=field)
        added = []
        for field in SIGNATURES:
            if previous.get(field) is not None and body.get(field) != previous.get(field):
                raise Conflict(
                    f"a signature is given once and never altered ({field})", field=field
                )
            if previous.get(field) is None and body.get(field) is not None:
                added.append(field)
        if local:
            signer = body["outgoing_officer"] if "outgoing_signed_at" in added else None
            if "incoming_signed_at" in added:
                signer = body.get("incoming_officer")
            if signer is not None and signer != who.name:  # type: ignore[union-attr]
                raise Invalid("a signature is its officer's own", field="incoming_officer")

    return rules
