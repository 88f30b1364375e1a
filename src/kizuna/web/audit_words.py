"""The audit log in the reader's words.

An entry stores its action as a code (`object.create`, `peer.url`, `refused`) and its
details as JSON. The audit page shows the action in words in the reader's language,
with the code on hover, and the details as a short list of key: value; the raw JSON
stays beside it, since the log is the forensic record and the words only read it.
A code this table does not know (an entry of an older version) is shown as it is,
never hidden; `tests/unit/test_audit_words.py` fails when the code base writes a code
the table does not name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from kizuna.labels import LabelError, Policy, parse, render
from kizuna.runtime import NamedBody
from kizuna.web.i18n import N_, translations
from kizuna.web.names import MECHANISM_NAMES, ROLE_NAMES, body_marked, level_name, nation_marked
from kizuna.web.refusal_words import refusal_said
from kizuna.web.type_names import TYPE_NAMES

__all__ = [
    "ACTIONS",
    "DETAIL_KEYS",
    "DETAIL_VALUES",
    "LABEL_KEYS",
    "action_said",
    "detail_lines",
    "target_said",
]

ACTIONS: dict[str, str] = {
    # The node and its log
    "node.init": N_("Node set up"),
    "node.serve.start": N_("Node started"),
    "node.serve.stop": N_("Node stopped"),
    # Accounts and signing in
    "user.create": N_("Account created"),
    "user.change": N_("Account changed (clearance, compartments, roles or bodies)"),
    "user.deactivate": N_("Account deactivated"),
    "user.reactivate": N_("Account reactivated"),
    "user.password": N_("Password set"),
    "user.zone": N_("Time zone chosen"),
    "user.unlock": N_("Sign-in restriction lifted"),
    "token.issue": N_("API token issued"),
    "token.revoke": N_("API token revoked"),
    "login.success": N_("Signed in"),
    "login.failure": N_("Sign-in failed"),
    "login.locked": N_("Sign-in restricted after failed attempts"),
    "login.throttled": N_("Sign-in refused while restricted"),
    "login.busy": N_("Sign-in refused while the node was busy"),
    "logout": N_("Signed out"),
    # Objects, whatever their domain
    "object.create": N_("Object created"),
    "object.revise": N_("New version"),
    "object.answer": N_("Answer recorded"),
    "object.release": N_("Release decision"),
    "object.recall": N_("Earlier versions recalled"),
    # A file, an answer, a status or an acknowledgement: whatever follows the object.
    "object.bounded": N_("A partner's record read here only with what it is about, narrowed"),
    "object.hidden": N_("A record hidden with what it is about, recalled past this node"),
    # A write over an id the writer may not read is answered as if it were free, and
    # nothing is stored: these entries are how the security officers learn of it.
    "object.create.hidden": N_("Creation over an id the author may not read (nothing stored)"),
    "object.answer.hidden": N_("Answer over an id the author may not read (nothing stored)"),
    "object.recall.hidden": N_("Recall over an id the author may not read (nothing stored)"),
    "object.read.denied": N_("Reading refused"),
    # The same entry for a hidden id and a missing one: the log says no more than the answer.
    "object.write.denied": N_(
        "Change refused: no object the user may read under this id (nothing stored)"
    ),
    "objects.export": N_("Object list downloaded"),
    "calendar.export": N_("Calendar downloaded"),
    "stix.export": N_("STIX bundle exported"),
    "stix.import": N_("STIX bundle imported"),
    "refused": N_("Refused"),
    # Federation
    "peer.add": N_("Partner node added"),
    "peer.token": N_("Partner node's token set"),
    "peer.url": N_("Partner node's address changed"),
    "peer.remove": N_("Partner node removed"),
    "federation.receive": N_("Objects received from a partner node"),
    "federation.quarantine": N_("Object from a partner node quarantined"),
    "federation.spillage": N_("Spillage from a partner node (not kept)"),
    "federation.spillage.reported": N_("Spillage reported by a partner node"),
    "federation.recall": N_("Recall from a partner node applied"),
    "federation.checkpoint.invalid": N_("Invalid checkpoint from a partner node"),
    # Coordination: an item's steps (its lifecycle's events, and "record")
    "coordination.propose": N_("Item proposed"),
    "coordination.review": N_("Item taken into review"),
    "coordination.concur": N_("Item concurred"),
    "coordination.non_concur": N_("Item not concurred"),
    "coordination.escalate": N_("Item escalated"),
    "coordination.decide": N_("Item decided"),
    "coordination.close": N_("Item closed"),
    "coordination.withdraw": N_("Item withdrawn"),
    "coordination.record": N_("Item's record updated"),
    "coordination.escalation.top": N_("Item at the top of its escalation path"),
    "coordination.notice.ack": N_("Coordination notification acknowledged"),
    "coordination.receipt.acknowledge": N_("Receipt acknowledged"),
    "coordination.rfi": N_("Request for information sent"),
    "coordination.rfi.reply": N_("Request for information answered"),
    "coordination.rfi.close": N_("Request for information closed"),
    "coordination.rfi.withdraw": N_("Request for information withdrawn"),
    "coordination.rfi.reopen": N_("Request for information reopened"),
    "coordination.determination": N_("Situation determination recorded"),
    "coordination.determination.end": N_("End of a situation determination recorded"),
    "coordination.tasker": N_("Tasker issued"),
    "coordination.tasker.status": N_("Tasker status reported"),
    "coordination.tasker.escalate": N_("Overdue tasker escalated"),
    "coordination.tasker.escalation.top": N_("Overdue tasker at the top of its escalation path"),
    "coordination.handover.generate": N_("Shift handover prepared"),
    "coordination.handover.sign": N_("Shift handover signed"),
    "coordination.watch.entry": N_("Watch log entry written"),
    # Glossary
    "glossary.create": N_("Glossary term added"),
    "glossary.edit": N_("Glossary term edited"),
    "glossary.load": N_("Glossary file loaded"),
    # Incidents
    "incidents.record": N_("Incident recorded"),
    "incidents.update": N_("Incident follow-up"),
    "incidents.cancel": N_("Incident cancelled"),
    "incidents.public": N_("Public notice of an incident released"),
    "incidents.acknowledge": N_("Incident notice acknowledged"),
    "incidents.reminder": N_("Reminder of an unacknowledged incident notice"),
    "incidents.escalation": N_("Unacknowledged incident notice escalated"),
    "incidents.withdrawn": N_(
        "Incident messages not yet sent withdrawn: the event is no longer readable on this node"
    ),
    # Intelligence: joint products
    "joint.approve": N_("Joint product approved for release"),
    "joint.release": N_("Joint product released"),
    # Meetings
    "meetings.import": N_("Official text of a meeting imported"),
    "meetings.correct": N_("Decision of a meeting corrected"),
}

# Details that hold a label: the audit page withholds an entry whose label the reader
# may not read, and shows the others' as the reader writes them. "from" and "to" hold
# a state as often (an item's steps); a value that is no label stays as it is.
LABEL_KEYS = ("label", "from", "to")
# The details' keys, in words (the key itself on hover): every key the code base
# writes, which `tests/unit/test_audit_words.py` reads from the source; a key of an
# older version that the table does not know is shown as it is.
DETAIL_KEYS: dict[str, str] = {
    "access_rows_removed": N_("Access rows removed"),
    "action": N_("Action"),
    "addressee": N_("Addressee"),
    "answers": N_("Answers"),
    "before_version": N_("Versions withdrawn before"),
    "body": N_("Body"),
    "bodies": N_("Bodies"),
    "changed": N_("Changed"),
    "channel": N_("Channel"),
    "clearance": N_("Clearance"),
    "compartments": N_("Compartments"),
    "date": N_("Date"),
    "deadline": N_("Deadline"),
    "follows": N_("Follows the narrowing of"),
    "from": N_("Changed from"),
    "item": N_("Item"),
    "kind": N_("Kind"),
    "label": N_("Label"),
    "narrowed_at": N_("Narrowed at version"),
    "nation": N_("Nation"),
    "origin": N_("Originating nation"),
    "peer": N_("Partner node"),
    "reason": N_("Reason"),
    "recalls": N_("Recalls"),
    "roles": N_("Roles"),
    "source": N_("Source address"),
    "status": N_("Status"),
    "step": N_("Step"),
    "to": N_("Changed to"),
    "type": N_("Type"),
    "version": N_("Version"),
    # An export's record: what it held and how it was asked for.
    "events": N_("Events exported"),
    "rows": N_("Rows exported"),
    "objects": N_("Objects"),
    "types": N_("Types"),
    "format": N_("File format"),
    "lang": N_("Language"),
    "sort": N_("Order"),
    "dir": N_("Direction of the order"),
    # Incident messages and reminders withdrawn with their event.
    "messages": N_("Messages withdrawn"),
    "reminders": N_("Reminders and escalations withdrawn"),
    # The node, its accounts and signing in.
    "key_id": N_("Signing key"),
    "policy": N_("Label policy"),
    "failures": N_("Failed attempts"),
    "retry_after": N_("Retry after (seconds)"),
    "seconds": N_("Restricted for (seconds)"),
    "prefix": N_("Token (its first characters)"),
    "expires_at": N_("Expires"),
    "sessions_ended": N_("Sessions ended"),
    "tokens_revoked": N_("Tokens revoked"),
    "addresses": N_("Addresses released"),
    "zone": N_("Time zone"),
    # Partner nodes and what came from them.
    "url": N_("Address"),
    "max_level": N_("Highest level agreed"),
    "stored": N_("Objects stored"),
    "held": N_("Held on this node"),
    "seq": N_("Checkpoint number"),
    "batch_index": N_("Position in the batch"),
    "digest": N_("Checksum"),
    # Imports: official texts, STIX bundles, the glossary.
    "encoding": N_("Character encoding"),
    "public_release": N_("Released to the public"),
    "relinked": N_("Decisions linked anew"),
    "total": N_("Objects sent"),
    "ok": N_("Objects imported"),
    "failed": N_("Objects refused"),
    "created": N_("Terms added"),
    "edited": N_("Terms edited"),
    "unchanged": N_("Terms unchanged"),
    "partners": N_("Partner's terms"),
    "ja": N_("Japanese"),
    "en": N_("English"),
    # Coordination: items, RFIs, taskers, determinations, the watch and handovers.
    "tier": N_("Tier"),
    "response": N_("Answer"),
    "uncounted": N_("Not counted because"),
    "translation": N_("Translation"),
    "clock": N_("Item's clock"),
    "rfis": N_("Requests for information"),
    "stopped_for": N_("Clock stopped for (seconds)"),
    "reply": N_("Reply"),
    "receipt": N_("Receipt"),
    "opr": N_("OPR"),
    "ocrs": N_("OCRs"),
    "office": N_("Office"),
    "suspense": N_("Suspense"),
    "overdue_since": N_("Overdue since"),
    "regions": N_("Regions"),
    "deadlines": N_("Deadlines set anew"),
    "ended": N_("Ended"),
    "items": N_("Coordination items"),
    "listed": N_("Listed"),
    "as": N_("Signed as"),
    # Incidents and joint products.
    "revision": N_("Revision"),
    "notified": N_("Notified"),
    "public": N_("Public version"),
    "ack": N_("Acknowledgement"),
    "approval": N_("Approval"),
    "officer": N_("Approving officer"),
    # A decision's fields a correction changed (meetings.correct's `changed`).
    "actor": N_("Decided by"),
    "stance": N_("Stance"),
    "commitment": N_("Commitment"),
    "owner": N_("Owner"),
    "due": N_("Due"),
    # What a mapping names (an incident's public version: its id and version).
    "id": N_("Identifier"),
}
# Values of a closed set that the code base writes, in words, by key (the stored value
# on hover). A refusal's reason is said as the pages say it (`refusal_said`).
DETAIL_VALUES: dict[str, dict[str, str]] = {
    "channel": {"page": N_("the sign-in page"), "taxii": N_("the TAXII server")},
    "reason": {
        "objects page": N_("the objects page"),
        "all": N_("everything the node holds"),
        "TAXII POST": N_("a write over TAXII"),
        "unknown or inactive user": N_("an unknown or inactive user"),
        "deadline": N_("its deadline passed"),
        "non_concurrence": N_("not concurred"),
        "determination": N_("a situation determination"),
        "recalled": N_("recalled by its node"),
        "not readable here": N_("no longer readable on this node"),
    },
    "clock": {"stopped": N_("stopped"), "restarted": N_("restarted")},
    "as": {"outgoing": N_("Outgoing officer"), "incoming": N_("Incoming officer")},
    "translation": {"verified": N_("Verified")},
    "lang": {"ja": N_("Japanese"), "en": N_("English")},
    "dir": {"asc": N_("ascending"), "desc": N_("descending")},
    "roles": ROLE_NAMES,
    # A refusal's action: what was asked, not the permission's code (walk 50: a refused
    # look at the federation page read "audit:log:read"). A domain's own codes show as
    # they are until they have words here.
    "action": {
        "store:object:read": N_("reading objects"),
        "store:object:write": N_("writing objects"),
        "store:object:release": N_("release decisions"),
        "store:object:answer": N_("answering objects"),
        "audit:log:read": N_("reading the audit log and the federation page"),
        "identity:user:manage": N_("managing accounts"),
        "translation:text:verify": N_("verifying translations"),
        "intel:joint:approve": N_("approving a joint product"),
        "intel:joint:revise": N_("revising a joint product"),
        "federation:peer:call": N_("a call only a partner node's account makes"),
        "incidents:event:write": N_("recording and following up incidents"),
        "incidents:public:release": N_("releasing an incident's public notice"),
        "incidents:ack:write": N_("acknowledging incident notices"),
        "glossary:term:write": N_("writing glossary terms"),
        "glossary:term:verify": N_("verifying glossary terms"),
        "coordination:item:write": N_("opening and editing coordination items"),
        "coordination:response:write": N_("answering coordination items"),
        "coordination:determination:write": N_("recording situation determinations"),
        "coordination:rfi:write": N_("requests for information"),
        "coordination:receipt:write": N_("acknowledging receipt of coordination items"),
        "coordination:notice:acknowledge": N_("acknowledging coordination notifications"),
        "coordination:tasker:write": N_("issuing and reporting on taskers"),
        "coordination:watch-entry:write": N_("writing the watch log"),
        "coordination:handover:write": N_("preparing shift handovers"),
        "coordination:handover:sign": N_("signing shift handovers"),
    },
}
# A write a domain's rules or its ownership refused is recorded as
# store:<domain>:<kind> (store/owners.py): said as the kind of write and whose
# objects they are (`MECHANISM_NAMES`).
_KIND_OF_WRITE = {
    "create": N_("creating"),
    "revise": N_("a new version"),
    "release": N_("a release decision"),
    "answer": N_("an answer"),
    "accept": N_("a partner node's version"),
}
_KEPT = N_("{what}, of an object {keeper} keeps")
_STORE_ACTION = re.compile(r"store:(?P<keeper>[a-z]+):(?P<kind>[a-z]+)")
# Details that name a level of the policy by its name, a type by its code.
_LEVEL_KEYS = frozenset({"clearance", "max_level"})
_TYPE_KEYS = frozenset({"type", "types"})
# Details that name a nation by its code.
_NATION_KEYS = frozenset({"nation", "origin", "peer"})
# Details that name bodies (offices) by their ids, one or several (a list, or an
# account's comma-separated bodies); "to" names one where an escalation climbs.
_BODY_KEYS = frozenset({"body", "bodies", "addressee", "office", "opr", "ocrs"})
# A value past this many characters is cut on the list; the raw JSON keeps it whole.
_LONGEST = 200


def action_said(code: str, lang: str) -> Markup:
    """The action in words, its code on hover; a code the table does not know, as it is."""
    message = ACTIONS.get(code)
    if message is None:
        return Markup("<code>{0}</code>").format(code)
    return Markup('<span class="action" title="{0}">{1}</span>').format(
        code, translations(lang).gettext(message)
    )


def target_said(policy: Policy, target: str | None, lang: str) -> Markup:
    """An entry's target: a nation (a peer's) in words, anything else (an object's id,
    a user name) as it is."""
    if not target:
        return Markup("")
    return nation_marked(policy, target, lang) if target in policy.nations else escape(target)


def detail_lines(
    policy: Policy,
    detail: dict[str, Any],
    lang: str,
    *,
    first: str,
    bodies: Mapping[str, NamedBody] | None = None,
) -> list[tuple[str, Markup]]:
    """The details as key: value, in the order the log keeps them: nations and bodies
    (`bodies`, the node's) in words, a label as the reader writes one (their own nation
    first), a list or a mapping on one line (a mapping's keys in words too), a long
    text cut short."""
    gettext = translations(lang).gettext
    said = _Said(policy, lang, first, bodies or {})
    return [(_key(key, gettext), said.value(key, value)) for key, value in detail.items()]


def _key(key: str, gettext: Any) -> Markup:
    words = DETAIL_KEYS.get(key)
    if words is None:
        return escape(key)
    return Markup('<span class="key" title="{0}">{1}</span>').format(key, gettext(words))


class _Said:
    """One entry's values in the reader's words."""

    def __init__(
        self, policy: Policy, lang: str, first: str, bodies: Mapping[str, NamedBody]
    ) -> None:
        self.policy, self.lang, self.first, self.bodies = policy, lang, first, bodies

    def value(self, key: str, value: Any) -> Markup:
        policy, lang = self.policy, self.lang
        if isinstance(value, str):
            words = _worded(policy, key, value, lang)
            if words is not None:
                return Markup('<span class="value" title="{0}">{1}</span>').format(value, words)
            if key in _NATION_KEYS and value in policy.nations:
                return nation_marked(policy, value, lang)
            if key in _BODY_KEYS or (key == "to" and value in self.bodies):
                return self._bodies(value.split(",") if key == "bodies" else [value])
            if key == "reason" and lang != "en" and (said := refusal_said(value, lang, policy)):
                # A refusal's reason as the pages word it, in the reader's language; the
                # stored English (what it names exactly) on hover and in the raw JSON.
                return Markup('<span class="reason" title="{0}">{1}</span>').format(
                    _short(value), said[:1].upper() + said[1:]
                )
            if key in LABEL_KEYS:
                try:
                    label = parse(policy, value)
                except LabelError:
                    pass
                else:
                    return escape(render(policy, label, "ja" if lang == "ja" else "en",
                                         first=self.first))  # fmt: skip
            return escape(_short(value))
        if value is None:
            return Markup("—")
        if isinstance(value, bool):
            return escape(translations(lang).gettext(N_("yes") if value else N_("no")))
        if isinstance(value, list):
            if key in _BODY_KEYS and all(isinstance(v, str) for v in value):
                return self._bodies(value)
            items = [(_worded(policy, key, v, lang) if isinstance(v, str) else None) or _plain(v)
                     for v in value]  # fmt: skip
            return escape(_short(", ".join(items)) or "—")
        if isinstance(value, dict):
            # A mapping (the fields a correction changed): each key in words as well.
            gettext = translations(lang).gettext
            pair = escape(gettext("{field}: {message}"))
            parts = [
                pair.format(field=_key(k, gettext), message=self.value(k, v))
                for k, v in value.items()
            ]
            return self._joined(parts) if parts else Markup("—")
        return escape(_plain(value))

    def _bodies(self, ids: list[str]) -> Markup:
        named = [body_marked(self.bodies, b.strip(), self.lang) for b in ids if b.strip()]
        return self._joined(named) if named else Markup("—")

    def _joined(self, parts: list[Markup]) -> Markup:
        return escape("、" if self.lang == "ja" else ", ").join(parts)


def _worded(policy: Policy, key: str, value: str, lang: str) -> str | None:
    """A value of a closed set in the reader's words: a known code, a level, a type."""
    gettext = translations(lang).gettext
    words = DETAIL_VALUES.get(key, {}).get(value)
    if words is not None:
        return gettext(words)
    kept = _STORE_ACTION.fullmatch(value) if key == "action" else None
    if kept and kept["keeper"] in MECHANISM_NAMES and kept["kind"] in _KIND_OF_WRITE:
        return gettext(_KEPT).format(
            what=gettext(_KIND_OF_WRITE[kept["kind"]]),
            keeper=gettext(MECHANISM_NAMES[kept["keeper"]]),
        )
    if key in _TYPE_KEYS and value in TYPE_NAMES:
        return gettext(TYPE_NAMES[value])
    if key in _LEVEL_KEYS:
        return level_name(policy, value, lang)
    return None


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _short(text: str) -> str:
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"
