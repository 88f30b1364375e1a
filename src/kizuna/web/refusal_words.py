"""Store and service refusals in a reader's words: each message is known by its
wording (developers' and logs' English) and said as the form's reader needs it, in
words the catalog translates. `errors.explain` looks them up; the table lives apart so
that adding a refusal's words touches nothing else.

A pattern's named groups fill the words' placeholders of the same name, so that a
refusal names what its reader may know (the nation an agreement is with, the level
agreed): `nation` and `nations` (codes) in words, `agreed` (a level and compartments)
as the reader writes a label.
"""

from __future__ import annotations

import re

from kizuna.labels import LabelError, Policy
from kizuna.web.i18n import N_, translations
from kizuna.web.names import MECHANISM_NAMES, nation_names
from kizuna.web.refusal_patterns import LATER_PATTERNS
from kizuna.web.type_names import TYPE_NAMES

__all__ = ["STORE_PATTERNS", "recognised", "refusal_said"]

# Store and service messages, recognised by their wording (first match wins).
STORE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        # A write of an owned type that did not come through its owner (Owners.admit):
        # the pages say it their own way (errors.py); the audit log's reason, this way.
        re.compile(
            r"^(?P<type>\S+) objects belong to the (?P<mechanism>\S+) mechanism and keep its "
            r"rules: write them through (?P<endpoint>.+), not this path$"
        ),
        N_(
            "{type} objects are kept by {mechanism} and keep its rules: they are written "
            "through {endpoint}, not another path."
        ),
    ),
    (
        re.compile(r"belongs to the node of \S+; only it makes new versions"),
        N_(
            "the object belongs to its originating nation's node: only that node makes new "
            "versions of it."
        ),
    ),
    (
        # A part released wider than its whole (a meeting's section, an item's answer):
        # the label is valid, the whole is narrower (walk 46: the page said "write a
        # label the policy knows").
        re.compile(r"is never released wider than what it is about"),
        N_(
            "a part is never released wider than what it is about, which is read under a "
            "narrower label: release that first."
        ),
    ),
    (
        # A meeting record is released whole (store/parts.py, meetings/followers.py).
        re.compile(r"of a meeting record is released with its meeting"),
        N_(
            "a part of a meeting record is released with its meeting, whose text holds its "
            "words: release the meeting, and its parts go with it."
        ),
    ),
    (
        re.compile(r"is held under a narrower label, which \S+ carries the words of"),
        N_(
            "a part of the record is held under a narrower label, and the record's text holds "
            "its words: release that part to the record's label first, or the record no "
            "wider than it."
        ),
    ),
    (
        re.compile(r"^the label must be at least as restrictive as .*, which (it|the item) names$"),
        N_("the label must be at least as restrictive as that of every object it names."),
    ),
    (
        # A decision on a version another has replaced since (store.rules.check_version).
        re.compile(r"changed after version (?P<seen>\d+) was read: version (?P<current>\d+) is"),
        N_(
            "the object changed after you read version {seen}: version {current}, shown "
            "here now, is current. Review it, then take the decision again."
        ),
    ),
    (
        re.compile(r"is already labelled "),
        N_("the object already has this label: give the label it should have now."),
    ),
    (
        re.compile(r"the place lies by .* but the municipality codes name|km from .* which the"),
        N_(
            "the municipality codes are of another prefecture than the place: give the "
            "codes of the place (notices are routed by them)."
        ),
    ),
    (
        re.compile(r"keeping its watch on this node"),
        N_("name a member of the body who keeps its watch on this node."),
    ),
    (
        re.compile(r"no other member of \S+ may read this handover"),
        N_(
            "no other member of the body may read this handover: name the incoming officer "
            "in Handed to, and it lists what you both may read."
        ),
    ),
    (re.compile(r"someone else than you"), N_("the incoming officer is someone else than you.")),
    (
        re.compile(r"is handed to \S+: only they sign"),
        N_("this handover is handed to another officer: only they sign it as incoming."),
    ),
    (
        re.compile(r"^name a token by at least its first"),
        N_("name the token by at least its first 6 characters, as the list shows them."),
    ),
    # Refusals (403) that say why.
    # A partner's user on this node: what their nation writes, it writes on its own node.
    (
        re.compile(r"has its own node, peered with this one: answer there"),
        N_(
            "your nation has its own node, peered with this one: answer there, so that "
            "both nodes hold the answer."
        ),
    ),
    (
        # Any domain's short text (stix/validate.py bidi_said): named with its character.
        re.compile(r"holds (?P<char>U\+[0-9A-F]{4}), a bidirectional control that shows"),
        N_(
            "remove {char}, a character that makes the text read otherwise than it is "
            "written (it would show other readers a reversed or reordered title or text)."
        ),
    ),
    (
        # A reader of a body reads what reached it; signing for the body is an answer.
        re.compile(r"may not acknowledge .*: it needs the .+ role$"),
        N_(
            "a reader does not acknowledge: a member who may answer (an author or a "
            "coordinator) acknowledges for the body."
        ),
    ),
    (
        re.compile(r"acknowledges on its own nation's node"),
        N_("a member of a partner nation acknowledges on their own nation's node."),
    ),
    (
        # The store's, and the staff's own (taskers, RFIs and their statuses).
        re.compile(
            r"^only users of \S+ may .* on this node$"
            r"|(issues the taskers of|writes the RFIs of|reports for) \S+ on its own node$"
        ),
        N_(
            "users of a partner nation write on their own nation's node; on this one "
            "they read what is released to them."
        ),
    ),
    (
        re.compile(r"^only authors of \S+ open and move coordination items"),
        N_(
            "only authors of this node's nation open and move coordination items; a "
            "partner's user answers those addressed to their nation."
        ),
    ),
    (
        re.compile(r"who is cleared above them"),
        N_(
            "this account is cleared above you: an administrator manages only the "
            "accounts their own clearance covers."
        ),
    ),
    (
        re.compile(r"is above the clearance of"),
        N_("this label is above your clearance: write at or below your own."),
    ),
    (
        re.compile(r"^an event's label only narrows"),
        N_(
            "An event's label only narrows: keep its level or raise it, keep its "
            "compartments or add some, and keep its nations or fewer."
        ),
    ),
    (
        re.compile(r"a compartment \S+ does not hold$"),
        N_("this label names a compartment you do not hold: write without it."),
    ),
    (
        re.compile(r"only a releasing officer of \S+"),
        N_("only a releasing officer of the originating nation may take this release decision."),
    ),
    (
        re.compile(r"cursor"),
        N_("this page link is no longer valid; start again from the first page."),
    ),
    (
        re.compile(r"^unknown (state|tier|kind|phase|stance|status|actor|topic)\b"),
        N_("choose one of the offered values."),
    ),
    (re.compile(r"^unknown body"), N_("choose one of the offered bodies.")),
    (
        re.compile(r"^unknown municipality code"),
        N_("enter a municipality code of JIS X 0402, such as 473260."),
    ),
    (
        re.compile(r"is not a JIS X 0402 code"),
        N_("enter six digits, the JIS X 0402 code with its check digit, such as 473260."),
    ),
    (
        re.compile(r"is the code of .* itself, not of a municipality"),
        N_("this is a prefecture's code: enter the code of a municipality, such as 473260."),
    ),
    (
        re.compile(r"municipalities of one event are in one prefecture"),
        N_("the municipalities of one event are in one prefecture."),
    ),
    (
        re.compile(r"reason for the public is published in both languages"),
        N_("give the reason for the public in English and in Japanese, or leave both empty."),
    ),
    (
        re.compile(r"a reason for the public is given only when"),
        N_("no public version was released: leave the reason for the public empty."),
    ),
    (re.compile(r"^the event \S+ is already cancelled"), N_("the event is already cancelled.")),
    (
        re.compile(r"was cancelled: its public version says so"),
        N_("the event was cancelled: its public version says so and takes no new text."),
    ),
    (
        re.compile(r"^an update changes at least one field"),
        N_("change at least one field, or mark it the closing report."),
    ),
    (
        re.compile(r"needs its zone"),
        N_("give the time with its zone, such as 2026-12-05T09:00+09:00."),
    ),
    (re.compile(r"^the latitude .* is outside"), N_("the latitude is a number from −90 to 90.")),
    (
        re.compile(r"^the longitude .* is outside"),
        N_("the longitude is a number from −180 to 180."),
    ),
    (
        re.compile(r"^unknown nation"),
        N_("a nation code is not known (write codes such as USA, AUS)."),
    ),
    (re.compile(r"^unknown "), N_("choose one of the offered values.")),
    (re.compile(r"needs .* in 'comment'"), N_("give the reason in the comment.")),
    *LATER_PATTERNS,
]
# Roles as `roles_needed` writes them, in the words of the accounts page.
_ROLES = {
    "reader": N_("Reader"),
    "author": N_("Author"),
    "releasing officer": N_("Releasing officer"),
    "admin": N_("Administrator"),
    "coordinator": N_("Coordinator"),
    "translator": N_("Translator"),
}


