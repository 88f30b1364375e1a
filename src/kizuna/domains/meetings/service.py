"""Use cases of the 2+2 record. Every function takes the acting principal, and every
read goes through the store, so the visibility condition in SQL decides what a
caller sees; filters by topic, actor, stance or status apply to what it returned.

Labels of imported summaries. An official summary is a public document, so it is
imported at the policy's lowest level. Who it is releasable to is still a release
decision, taken by the store's rule: the import acts as a named user, and a label
naming other nations than this node's needs a releasing officer of this nation
(the CLI's `--as`). Without a named user the node's system principal imports at
the narrowest label (this nation only). The one exception is the summary the node
ships in its own package (`import_seed`): published by the Ministry of Foreign
Affairs, it is released to the two parties by the node itself, and the audit entry
says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date as Date
from importlib import resources
from typing import Any

from sqlalchemy import Connection

from kizuna import audit, clock
from kizuna.domains.meetings import OWNER, model, restate
from kizuna.domains.meetings.bodies import bodies
from kizuna.domains.meetings.follow_up import (
    add_link,
    add_review,
    correct_decision,
    may_write,
)
from kizuna.domains.meetings.ingest import IngestRefused, Record, read_summary
from kizuna.domains.meetings.ingest.given import given_date
from kizuna.domains.meetings.register import (
    STATUSES,
    Figures,
    RegisterRow,
    compliance,
    figures,
    register,
    timeline,
)
from kizuna.domains.meetings.register import (
    all_visible as _all,
)
from kizuna.errors import Invalid, NotFound, Refused
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label
from kizuna.runtime import Node
from kizuna.store import StoredObject, rules
from kizuna.store.keys import subkey
from kizuna.store.listing import with_property

__all__ = [
    "STATUSES",
    "ImportResult",
    "add_link",
    "add_review",
    "admit",
    "compliance",
    "correct_decision",
    "figures",
    "get_meeting",
    "held_elsewhere",
    "import_label",
    "import_seed",
    "import_summary",
    "list_meetings",
    "may_write",
    "parse_given_date",
    "register",
    "store_record",
    "timeline",
    "upload_bytes",
]

SEED = "scc-2024-07-28-summary.ja.txt"


@dataclass
class ImportResult:
    record: Record
    meeting_id: str
    created: int
    already: bool
    dry_run: bool
    objects: list[dict[str, Any]] = field(default_factory=list)
    # The same text held at other labels, as records of their own, that the importer
    # may read: an import at another label makes one more (walk 37).
    elsewhere: list[StoredObject] = field(default_factory=list)
    # The label the record is held at now, when a release has narrowed it since it
    # was imported at the label asked for (walk 46: "already held at this label" then
    # let the importer believe the partner held it).
    held_at: str | None = None


def _scope(node: Node, label: Label, digest: str) -> str:
    """What the ids of a stored summary derive from: its digest, keyed with a key from
    the node secret and bound to its label. Keyed, so that nobody holding a candidate
    text can compute the ids and confirm from a link or an id that the node holds it;
    bound to the label, so that the same text imported at two labels is two records and
    an import by someone who may not read the first one never meets it (issue 11,
    reproduction 2). The same text at the same label keeps the same ids."""
    key = subkey(node.store.node.secret, "meeting record ids")
    canon = f"{label.rank}|{','.join(sorted(label.rel_to))}|{'/'.join(sorted(label.compartments))}"
    return hmac.new(key, f"{canon}\n{digest}".encode(), hashlib.sha256).hexdigest()


def import_summary(
    node: Node,
    principal: Principal,
    data: bytes,
    *,
    lang: str | None = None,
    label: Label | None = None,
    dry_run: bool = False,
    public_release: bool = False,
    date: Date | None = None,
) -> ImportResult:
    """Parse an official summary and store it, all or nothing, with one audit entry.

    Refuses (IngestRefused, nothing written) what is not a summary. The same document
    imported again creates nothing: its objects have the same ids. A preview
    (`dry_run`) is refused exactly as the import would be (`admit`), before a word of
    the text is read: its answer names the record's id, which only one who may import
    at that label, and so read it, may learn.
    """
    admit(node, principal, label, public_release=public_release)
    return store_record(
        node,
        principal,
        read_summary(data, lang, date),
        label=label,
        dry_run=dry_run,
        public_release=public_release,
    )


def held_elsewhere(
    node: Node, principal: Principal, digest: str, meeting_id: str
) -> list[StoredObject]:
    """The meetings of the same text (its digest) but `meeting_id`, each a record at
    another label, that `principal` may read."""
    found = with_property(node.store, principal, model.MEETING, "source_digest", digest)
    return [m for m in found if m.id != meeting_id]


def _default_label(node: Node) -> Label:
    return Label(node.policy.lowest.rank, frozenset({node.nation}), frozenset())


def import_label(node: Node, principal: Principal, label: Label | None) -> Label:
    """The label an import by `principal` stores at: `label`, or the default (the
    policy's lowest level, this nation only). Refused as the store would refuse the
    write (`Refused`, audited, field `label`): above the principal's clearance, or
    naming other nations without being a releasing officer of this one. A page checks
    it before its preview, so that a preview never offers an import the store refuses."""
    chosen = _default_label(node) if label is None else label
    try:
        rules.check_label(node.policy, principal, chosen, node.nation, None)
        if chosen.rel_to != {node.nation}:
            rules.check_release(principal, node.nation, None)
    except Refused:
        # Raised again in a store transaction: the store audits it, as every refusal.
        with node.store.transaction(principal):
            raise
    return chosen


def admit(
    node: Node, principal: Principal, label: Label | None, *, public_release: bool = False
) -> Label:
    """What every import checks first, its preview as much as the import itself, and
    the label it stores at. Refused (`Refused`, 403, audited): one whose role does not
    write on this node; a label above their clearance, or naming other nations without
    being a releasing officer of this one (`import_label`); and a label naming other
    nations for the node's own system principal, which takes no release decision but
    for the summary it ships (`public_release`)."""
    node.store.require(principal, Permission.OBJECT_WRITE, "import official texts")
    chosen = import_label(node, principal, label)
    if principal.kind == "system" and chosen.rel_to != {node.nation} and not public_release:
        # Raised in a store transaction: the store audits it, as every refusal.
        with node.store.transaction(principal):
            raise Refused(
                "a label naming other nations is a release decision: import as a releasing "
                f"officer of {node.nation} (--as NAME)",
                field="label",
                action="meetings:summary:import",
            )
    return chosen


def upload_bytes(text: str | None, data_b64: str | None) -> bytes:
    """The document of an upload: its text, or its bytes in base64 (one of them)."""
    if (text is None) == (data_b64 is None):
        raise Invalid("send the document as `text` or as base64 `data` (one of them)", field="text")
    if text is not None:
        return text.encode("utf-8")
    try:
        return base64.b64decode(data_b64 or "", validate=True)
    except (ValueError, binascii.Error) as exc:
        raise Invalid("`data` is not base64", field="data") from exc


def parse_given_date(value: str | None) -> Date | None:
    """The date an import is given (`--date`, REST, the page's field), or None:
    YYYY-MM-DD and a day of the calendar (`ingest.given`)."""
    return given_date(value) if value else None


def store_record(
    node: Node,
    principal: Principal,
    record: Record,
    *,
    label: Label | None = None,
    dry_run: bool = False,
    public_release: bool = False,
) -> ImportResult:
    """Store a parsed summary (`import_summary` without the parsing), with the same
    rules: all or nothing, one audit entry, nothing new for a document stored before."""
    label = admit(node, principal, label, public_release=public_release)
    stamp = clock.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    made = bodies(record, stamp, _scope(node, label, record.digest))
    meeting_id = made[0]["id"]
    elsewhere = held_elsewhere(node, principal, record.digest, meeting_id)
    stored: StoredObject | None
    try:
        stored = node.store.get(principal, meeting_id)
    except NotFound:
        # A record narrowed since its import keeps the ids of the label it was imported
        # at: the same text at the label it is held at now is that record, not a
        # second one (walk 46: the register listed every commitment twice).
        stored = next((m for m in elsewhere if m.label == label), None)
        if stored is not None:
            meeting_id = stored.id
            elsewhere = [m for m in elsewhere if m.id != meeting_id]
    held = stored is not None
    narrowed = stored is not None and stored.label != label
    held_at = node.store.render(stored.label) if stored is not None and narrowed else None
    if dry_run or held:
        # A preview says, as the import would, that this very record is held already.
        return ImportResult(record, meeting_id, 0, held, dry_run, made, elsewhere, held_at=held_at)
    # The lookups below plan on the statistics of what earlier documents wrote.
    node.db.keep_statistics(restate.LOOKUP_TABLES)
    with node.store.transaction(principal) as conn:
        restate.catch_up(conn, node.store, principal)
        decisions = [b for b in made if b["type"] == model.DECISION]
        rarity = restate.frequencies(decisions)
        for body in decisions:
            if body.get("restated"):
                found = restate.restated(conn, node.store, principal, body, label, rarity)
                if found is not None:
                    body["restates_id"] = found
        batch = node.store.create_many_in(
            conn, principal, [(b, label) for b in made], owner=OWNER, built=True
        )
        if batch.refused:
            # A record is stored whole or not at all.
            raise batch.refused[0][1]
        restate.index_new(conn, node.store, principal, decisions)
        relinked = _restated_later(conn, node, principal, decisions)
        audit.append(
            conn,
            actor=principal.name,
            action="meetings.import",
            target=meeting_id,
            detail={
                "digest": record.digest,
                "encoding": record.encoding,
                "date": record.meeting.date.isoformat(),
                "objects": len(made),
                "label": node.store.render(label),
                "public_release": public_release,
                **({"relinked": relinked} if relinked else {}),
            },
        )
    return ImportResult(record, meeting_id, len(made), False, False, made, elsewhere)


def _restated_later(
    conn: Connection, node: Node, principal: Principal, decisions: list[dict[str, Any]]
) -> list[str]:
    """The decisions of later meetings that restate one and found none when they were
    imported, looked up again now that this earlier meeting is here: a later text
    imported first links to the earlier one all the same (the order of imports does
    not decide the register's chains). Each that now finds one of `decisions` gets a
    new version naming it, at its own label (which the lookup respects). Only what
    the importer may write is revised: this node's decisions, by an author of it."""
    if not decisions:
        return []
    try:
        # The store's own rule for a new version, asked before any is written: a
        # refusal here is no refusal of the import.
        rules.require(principal, Permission.OBJECT_WRITE, "change objects", node.nation)
    except Refused:
        return []
    new = {d["id"] for d in decisions}
    revised: list[dict[str, Any]] = []
    date = str(decisions[0]["meeting_date"])
    for later in restate.unlinked_after(conn, node.store, principal, date):
        if later.origin != node.nation:
            continue  # a partner's decision is its own node's to change
        found = restate.restated(conn, node.store, principal, later.object, later.label)
        if found not in new:
            continue
        body = {k: v for k, v in later.object.items() if k not in ("modified", "spec_version")}
        body["restates_id"] = found
        made = node.store.revise_in(conn, principal, later.id, body, owner=OWNER)
        revised.append(made.object)
    restate.index_new(conn, node.store, principal, revised)
    return [b["id"] for b in revised]


def import_seed(node: Node) -> ImportResult:
    """Import the shipped 2+2 summary of 28 July 2024 (a no-op once imported)."""
    data = resources.files("kizuna.data").joinpath(f"seed/{SEED}").read_bytes()
    parties = frozenset({node.nation} | ({"JPN", "USA"} & set(node.policy.nations)))
    label = Label(node.policy.lowest.rank, parties, frozenset())
    return import_summary(node, node.system, data, lang="ja", label=label, public_release=True)


# -- reads ----------------------------------------------------------------------------


def list_meetings(node: Node, principal: Principal) -> list[StoredObject]:
    """Meetings the principal may see, most recent meeting first."""
    return sorted(
        _all(node, principal, model.MEETING), key=lambda o: o.object["date"], reverse=True
    )


def get_meeting(node: Node, principal: Principal, meeting_id: str) -> dict[str, Any]:
    """A meeting with its sections, items and decisions (what the principal may see)."""
    if not meeting_id.startswith(model.MEETING + "--"):
        raise NotFound(f"no meeting {meeting_id}", field="id")
    meeting = node.store.get(principal, meeting_id)
    sections, items, decisions = (
        with_property(node.store, principal, t, "meeting_id", meeting_id)
        for t in (model.SECTION, model.ITEM, model.DECISION)
    )
    out = []
    for s in sorted(sections, key=lambda o: o.object["number"]):
        n = s.object["number"]
        its = sorted(
            (i for i in items if i.object["section_number"] == n), key=lambda o: o.object["number"]
        )
        out.append(
            {
                "section": s,
                "decisions": [
                    d
                    for d in decisions
                    if d.object["section_number"] == n and "item_number" not in d.object
                ],
                "items": [
                    {
                        "item": i,
                        "decisions": [
                            d
                            for d in decisions
                            if d.object["section_number"] == n
                            and d.object.get("item_number") == i.object["number"]
                        ],
                    }
                    for i in its
                ],
            }
        )
    # The other texts of the same day (the Japanese and English texts of one meeting,
    # its joint statement and its press conference) are each a record of their own:
    # the page leads from one to the others the reader may see.
    same_day = [
        o
        for o in with_property(node.store, principal, model.MEETING, "date", meeting.object["date"])
        if o.id != meeting.id
    ]
    labels = [meeting.label] + [o.label for o in sections + items + decisions + same_day]
    numbered = {s.object["number"] for s in sections}
    withheld = _gaps(sorted(numbered)) or any(
        _gaps([i.object["number"] for i in items if i.object["section_number"] == n])
        for n in numbered
    )
    return {
        "meeting": meeting,
        "sections": out,
        "same_day": same_day,
        "labels": labels,
        "withheld": withheld,
    }


def _gaps(numbers: list[int]) -> bool:
    """Whether the numbers of the parts a reader may read skip one the text numbers
    (a partner's record, or one narrowed in part before records were released whole):
    told from those numbers alone, which the reader reads in the meeting's text too,
    so it says nothing of the withheld parts but that they are there."""
    if not numbers:
        return False
    return sorted(numbers) != list(range(min(1, min(numbers)), max(numbers) + 1))


def record_json(result: ImportResult) -> str:
    return json.dumps(result.record.as_json(), ensure_ascii=False, indent=2)


__all__ += ["Figures", "IngestRefused", "RegisterRow", "record_json"]
