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
from kizuna.web.names import nation_names

__all__ = ["STORE_PATTERNS", "recognised", "refusal_said"]

# Store and service messages, recognised by their wording (first match wins).
STORE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
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
    # An official text refused by the importer.
    (re.compile(r"^the document is empty"), N_("the file is empty.")),
    (
        re.compile(r"^the document is binary"),
        N_("the file is not text: choose the text of a summary."),
    ),
    (
        re.compile(r"^the document is an HTML page"),
        N_("the file is a web page: save the summary as plain text and import that."),
    ),
    (
        re.compile(r"not UTF-8|not text in UTF-8"),
        N_("the file's characters are not in UTF-8, Shift_JIS or EUC-JP."),
    ),
    (
        re.compile(r"^the document is [\d,]+ bytes|^the file is over"),
        N_("the file is too large: an official text is at most 4 MB."),
    ),
    (
        re.compile(r"^the document is in "),
        N_("the text is in another language than the one chosen."),
    ),
    (
        re.compile(r"^due must be YYYY"),
        N_("write a year (2026), a month (2026-12) or a day (2026-12-05)."),
    ),
    (
        re.compile(r"^a meeting date is for one file"),
        N_("a meeting date is for one file: upload a text that gives no date on its own."),
    ),
    (
        # The text's own date is none: its reason, as the command line gives it (walk
        # 49: the page said only that the text gave no date).
        re.compile(
            r"^no meeting date: (?P<written>.+) is no day of the calendar \((?P<shown>[^)]+)\)"
        ),
        N_(
            "the text dates the meeting {written}, which is no day of the calendar ({shown}): "
            "give the meeting's date in the date field, with this file alone."
        ),
    ),
    (
        re.compile(r"^no meeting date"),
        N_("the text gives no meeting date: enter it in the date field."),
    ),
    (re.compile(r"^round must be a year"), N_("enter a year, such as 2025.")),
    (
        re.compile(r"review's date .* is in the future"),
        N_("a review records what has happened: give a date that has come."),
    ),
    (
        re.compile(r"review's date \S+ is before (?P<met>\S+), the date of the meeting"),
        N_(
            "a review records what was done about a decision: give a date no earlier than "
            "the meeting that took it ({met})."
        ),
    ),
    (
        re.compile(r"time is in the future|was learned is in the future"),
        N_("the time must not be in the future."),
    ),
    (
        re.compile(r"^a position is \[longitude, latitude\]"),
        N_("enter the longitude and latitude."),
    ),
    (re.compile(r"learned after it occurs"), N_("the learned time comes after the occurrence.")),
    (re.compile(r"at a place inside Japan"), N_("the place must be inside Japan.")),
    (re.compile(r"date must be YYYY-MM-DD"), N_("enter a date such as 2026-12-03.")),
    (re.compile(r"last date comes before the first"), N_("the last date comes before the first.")),
    (re.compile(r"not a time|not a timestamp"), N_("enter a date and time.")),
    (re.compile(r"score must be"), N_("choose +1, 0 or −1.")),
    (
        # A NUL in a form's field or an object's string (deps.check_csrf, stix.validate).
        re.compile(r"holds U\+0000"),
        N_(
            "the text holds a character no text may hold (U+0000, a null character, or a "
            "lone surrogate): remove it."
        ),
    ),
    (re.compile(r"whole number from 0 to 100"), N_("enter a whole number from 0 to 100.")),
    (re.compile(r"^confirmation"), N_("tick the box to confirm: this step cannot be undone.")),
    (re.compile(r"no file was chosen"), N_("choose a file.")),
    (
        # The attachments panel's banner, which the page passes in its URL.
        re.compile(r"^the banner is not a label of the policy that you may read"),
        N_("this is not a label you may read. Reload the page."),
    ),
    (
        # A coordination item's title in the other language: left out only when its
        # translation is requested, which the form offers below.
        re.compile(r"is required unless its translation is requested"),
        N_("this field is required, unless the other language is “Translation requested”."),
    ),
    (
        # The service's own, and the schema's (jsonschema: "'name' is a required property").
        re.compile(r"is required|is a required property|^give the translated (text|title)"),
        N_("this field is required."),
    ),
    (re.compile(r"at least one"), N_("give at least one.")),
    (re.compile(r"no object"), N_("an id names no object you may see.")),
    (re.compile(r"is not a STIX identifier"), N_("an id is not of the form type--uuid.")),
    (re.compile(r"already released"), N_("this was already released.")),
    (
        re.compile(r"approves another version"),
        N_("the product was revised after you opened it: read the current version, then approve."),
    ),
    (
        re.compile(r"the draft must be readable by the contributing nations"),
        N_(
            "the draft must be readable by the nations whose objects it gathers: write a "
            "label releasable to each of them."
        ),
    ),
    (
        re.compile(r"is not readable by every reader of the draft"),
        N_(
            "a contribution is not readable by every reader of the draft: gather only "
            "objects releasable to every approving nation, at the draft's level and "
            "compartments or below."
        ),
    ),
    (
        re.compile(r"is no longer readable by every approving nation"),
        N_(
            "a contribution is no longer readable by every approving nation at the draft's "
            "label: the product must be edited to drop or replace it, then approved."
        ),
    ),
    (
        # The agreement with an approving nation is the author's to know (REST names it).
        re.compile(
            r"is above what this node agreed with (?P<nation>[A-Z]{3}) \((?P<agreed>[^)]+)\)"
        ),
        N_(
            "this label is above what this node agreed with {nation} ({agreed}): the node of "
            "{nation} would never receive the product. Write a label within the agreement."
        ),
    ),
    (
        re.compile(r"a joint product is of at least two nations"),
        N_(
            "a joint product is of at least two nations: write a label releasable to the "
            "partner nations who approve it."
        ),
    ),
    (
        re.compile(r"the target label must be releasable to"),
        N_("the target label must be releasable to every approving nation."),
    ),
    (
        re.compile(r"only a releasing officer approves a joint product"),
        N_("only a releasing officer approves a joint product."),
    ),
    (
        re.compile(r"is the requesting body itself"),
        N_("the counterpart cannot be the requesting body itself: choose another body."),
    ),
    (
        re.compile(r"addressed to another body"),
        N_("a request cannot be addressed to the body that asks it: choose another body."),
    ),
    (
        re.compile(r"like the requesting nation"),
        N_("choose a body of the partner nation, or a bilateral one."),
    ),
    (re.compile(r"is not a counterpart of"), N_("this body is not a counterpart of yours.")),
    (re.compile(r"on this node is opened by"), N_("choose a body of this node's nation.")),
    (
        re.compile(r"on this node is (issued|asked) by"),
        N_("choose a body of this node's nation, or a bilateral one."),
    ),
    (
        re.compile(r"^'\S+' is a body of \S+, not of \S+$"),
        N_("choose a body of your own nation, or a bilateral one."),
    ),
    (re.compile(r"is not a member of"), N_("you are not a member of this body.")),
    (
        # A label that leaves out the node's own nation (SECRET//REL TO USA on JPN).
        re.compile(r"must be releasable to \S+, the originating nation"),
        N_("release it to your own nation too: name it after REL TO."),
    ),
    (
        re.compile(r"must be releasable to .* before it is proposed"),
        N_("the label must be releasable to the partner nation before the item is proposed."),
    ),
    (re.compile(r"it takes answers when"), N_("the item does not take answers in its state.")),
    (re.compile(r"is not a transition"), N_("this step is not possible now.")),
    (
        re.compile(r"is not a determination of"),
        N_("choose one of your nation's determinations."),
    ),
    (
        re.compile(r"does not record determinations"),
        N_("this body does not record determinations."),
    ),
    (
        re.compile(r"^only authorised officers of"),
        N_("only your nation's authorised officers record and end its determinations."),
    ),
    (
        re.compile(r"once it has (taken effect|ended)"),
        N_("a determination is recorded once it has taken effect, and ended once it has ended."),
    ),
    (re.compile(r"already ended"), N_("this determination has already ended.")),
    (re.compile(r"suspense has passed"), N_("the suspense must be in the future.")),
    (re.compile(r"time zone"), N_("give the time with its time zone.")),
    (re.compile(r"needs a label"), N_("give a label.")),
    (
        # A tasker or RFI on an item is stored at the item's label: any label typed
        # beside an item is refused, and "write a label the policy knows" sent readers
        # to rewrite a valid label instead of clearing it.
        re.compile(r"on an item carries the item's label"),
        N_("leave it empty when you name a coordination item; the item's label applies."),
    ),
    (re.compile(r"whom the RFI asks, answers it"), N_("only the body asked answers the RFI.")),
    (
        re.compile(r"^the tasker must be releasable to (?P<nations>.+), whose offices it tasks$"),
        N_(
            "the tasker must be releasable to {nations}, whose offices it tasks: name them "
            "after REL TO."
        ),
    ),
    (
        re.compile(r"^the RFI must be releasable to (?P<nations>.+), whose body it asks$"),
        N_(
            "the request for information must be releasable to {nations}, whose body it "
            "asks: name them after REL TO."
        ),
    ),
    (
        # A tasker or an RFI names its item on a form: one missing and one hidden from
        # the author read the same.
        re.compile(r"names no coordination item \S+ may read$"),
        N_("this names no coordination item you may read: copy the id from the item's page."),
    ),
    (
        re.compile(r"^the tasker is \w+$"),
        N_("the tasker is no longer open: it takes no more statuses."),
    ),
    (
        re.compile(r"^the RFI is \w+: its thread is over$"),
        N_("the request for information is closed or withdrawn: its thread takes no more replies."),
    ),
    (
        re.compile(r"^an RFI of \S+ is moved on its own node$"),
        N_(
            "this request for information is the partner nation's: it is closed, withdrawn "
            "or reopened on their node."
        ),
    ),
    (re.compile(r"^an RFI that is \w+ cannot \w+$"), N_("this step is not possible now.")),
    (
        re.compile(r"did not reach \S+ on this node: there is no receipt"),
        N_("it did not reach this body on this node: there is nothing to acknowledge."),
    ),
    (re.compile(r"^acknowledged by \S+ already$"), N_("this receipt is already acknowledged.")),
    (re.compile(r"is not a step of an RFI"), N_("choose one of the offered steps.")),
    (re.compile(r"a reply says something"), N_("write the reply in Japanese or English.")),
    (re.compile(r"is not tasked"), N_("choose an office the tasker tasks.")),
    (re.compile(r"say why the suspense"), N_("say in the note why the suspense cannot be met.")),
    (re.compile(r"neither an OCR nor"), N_("the OPR may be neither an OCR nor the issuing body.")),
    (
        re.compile(r"no item sets a phase"),
        N_("each nation records its own situation determination."),
    ),
    (
        re.compile(r"target label is the draft's"),
        N_("the target label is the draft's own: there is nothing to release."),
    ),
    (re.compile(r"at least 12 characters"), N_("use at least 12 characters.")),
    (re.compile(r"a password is more than spaces"), N_("a password is more than spaces.")),
    (re.compile(r"a username is"), N_("use 1 to 64 letters, digits, '-', '_' or '.'.")),
    (re.compile(r"^user .* exists"), N_("this name is already taken.")),
    (re.compile(r"^limit must be"), N_("the page size is out of range.")),
    # Any role a permission needs (identity.principal.roles_needed), after the
    # refusals above that say more for their own case.
    (
        re.compile(r" may not .+: it needs the (?P<roles>.+) role$"),
        N_("your roles do not allow this: it needs the {roles} role."),
    ),
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
    if name == "roles" and lang == "ja":
        gettext = translations(lang).gettext
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