def recognised(text: str) -> str | None:
    """The words (msgid) of a store or service refusal, known by its wording."""
    return next((key for pattern, key in STORE_PATTERNS if pattern.search(text)), None)


def refusal_said(text: str, lang: str, policy: Policy | None = None) -> str | None:
    """A store or service refusal in `lang`, its named parts filled in (nations in
    words, an agreed level as the reader writes it, when `policy` is given); None when
    its wording is not known."""
    for pattern, key in STORE_PATTERNS:
        found = pattern.search(text)
        if found is None:
            continue
        said = translations(lang).gettext(key)
        parts = found.groupdict()
        if not parts:
            return said
        return said.format(**{name: _part(name, v, lang, policy) for name, v in parts.items()})
    return None


def _part(name: str, value: str, lang: str, policy: Policy | None) -> str:
    gettext = translations(lang).gettext
    if name == "type" and value in TYPE_NAMES:
        return gettext(TYPE_NAMES[value])
    if name == "mechanism" and value in MECHANISM_NAMES:
        return gettext(MECHANISM_NAMES[value])
    if name == "roles" and lang == "ja":
        return "または".join(gettext(_ROLES.get(r, r)) for r in re.split(r", | or ", value))
    if policy is None:
        return value
    if name in ("nation", "nations"):
        return nation_names(policy, value.split(","), lang)
    if name == "agreed" and lang == "ja":
        # "SECRET//BIAC/CYBER": the level in the reader's words, compartments as written.
        level, _, rest = value.partition("//")
        try:
            said = policy.level_named(level).ja
        except LabelError:
            return value
        return f"{said}//{rest}" if rest else said
    return value
